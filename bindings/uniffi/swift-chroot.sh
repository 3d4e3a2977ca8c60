#!/usr/bin/env bash
# Makes (once) and caches a Debian 13 (trixie) chroot with Swift in it, because
# Debian 12 ships no Swift compiler. Needs root. Prints the chroot's path.
#
# The chroot is kept at $SUPERZK_SWIFT_CHROOT (default
# /var/cache/superzk-swift-chroot), outside git, so later runs skip debootstrap;
# a marker file is written only once swiftc has run inside it, so an
# interrupted set-up is redone rather than trusted.
set -euo pipefail
root="${SUPERZK_SWIFT_CHROOT:-/var/cache/superzk-swift-chroot}"
mirror="${SUPERZK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
marker="$root/.superzk-swift-ready"

if [ "$(id -u)" -ne 0 ]; then
    echo "swift-chroot.sh: must run as root (debootstrap and chroot need it)" >&2
    exit 1
fi

mount_proc() {
    mkdir -p "$root/proc"
    if ! mountpoint -q "$root/proc"; then
        mount -t proc proc "$root/proc"
    fi
}

if [ ! -f "$marker" ]; then
    start=$(date +%s)
    if ! command -v debootstrap >/dev/null; then
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
    fi
    if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
    rm -rf "$root"
    mkdir -p "$(dirname "$root")"
    debootstrap --variant=minbase trixie "$root" "$mirror" >&2
    mount_proc
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends swiftlang libc6-dev >&2
    chroot "$root" swiftc --version >&2
    touch "$marker"
    echo "swift-chroot.sh: cold set-up took $(($(date +%s) - start)) s" >&2
fi
mount_proc
echo "$root"
