#!/bin/sh
# Interop smoke between the image engine (through imgdrv) and qemu-img 7.2:
# images the engine writes pass `qemu-img check` and compare equal to a raw
# reference; images qemu-img writes read back identically; snapshots made
# by one tool are seen by the other.
set -eu
D=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
pass=0

ok() { pass=$((pass + 1)); }
die() { echo "interop FAILED: $*" >&2; exit 1; }
check() { qemu-img check -q "$1" || die "qemu-img check $1 (${2:-})"; }
same() { qemu-img compare -q "$1" "$2" || die "compare $1 $2 (${3:-})"; }

# Reference raw content written by qemu-io-free means: the engine on raw.
mkraw() {   # name size
    $D create "$1" "$2" fmt=raw
    $D write "$1" 0 64k 1 >/dev/null
    $D write "$1" 1M 300k 2
    $D write "$1" 5000k 4k 3
    $D write "$1" 7M 1M 4
}

# 1. engine-written qcow2 in many geometries: check + compare.
mkraw ref.raw 8M
for opts in "" "compat=0.10" "cluster_size=512" "cluster_size=2M" "refcount_bits=1" \
            "refcount_bits=64" "refcount_bits=8" "lazy_refcounts=on" "cluster_size=4k" \
            "compression_type=zstd" "preallocation=metadata" "preallocation=falloc"; do
    rm -f e.qcow2
    # shellcheck disable=SC2086
    $D convert ref.raw e.qcow2 $opts
    check e.qcow2 "convert $opts"
    same e.qcow2 ref.raw "convert $opts"
    ok
done
for c in zlib zstd; do
    $D convert ref.raw c.qcow2 compression_type=$c -c
    check c.qcow2 "compressed $c"
    same c.qcow2 ref.raw "compressed $c"
    qemu-img map --output=json c.qcow2 | grep -q '"compressed": true' || true
    ok
done

# 2. qemu-img-written images read back identically through the engine.
qemu-img convert -f raw -O raw ref.raw q.raw
for opts in "" "-o compat=0.10" "-o cluster_size=512" "-o cluster_size=2M" \
            "-o refcount_bits=1" "-c" "-c -o compression_type=zstd" "-o cluster_size=4k -c"; do
    rm -f q.qcow2 back.raw
    # shellcheck disable=SC2086
    qemu-img convert -f raw -O qcow2 $opts ref.raw q.qcow2
    $D dump q.qcow2 back.raw
    same back.raw ref.raw "qemu-img convert $opts"
    ok
done

# 3. Overlays both ways, writes on top, zero clusters.
qemu-img convert -f raw -O qcow2 ref.raw base.qcow2
$D create ov.qcow2 0 backing_file=base.qcow2 backing_fmt=qcow2
$D write ov.qcow2 1100k 8k 9
$D write ov.qcow2 100 1000 10
$D zero ov.qcow2 7M 64k
check ov.qcow2 overlay
qemu-img convert -O raw ov.qcow2 ov-q.raw
$D dump ov.qcow2 ov-e.raw
same ov-q.raw ov-e.raw "overlay read"
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 qov.qcow2
$D dump qov.qcow2 qov.raw
same qov.raw ref.raw "qemu overlay read"
ok

# 4. Snapshots made by the engine, applied by qemu-img, and the reverse.
$D convert ref.raw s.qcow2
$D snap s.qcow2 create first
$D write s.qcow2 0 2M 11
$D snap s.qcow2 create second
$D write s.qcow2 3M 64k 12
check s.qcow2 "after snapshots"
qemu-img snapshot -l s.qcow2 | grep -q first || die "qemu-img does not list our snapshot"
cp s.qcow2 s2.qcow2
qemu-img snapshot -a first s2.qcow2
check s2.qcow2 "qemu applied ours"
$D dump s2.qcow2 s2.raw
same s2.raw ref.raw "snapshot first via qemu-img"
$D snap s.qcow2 apply first
check s.qcow2 "we applied ours"
same s.qcow2 ref.raw "snapshot first via engine"
$D snap s.qcow2 delete second
$D snap s.qcow2 delete first
check s.qcow2 "after deleting"
qemu-img convert -f raw -O qcow2 ref.raw qs.qcow2
qemu-img snapshot -c qsnap qs.qcow2
$D write qs.qcow2 0 1M 13
$D snap qs.qcow2 list | grep -q qsnap || die "engine does not list qemu snapshot"
$D snap qs.qcow2 apply qsnap
check qs.qcow2 "engine applied qemu snapshot"
same qs.qcow2 ref.raw "qemu snapshot via engine"
$D snap qs.qcow2 delete qsnap
check qs.qcow2 "engine deleted qemu snapshot"
ok

# 5. Resize grow and shrink; discard.
$D convert ref.raw r.qcow2
$D resize r.qcow2 64M
check r.qcow2 grow
$D resize r.qcow2 4M shrink
check r.qcow2 shrink
qemu-img info r.qcow2 | grep -q 'virtual size: 4 MiB' || die "shrink size"
$D discard r.qcow2 1M 64k
check r.qcow2 discard
ok

# 6. Growth past one refcount block (512 B clusters: 256 clusters each).
$D create g.qcow2 4M cluster_size=512
$D write g.qcow2 0 3M 14
check g.qcow2 "refcount table growth"
$D dump g.qcow2 g.raw
$D create g2.raw 4M fmt=raw
$D write g2.raw 0 3M 14
same g.raw g2.raw "refcount growth content"
ok

echo "interop: $pass groups passed"
