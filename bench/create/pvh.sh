# bench/create/pvh.sh: `xl create -p` + `xl destroy` of type="pvh" guests,
# ours against Debian's xl on the same sandbox boot (a sandbox job:
#   tools/sandbox run --name bench-pvh bench/create/pvh.sh).
# Cases: the tiny kernel as PVH (32 MB) and the Linux guest fixture as PVH
# (128 MB, vcpus=2).  Kernels are copied to /tmp first so both tools read
# them from memory.  Ours and Debian's alternate, so a load change on the
# host hits both alike.  Prints medians of N runs (wall clock, process start
# to exit) and our own per-step breakdown from `xl -v`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # lib.sh: stamp
N=${BENCH_RUNS:-7}
W=/tmp/bench-pvh
OURS=$W/xl
THEIRS=$DEBIAN_XL
mkdir -p $W
cp "$PV_BIN/xl" $W/xl
mkdir -p $W/lib; cp /results/lib/* $W/lib/ 2>/dev/null; export LD_LIBRARY_PATH=$W/lib
cp "$PVSTACK/build/fixtures/tinypv/tinypv.elf" "$SANDBOX_IMAGES/vmlinux" \
   "$SANDBOX_IMAGES/guest.cpio" $W/

. "$PVSTACK/bench/create/lib.sh"

cat > $W/tiny.cfg <<EOC
name = "bench"
type = "pvh"
kernel = "$W/tinypv.elf"
extra = "action=wait"
memory = 32
EOC
cat > $W/linux.cfg <<EOC
name = "bench"
type = "pvh"
kernel = "$W/vmlinux"
ramdisk = "$W/guest.cpio"
extra = "console=hvc0 quiet"
memory = 128
vcpus = 2
EOC

one() { # TOOL CFG: create -p, destroy; appends ms to $W/TOOL.c/.d
    stamp s
    if [ "$1" = ours ]; then
        "$OURS" -v create -p -q "$2" 2>> $W/steps || { echo "create failed"; exit 1; }
    else
        "$THEIRS" create -p -q "$2" >/dev/null 2>&1 || { echo "create failed"; exit 1; }
    fi
    stamp m
    if [ "$1" = ours ]; then "$OURS" destroy bench; else "$THEIRS" destroy bench; fi || exit 1
    stamp e
    awk "BEGIN {print ($m - $s) / 1e6; exit}" >> $W/$1.c
    awk "BEGIN {print ($e - $m) / 1e6; exit}" >> $W/$1.d
}

measure() { # CFG LABEL
    rm -f $W/ours.c $W/ours.d $W/debian.c $W/debian.d; : > $W/steps
    one ours "$1"; one debian "$1"      # warm-up, not counted
    rm -f $W/ours.c $W/ours.d $W/debian.c $W/debian.d; : > $W/steps
    i=0
    while [ $i -lt $N ]; do
        one ours "$1"; one debian "$1"
        i=$((i + 1))
    done
    for t in ours debian; do
        printf "%-8s %-26s create -p %7s ms   destroy %7s ms\n" $t "$2" \
            "$(median < $W/$t.c)" "$(median < $W/$t.d)"
    done
    printf "         ours/debian create: %s\n" \
        "$(awk -v a="$(median < $W/ours.c)" -v b="$(median < $W/debian.c)" 'BEGIN {printf "%.2f", a / b}')"
    printf "         ours, inside create:"
    for k in "make+pre" build xenstore tree userdata total; do
        printf " %s %s ms," "$k" "$(grep -o "$k [0-9.]* ms" $W/steps | awk '{print $2}' | median)"
    done
    echo
}

echo "== bench/create PVH: median of $N, sandbox Xen 4.17 under QEMU TCG"
measure $W/tiny.cfg "tiny PVH (32 MB)"
measure $W/linux.cfg "Linux PVH (128 MB, 2 vCPUs)"
