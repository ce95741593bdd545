#!/bin/bash
# Build the sandbox Xen host from Debian's packages (see docs/sandbox.md).
#
# Idempotent and keyed: the key is the exact version of every package we use
# plus a hash of the files in tests/sandbox that shape the images.  When the
# key of the images already built matches, nothing is downloaded or rebuilt.
# Packages are only downloaded and unpacked (dpkg-deb -x), never installed.
#
# Output, under build/sandbox:
#   cache/debs/*.deb          downloaded packages (kept across keys)
#   images/xen.bin            Xen, gunzipped multiboot ELF
#   images/vmlinux            Debian's kernel as an ELF (dom0 and guests)
#   images/dom0.cpio          dom0 initramfs: busybox, Xen tools, modules
#   images/guest.cpio         guest initramfs: busybox self-test init
#   images/KEY, MANIFEST      the key and the package versions behind it
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SB=${SANDBOX_DIR:-$repo/build/sandbox}
CACHE=$SB/cache/debs
IMG=$SB/images
WORK=$SB/work

say() { echo "sandbox: $*" >&2; }
die() { echo "sandbox: error: $*" >&2; exit 1; }

for t in apt-get apt-cache dpkg-deb cpio depmod modprobe xz gzip ldd file sha256sum; do
    command -v "$t" >/dev/null || die "'$t' is missing; run tools/deps.sh as root"
done

# Two builds at once in one tree would share build/sandbox/work: serialize.
mkdir -p "$SB"
exec 9>"$SB/.build.lock"
flock 9

# Packages unpacked into the images.  The libxen* runtime libraries are taken
# at the same version as the tools so Debian's xl runs against its own libs.
PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
libxenmisc4.17 libxenstore4 libxencall1 libxendevicemodel1 libxenevtchn1
libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxentoolcore1 libxentoollog1
busybox-static"

candidate() {
    { apt-cache show --no-all-versions "$1" 2>/dev/null || true; } |
        awk '/^Version:/ {print $2; exit}'
}

