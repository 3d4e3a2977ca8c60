#!/usr/bin/env bash
# Builds the UniFFI bindings and runs their tests in Python, Kotlin and Swift.
# Does all its own set-up on a fresh Debian 12 machine as root: Debian's JNA,
# the Kotlin compiler from npm, and a cached Debian 13 chroot with Swift
# (swift-chroot.sh). Each language runs tests/ against the same fixtures and
# proves one transaction. Timings are printed per step.
#
# Caches (outside git): $SUPERZK_UNIFFI_TOOLS (default
# /var/cache/superzk-uniffi-tools: the Kotlin compiler and compiled test
# jars), $SUPERZK_SWIFT_CHROOT (see swift-chroot.sh), $SUPERZK_PARAMS_DIR
# (default target/params: the insecure demo parameters, generated once).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export SUPERZK_PARAMS_DIR="${SUPERZK_PARAMS_DIR:-$root/target/params}"
export SUPERZK_FIXTURES="$root/fixtures"
tools="${SUPERZK_UNIFFI_TOOLS:-/var/cache/superzk-uniffi-tools}"
kotlin_version="2.4.20"
work="$CARGO_TARGET_DIR/uniffi-test"
mkdir -p "$tools" "$SUPERZK_PARAMS_DIR"

step_start=$SECONDS
step_name=""
step() {
    [ -z "$step_name" ] || echo "-- uniffi: $step_name took $((SECONDS - step_start)) s"
    [ -z "$1" ] || echo "-- uniffi: $1"
    step_name="$1"
    step_start=$SECONDS
}

step "installing system packages (JNA; Java 17, debootstrap, npm if missing)"
need=()
[ -f /usr/share/java/jna.jar ] || need+=(libjna-java)
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

step "the Kotlin compiler (npm) and the Swift chroot (cached)"
kotlinc="$tools/kotlin-$kotlin_version/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$kotlinc" ]; then
    npm install --no-audit --no-fund --prefix "$tools/kotlin-$kotlin_version" \
        "kotlin-compiler@$kotlin_version" >/dev/null
fi
chroot_dir="$("$here/swift-chroot.sh")"
# `--setup`: only the installs above (./scripts/test.sh runs them in the
# background while it compiles).
if [ "${1:-}" = --setup ]; then
    step ""
    exit 0
fi

step "building the library and uniffi-bindgen"
"$root/scripts/build-native.sh"
lib="$CARGO_TARGET_DIR/release/libsuperzk_uniffi.so"
rm -rf "$work"
mkdir -p "$work"
for language in python kotlin swift; do
    "$CARGO_TARGET_DIR/release/uniffi-bindgen" generate --no-format --library "$lib" \
        --language "$language" --out-dir "$work/$language" >/dev/null
done

step "Python"
cp "$lib" "$work/python/"
PYTHONPATH="$work/python" python3 "$here/tests/test_bindings.py"

step "Kotlin (compiler from npm, cached)"
kotlin_sources=("$work/kotlin/uniffi/superzk_uniffi/superzk_uniffi.kt" "$here/tests/TestBindings.kt")
# Compiling takes about a minute: reuse the jar while the sources are the same.
jar="$tools/kotlin-test-$(cat "${kotlin_sources[@]}" | sha256sum | cut -c1-16).jar"
if [ ! -f "$jar" ]; then
    rm -f "$tools"/kotlin-test-*.jar
    "$kotlinc" -nowarn -include-runtime -cp /usr/share/java/jna.jar -d "$jar.tmp.jar" "${kotlin_sources[@]}"
    mv "$jar.tmp.jar" "$jar"
fi
java -Djna.library.path="$(dirname "$lib")" -cp "$jar:/usr/share/java/jna.jar" TestBindingsKt

step "Swift (Debian 13 chroot, cached)"
inside=/superzk-test
rm -rf "${chroot_dir:?}$inside"
mkdir -p "$chroot_dir$inside/fixtures" "$chroot_dir$inside/params"
cp "$work"/swift/* "$here/tests/main.swift" "$lib" "$chroot_dir$inside/"
cp -r "$SUPERZK_FIXTURES"/. "$chroot_dir$inside/fixtures/"
# The parameter cache is shared by bind mount rather than copied (it holds
# other seeds' files too); unmounted however the script ends.
mount --bind "$SUPERZK_PARAMS_DIR" "$chroot_dir$inside/params"
trap 'umount "$chroot_dir$inside/params" 2>/dev/null || true' EXIT
chroot "$chroot_dir" /bin/sh -ec "
    cd $inside
    swiftc -module-name SuperZKTest -I $inside -Xcc -fmodule-map-file=$inside/superzk_uniffiFFI.modulemap \
        -L $inside -lsuperzk_uniffi superzk_uniffi.swift main.swift -o superzk-test
    SUPERZK_FIXTURES=$inside/fixtures SUPERZK_PARAMS_DIR=$inside/params LD_LIBRARY_PATH=$inside ./superzk-test
"
step ""
