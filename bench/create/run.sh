# bench/create: `xl create -p` + `xl destroy`, ours against Debian's xl on
# the same sandbox boot (a sandbox job: tools/sandbox run bench/create/run.sh).
# Cases: the tiny PV kernel (32 MB) and the Linux guest fixture (66 MB ELF
# vmlinux + initramfs, 128 MB), then the tiny kernel with 20 other domains
# running.  Kernels are copied to /tmp first so both tools read them from
# memory, not over the 9p share.  Prints medians of N runs (wall clock,
# process start to exit) and our own per-step breakdown from `xl -v`.
N=${BENCH_RUNS:-7}
OTHERS=${BENCH_OTHERS:-20}
OURS=/tmp/bench-create/xl
THEIRS=$DEBIAN_XL
W=/tmp/bench-create
mkdir -p $W
cp "$PV_BIN/xl" $W/xl   # local, like Debian's xl in the initramfs
mkdir -p $W/lib; cp /results/lib/* $W/lib/ 2>/dev/null; export LD_LIBRARY_PATH=$W/lib
cp "$PVSTACK/build/fixtures/tinypv/tinypv.elf" "$SANDBOX_IMAGES/vmlinux" \
   "$SANDBOX_IMAGES/guest.cpio" $W/

# busybox date has no %N; the kernel's hrtimer clock is in /proc/timer_list
# ("now at N nsecs", third line), read in a few hundred microseconds.
ns() { head -c 120 /proc/timer_list | awk '/^now at/ {print $3; exit}'; }
median() { sort -n | awk '{v[NR]=$1} END {printf "%.1f", v[int((NR+1)/2)]}'; }

cat > $W/tiny.cfg <<EOC
name = "bench"
kernel = "$W/tinypv.elf"
extra = "action=wait"
memory = 32
EOC
cat > $W/linux.cfg <<EOC
name = "bench"
kernel = "$W/vmlinux"
ramdisk = "$W/guest.cpio"
extra = "console=hvc0 quiet"
memory = 128
EOC

# measure TOOL CFG LABEL: N x (create -p, destroy); medians in ms
measure() {
    : > $W/c; : > $W/d; : > $W/steps
    i=0
    while [ $i -lt $N ]; do
        s=$(ns)
        if [ "$1" = ours ]; then
            "$OURS" -v create -p -q "$2" 2>> $W/steps || { echo "create failed"; exit 1; }
        else
            "$THEIRS" create -p -q "$2" >/dev/null 2>&1 || { echo "create failed"; exit 1; }
        fi
        m=$(ns)
        if [ "$1" = ours ]; then "$OURS" destroy bench; else "$THEIRS" destroy bench; fi || exit 1
        e=$(ns)
        awk "BEGIN {print ($m - $s) / 1e6; exit}" >> $W/c
        awk "BEGIN {print ($e - $m) / 1e6; exit}" >> $W/d
        i=$((i + 1))
    done
    printf "%-8s %-26s create -p %7s ms   destroy %7s ms\n" "$1" "$3" \
        "$(median < $W/c)" "$(median < $W/d)"
    if [ "$1" = ours ]; then
        for k in "make+pre" build xenstore userdata total; do
            grep -o "$k [0-9.]* ms" $W/steps | awk '{print $2}' | median > $W/m
            printf "           %-10s %7s ms\n" "$k" "$(cat $W/m)"
        done
    fi
}

echo "== bench/create: median of $N, sandbox Xen 4.17 under QEMU TCG"
for t in ours debian; do measure $t $W/tiny.cfg "tiny PV (32 MB)"; done
for t in ours debian; do measure $t $W/linux.cfg "Linux guest (128 MB)"; done
i=0
while [ $i -lt $OTHERS ]; do
    sed "s/\"bench\"/\"other$i\"/" $W/tiny.cfg > $W/o$i.cfg
    "$OURS" create -q -e $W/o$i.cfg || { echo "other $i failed"; exit 1; }
    i=$((i + 1))
done
for t in ours debian; do measure $t $W/tiny.cfg "tiny PV, $OTHERS others"; done
i=0
while [ $i -lt $OTHERS ]; do "$OURS" destroy other$i; i=$((i + 1)); done
