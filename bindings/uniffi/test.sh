#!/usr/bin/env bash
# Builds the UniFFI bindings and runs their tests in Python, Kotlin and Swift.
# Does all its own set-up on a fresh Debian 12 machine as root: Debian's JNA,
# the Kotlin compiler from npm (with its kotlinx-coroutines jar), and a cached Debian 13
# chroot with Swift (swift-chroot.sh). Each language runs two tests: the
# offline one (keys, fixtures verified, one transaction proven) and the
# wallet engine's against a real node it starts (target/release/superzk:
# two wallets synced, a transfer and a ticket sent, a proof cancelled, bad
# input refused). It also builds the packages an app consumes (PACKAGING.md):
# the Kotlin/JVM jar (native library inside) with its POM, which the Kotlin
# tests compile against and run from, and the Swift package, which the Swift
# tests depend on as a consumer package built with `swift build`. Timings are
# printed per step.
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
superzk="$CARGO_TARGET_DIR/release/superzk"
rm -rf "$work"
mkdir -p "$work"
for language in python kotlin swift; do
    "$CARGO_TARGET_DIR/release/uniffi-bindgen" generate --no-format --library "$lib" \
        --language "$language" --out-dir "$work/$language" >/dev/null
done

step "Python"
cp "$lib" "$work/python/"
PYTHONPATH="$work/python" python3 "$here/tests/test_bindings.py"
step "Python: the wallet engine against a node"
PYTHONPATH="$work/python" SUPERZK_BIN="$superzk" timeout 900 python3 "$here/tests/test_wallet.py"

step "Kotlin: the JVM artifact (compiler from npm, cached)"
jna=/usr/share/java/jna.jar
# kotlinx-coroutines (the async calls are suspend functions): the jar the
# Kotlin compiler from npm ships (Debian 12's libkotlinx-coroutines-java is
# 1.0.1, older than what the generated code uses).
coroutines="$(dirname "$kotlinc")/../lib/kotlinx-coroutines-core-jvm.jar"
generated="$work/kotlin/uniffi/superzk_uniffi/superzk_uniffi.kt"
# Compiling takes minutes: reuse the classes while the generated source is
# the same (the native library goes into the jar fresh every time).
classes="$tools/kotlin-classes-$(sha256sum <"$generated" | cut -c1-16)"
if [ ! -d "$classes" ]; then
    rm -rf "$tools"/kotlin-classes-*
    "$kotlinc" -nowarn -cp "$jna:$coroutines" -d "$classes.tmp" "$generated"
    mv "$classes.tmp" "$classes"
fi
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
artifacts="$work/kotlin-artifact"
staging="$work/kotlin-jar"
mkdir -p "$artifacts"
cp -r "$classes" "$staging"
# JNA finds the library as a class-path resource under its platform folder.
mkdir -p "$staging/linux-x86-64" "$staging/META-INF/maven/dev.superzk/superzk-uniffi"
cp "$lib" "$staging/linux-x86-64/"
pom="$artifacts/superzk-uniffi-$version.pom"
sed "s/@VERSION@/$version/; s/@KOTLIN_VERSION@/$kotlin_version/" "$here/kotlin/pom.xml" >"$pom"
cp "$pom" "$staging/META-INF/maven/dev.superzk/superzk-uniffi/pom.xml"
artifact="$artifacts/superzk-uniffi-$version.jar"
(cd "$staging" && jar cf "$artifact" .)
echo "-- uniffi: built $artifact and $pom"

step "Kotlin: the tests, compiled against the artifact and run from it"
kotlin_tests=("$here/tests/TestBindings.kt" "$here/tests/TestWallet.kt")
jar="$tools/kotlin-tests-$(cat "$generated" "${kotlin_tests[@]}" | sha256sum | cut -c1-16).jar"
if [ ! -f "$jar" ]; then
    rm -f "$tools"/kotlin-test*.jar
    "$kotlinc" -nowarn -include-runtime -cp "$artifact:$jna:$coroutines" -d "$jar.tmp.jar" "${kotlin_tests[@]}"
    mv "$jar.tmp.jar" "$jar"
fi
# Only the artifact, JNA and coroutines (and the test jar with the Kotlin
# runtime): no library path, the library comes out of the artifact.
classpath="$jar:$artifact:$jna:$coroutines"
java -cp "$classpath" TestBindingsKt
step "Kotlin: the wallet engine against a node"
SUPERZK_BIN="$superzk" timeout 900 java -cp "$classpath" superzk.wallettest.TestWalletKt

step "Swift: the package, a consumer built with swift build (Debian 13 chroot, cached)"
inside=/superzk-test
# One Swift stage at a time on a machine: two runs would stack bind mounts on
# the same directory and each one's clean-up would pull the other's away.
exec 9>"$chroot_dir.lock"
flock 9
# A run that was killed (SIGKILL skips the EXIT trap) leaves the parameter
# cache bind-mounted here. Deleting through that mount would empty the real
# cache, so every leftover mount (they can stack) comes off first, and the
# delete stays on this file system.
while mountpoint -q "$chroot_dir$inside/params" 2>/dev/null; do
    umount "$chroot_dir$inside/params" || umount -l "$chroot_dir$inside/params"
done
if grep -qF " $chroot_dir$inside/" /proc/self/mountinfo; then
    echo "error: something is still mounted under $chroot_dir$inside; unmount it and rerun" >&2
    exit 1
fi
rm -rf --one-file-system "${chroot_dir:?}$inside"
mkdir -p "$chroot_dir$inside/fixtures" "$chroot_dir$inside/params"
package="$chroot_dir$inside/SuperZK"
cp -r "$here/swift" "$package"
rm -rf "$package/.build" "$package/lib"
cp "$work/swift/superzk_uniffi.swift" "$package/Sources/SuperZK/"
cp "$work/swift/superzk_uniffiFFI.h" "$package/Sources/superzk_uniffiFFI/"
mkdir -p "$package/lib"
cp "$lib" "$package/lib/"
consumer="$chroot_dir$inside/consumer"
mkdir -p "$consumer/Sources/SuperZKTests"
cp "$here/tests/swift-consumer/Package.swift" "$consumer/"
cp "$here/tests/main.swift" "$here/tests/WalletTests.swift" "$consumer/Sources/SuperZKTests/"
# The node and the faucet run inside the chroot too (Debian 13's C library
# runs a binary built on Debian 12; loopback is shared).
cp "$superzk" "$chroot_dir$inside/superzk"
cp -r "$SUPERZK_FIXTURES"/. "$chroot_dir$inside/fixtures/"
# The parameter cache is shared by bind mount rather than copied (it holds
# other seeds' files too); unmounted however the script ends.
mount --bind "$SUPERZK_PARAMS_DIR" "$chroot_dir$inside/params"
trap 'umount "$chroot_dir$inside/params" 2>/dev/null || umount -l "$chroot_dir$inside/params" 2>/dev/null || true' EXIT
chroot "$chroot_dir" /usr/bin/env HOME=/root /bin/sh -ec "
    cd $inside/consumer
    swift build >swift-build.log 2>&1 || { tail -n 60 swift-build.log; exit 1; }
    SUPERZK_FIXTURES=$inside/fixtures SUPERZK_PARAMS_DIR=$inside/params SUPERZK_BIN=$inside/superzk \
        timeout 900 ./.build/debug/SuperZKTests
"
step ""
