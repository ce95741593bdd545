#!/bin/sh
# Install the Debian 12 packages pvstack's build, tests and sandbox need.
# Idempotent: when every package is already present it prints nothing and
# touches nothing, so `make` can call it on every run at no cost.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev
libxen-dev libyajl-dev libcmocka-dev libmnl-dev libnl-route-3-dev
zlib1g-dev libzstd-dev
qemu-utils qemu-system-x86 busybox-static cpio kmod xz-utils file
ca-certificates python3 jq"
# Subsystems add their own needs in tools/deps.d/*.list (one package per
# line, # comments), so parallel work never edits this file.
here=$(dirname "$0")
for f in "$here"/deps.d/*.list; do
    [ -f "$f" ] && PKGS="$PKGS $(sed 's/#.*//' "$f")"
done

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing packages:$missing" >&2
    echo "deps.sh: run as root (or: sudo $0) to install them" >&2
    exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A stale or absent package list makes apt-get install fail on a fresh
# machine; updating only when we actually install keeps the common case fast.
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
