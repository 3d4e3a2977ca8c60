// swift-tools-version:5.9
// A consumer of the SuperZK Swift package, as an app would depend on it: the
// Swift tests (main.swift, WalletTests.swift), built with `swift build` by
// test.sh, which places this package beside the assembled SuperZK package.
import PackageDescription

let package = Package(
    name: "SuperZKConsumer",
    dependencies: [
        .package(name: "SuperZK", path: "../SuperZK"),
    ],
    targets: [
        .executableTarget(
            name: "SuperZKTests",
            dependencies: [.product(name: "SuperZK", package: "SuperZK")],
            path: "Sources/SuperZKTests"
        ),
    ]
)
