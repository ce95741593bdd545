#!/bin/bash
# Image engine micro-benchmarks against qemu-img 7.2 in the same run.
# Usage: bench/img-engine.sh [build/tools/imgdrv]   (run from the repo root)
# The engine is driven by tests/img/imgdrv (one thread unless stated);
# `pvimg bench/convert` (bench/images) measure the CLI on top of it.
set -eu
D=$(realpath "${1:-build/tools/imgdrv}")
T=$(mktemp -d /var/tmp/imgbench.XXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

echo "# $(date -u +%F\ %T) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
# 1-3: qemu-img bench shapes (4 GiB image, 64 KiB step).
for shape in "alloc4k 4k 60000" "alloc64k 64k 16000"; do
    set -- $shape
    rm -f q.qcow2 e.qcow2
    qemu-img create -q -f qcow2 q.qcow2 4G
    tq=$(secs qemu-img bench -w -c "$3" -d 64 -s "$2" -S 65536 q.qcow2)
    $D create e.qcow2 4G
    te=$(secs $D bench e.qcow2 w "$2" "$3" 64k 1)
    printf "%-10s qemu-img %6.3f s  engine %6.3f s  speedup %.2fx\n" "$1" "$tq" "$te" "$(echo "$tq / $te" | bc -l)"
    if [ "$1" = alloc4k ]; then
        tq=$(secs qemu-img bench -w -c "$3" -d 64 -s 4k -S 65536 q.qcow2)
        te=$(secs $D bench e.qcow2 w 4k "$3" 64k 1)
        printf "%-10s qemu-img %6.3f s  engine %6.3f s  speedup %.2fx\n" "over4k" "$tq" "$te" "$(echo "$tq / $te" | bc -l)"
    fi
done
# 4: convert raw -> qcow2, 1 GiB of incompressible data.
head -c 1G /dev/urandom > src.raw
tq=$(secs qemu-img convert -f raw -O qcow2 src.raw q1.qcow2)
te=$(secs $D convert src.raw e1.qcow2)
printf "%-10s qemu-img %6.3f s  engine %6.3f s  speedup %.2fx\n" "convert" "$tq" "$te" "$(echo "$tq / $te" | bc -l)"
# 5: snapshot create on a full 1 GiB image and an empty 100 GiB one.
for img in e1.qcow2 big; do
    [ "$img" = big ] && { $D create big 100G; qemu-img create -q -f qcow2 bigq 100G; }
    q=$img; [ "$img" = big ] && q=bigq; [ "$img" = e1.qcow2 ] && q=q1.qcow2
    tq=$(secs qemu-img snapshot -c s1 "$q")
    te=$(secs $D snap "$img" create s1)
    printf "%-10s qemu-img %6.3f s  engine %6.3f s  (snapshot -c, %s)\n" "snapshot" "$tq" "$te" "$img"
done
# 6: overlay creation.
tq=$(secs qemu-img create -q -f qcow2 -b bigq -F qcow2 ovq)
te=$(secs $D create ove 0 backing_file=big backing_fmt=qcow2)
printf "%-10s qemu-img %6.3f s  engine %6.3f s  (overlay on 100 GiB)\n" "overlay" "$tq" "$te"
