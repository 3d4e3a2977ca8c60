// swift-tools-version:5.9
// SuperZK for Swift: the UniFFI-generated bindings (target SuperZK) over the
// native library (libsuperzk_uniffi), which the C module superzk_uniffiFFI
// declares and links. The generated files are not in git: test.sh (or the
// steps in PACKAGING.md) puts `superzk_uniffi.swift` in Sources/SuperZK,
// `superzk_uniffiFFI.h` in Sources/superzk_uniffiFFI and the library in lib/.
// On Apple platforms the library comes as an XCFramework binary target
// instead (PACKAGING.md).
import PackageDescription

// The native library's folder, searched at link time and recorded as the
// executable's run path, so a consumer runs without LD_LIBRARY_PATH.
let libDir = Context.packageDirectory + "/lib"

let package = Package(
    name: "SuperZK",
    products: [
        .library(name: "SuperZK", targets: ["SuperZK"]),
    ],
    targets: [
        .systemLibrary(name: "superzk_uniffiFFI", path: "Sources/superzk_uniffiFFI"),
        .target(
            name: "SuperZK",
            dependencies: ["superzk_uniffiFFI"],
            path: "Sources/SuperZK",
            linkerSettings: [
                .unsafeFlags(["-L", libDir, "-Xlinker", "-rpath", "-Xlinker", libDir]),
            ]
        ),
    ]
)