kernel_pkg() {
    { apt-cache depends linux-image-amd64 2>/dev/null || true; } |
        awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

# A fresh machine (CI) may have no package lists: update once, then retry.
kpkg=$(kernel_pkg)
if [ -z "$kpkg" ] || [ -z "$(candidate xen-hypervisor-4.17-amd64)" ]; then
    say "package lists missing or stale; running apt-get update"
    apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed (need root and access to the Debian mirror)"
    kpkg=$(kernel_pkg)
fi
[ -n "$kpkg" ] || die "cannot resolve the kernel ABI from linux-image-amd64's dependency"
KVER=${kpkg#linux-image-}
PKGS="$PKGS ${kpkg}-unsigned"

# One apt-cache call for all packages: each call costs ~0.5 s of cache load.
versions=$( { apt-cache show --no-all-versions $PKGS 2>/dev/null || true; } |
           awk '/^Package:/ {p=$2} /^Version:/ {print p "=" $2}')
manifest=""
for p in $PKGS; do
    v=$(awk -F= -v p="$p" '$1 == p {print $2; exit}' <<<"$versions")
    [ -n "$v" ] || die "package '$p' not found in the apt lists (Debian 12 main/security expected)"
    manifest="$manifest$p=$v"$'\n'
done
key=$( { printf '%s' "$manifest"; cat "$here"/build.sh "$here"/dom0-init "$here"/guest-init; } |
       sha256sum | cut -c1-16)

if [ -f "$IMG/KEY" ] && [ "$(cat "$IMG/KEY")" = "$key" ] &&
   [ -s "$IMG/xen.bin" ] && [ -s "$IMG/vmlinux" ] && [ -s "$IMG/dom0.cpio" ] && [ -s "$IMG/guest.cpio" ]; then
    say "using cached images (key $key, kernel $KVER)"
    exit 0
fi

# ---- download ---------------------------------------------------------------
mkdir -p "$CACHE"
chmod 755 "$SB" "$SB/cache" "$CACHE" 2>/dev/null || true
want=""
while IFS== read -r p v; do
    [ -n "$p" ] || continue
    fv=${v//:/%3a}
    if ! ls "$CACHE/${p}_${fv}_"*.deb >/dev/null 2>&1; then
        want="$want $p=$v"
    fi
done <<<"$manifest"
if [ -n "$want" ]; then
    say "downloading:$want"
    # shellcheck disable=SC2086
    (cd "$CACHE" && apt-get download -q $want 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
        die "apt-get download failed for:$want"
else
    say "all packages in the download cache"
fi

# ---- unpack -----------------------------------------------------------------
say "building images (key $key, kernel $KVER)"
rm -rf "$WORK"
mkdir -p "$WORK/pkg" "$IMG"
while IFS== read -r p v; do
    [ -n "$p" ] || continue
    fv=${v//:/%3a}
    dpkg-deb -x "$(ls "$CACHE/${p}_${fv}_"*.deb | head -n1)" "$WORK/pkg"
done <<<"$manifest"
P=$WORK/pkg
# Debian 12 ships modules under /lib; merged-usr layouts may use /usr/lib.
MODROOT=$P
[ -d "$P/lib/modules/$KVER" ] || MODROOT=$P/usr
[ -d "$MODROOT/lib/modules/$KVER" ] || die "kernel modules for $KVER not found in the package"
depmod -b "$MODROOT" "$KVER"

gunzip -c "$P/boot/xen-4.17-amd64.gz" > "$WORK/xen.bin"

# The bzImage holds an XZ-compressed ELF; handing Xen the ELF saves the
# decompression, which costs seconds under TCG.
bz=$P/boot/vmlinuz-$KVER
off=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$bz" | head -n1 | cut -d: -f1)
[ -n "$off" ] || die "no XZ payload in $bz"
tail -c +$((off + 1)) "$bz" | xz -dc --single-stream > "$WORK/vmlinux" 2>/dev/null || true
file -b "$WORK/vmlinux" | grep -q '^ELF 64-bit' || die "extracting vmlinux from $bz failed"

# ---- image helpers ----------------------------------------------------------
new_root() {
    local r=$1
    mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,mnt,var/log,var/lib,usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64}
    ln -s ../run "$r/var/run"
    ln -s usr/lib "$r/lib"
    ln -s usr/lib64 "$r/lib64"
    cp "$P/bin/busybox" "$r/bin/busybox"
    local l
    for l in $("$P/bin/busybox" --list-full); do
        [ -e "$r/$l" ] || [ -L "$r/$l" ] || ln -s /bin/busybox "$r/$l"
    done
}

# Copy every shared library the ELF files under $1 need.  Libraries from the
# unpacked packages win over the host's (same soname, Xen's exact version).
copy_libs() {
    local r=$1 f lib base
    local libpath="$P/usr/lib/x86_64-linux-gnu:$P/lib/x86_64-linux-gnu"
    find "$r" -type f -perm -u+x -o -type f -name '*.so*' | while read -r f; do
        file -b "$f" | grep -q '^ELF.*dynamic' || continue
        LD_LIBRARY_PATH=$libpath ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib64/ {print $1}'
    done | sort -u | while read -r lib; do
        base=$(basename "$lib")
        case $base in ld-linux-x86-64.so.2)
            [ -e "$r/usr/lib64/$base" ] || cp -L "$lib" "$r/usr/lib64/$base"; continue;;
        esac
        [ -e "$r/usr/lib/x86_64-linux-gnu/$base" ] || cp -L "$lib" "$r/usr/lib/x86_64-linux-gnu/$base"
    done
}

# Copy kernel modules (and their dependencies), decompressed, then depmod.
copy_modules() {
    local r=$1; shift
    local m f rel
    for m in "$@"; do
        modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
    done | sort -u | while read -r f; do
        rel=${f#"$MODROOT"/lib/modules/$KVER/}
        mkdir -p "$r/usr/lib/modules/$KVER/$(dirname "$rel")"
        case $f in
        *.xz) xz -dc "$f" > "$r/usr/lib/modules/$KVER/${rel%.xz}";;
        *) cp "$f" "$r/usr/lib/modules/$KVER/$rel";;
        esac
    done
    cp "$MODROOT/lib/modules/$KVER"/modules.{order,builtin} "$r/usr/lib/modules/$KVER/" 2>/dev/null || true
    depmod -b "$r/usr" "$KVER" 2>/dev/null || depmod -b "$r" "$KVER"
}

mkcpio() {
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$2"
}

# ---- dom0 -------------------------------------------------------------------
D=$WORK/dom0
new_root "$D"
mkdir -p "$D/usr/lib/xen-4.17" "$D/etc/xen" "$D/var/log/xen" "$D/var/lib/xen" "$D/results" "$D/pvstack"
cp -a "$P/usr/lib/xen-4.17/bin" "$P/usr/lib/xen-4.17/boot" "$D/usr/lib/xen-4.17/"
cp -a "$P/etc/xen/." "$D/etc/xen/"
cp -a "$P/usr/bin/xenstore"* "$D/usr/bin/"
# Debian's /usr/sbin/xl is a wrapper that picks the Xen version; go direct.
for t in xl xenstored oxenstored xenconsoled xentop xen-init-dom0 xenstore-control; do
    ln -sf /usr/lib/xen-4.17/bin/$t "$D/usr/sbin/$t"
done
cp -a "$P/usr/lib/x86_64-linux-gnu/"libxen* "$D/usr/lib/x86_64-linux-gnu/" 2>/dev/null || true
# Xen's hotplug scripts are bash and use a few host tools; our own binaries
# link yajl, zlib, zstd and netlink libraries.  Copy what the host has.
for t in bash ip bridge flock losetup; do
    h=$(command -v "$t" 2>/dev/null || true)
    [ -n "$h" ] && cp -L "$h" "$D/usr/sbin/$t.host" && ln -sf "$t.host" "$D/usr/sbin/$t" || true
done
[ -e "$D/usr/sbin/bash" ] && ln -sf /usr/sbin/bash "$D/bin/bash"
for l in libgcc_s.so.1 libyajl.so.2 libz.so.1 libzstd.so.1 libmnl.so.0 libnl-3.so.200 libnl-route-3.so.200 libuuid.so.1 liblzma.so.5; do
    h=$(ls /lib/x86_64-linux-gnu/$l /usr/lib/x86_64-linux-gnu/$l 2>/dev/null | head -n1 || true)
    [ -n "$h" ] && cp -L "$h" "$D/usr/lib/x86_64-linux-gnu/$l"
done
copy_libs "$D"
[ -e "$D/usr/lib/x86_64-linux-gnu/libgcc_s.so.1" ] || die "libgcc_s.so.1 not found on the host (Xen's tools abort without it)"
# nf_tables with NAT for netback-config's masquerading (the kernel loads
# them on demand); veth for tests that give dom0 an "outside" namespace.
copy_modules "$D" xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback \
    bridge loop tun virtio_pci 9pnet_virtio 9p \
    nf_tables nft_chain_nat nft_masq nft_nat veth
install -m 0755 "$here/dom0-init" "$D/init"
echo "$KVER" > "$D/etc/sandbox-kernel"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$D/etc/passwd"
printf 'root:x:0:\n' > "$D/etc/group"
(cd "$D" && find usr/lib/x86_64-linux-gnu usr/lib64 -name '*.so*' -printf '%f\n') | sort > "$WORK/dom0-libs.list"
mkcpio "$D" "$WORK/dom0.cpio"

# ---- guest ------------------------------------------------------------------
G=$WORK/guest
new_root "$G"
copy_modules "$G" xen-blkfront xen-netfront
install -m 0755 "$here/guest-init" "$G/init"
mkcpio "$G" "$WORK/guest.cpio"

# ---- publish ----------------------------------------------------------------
for f in xen.bin vmlinux dom0.cpio guest.cpio dom0-libs.list; do
    mv -f "$WORK/$f" "$IMG/$f"
done
printf '%s' "$manifest" > "$IMG/MANIFEST"
echo "$KVER" > "$IMG/KVER"
echo "$key" > "$IMG/KEY"
rm -rf "$WORK"
say "images ready in $IMG: $(du -sh "$IMG" | cut -f1) (dom0 $(du -h "$IMG/dom0.cpio" | cut -f1), guest $(du -h "$IMG/guest.cpio" | cut -f1))"
