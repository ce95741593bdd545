# bench/create: `xl create -p` + `xl destroy`, ours against Debian's xl on
# the same sandbox boot (a sandbox job: tools/sandbox run bench/create/run.sh).
# Cases: the Linux guest fixture (66 MB ELF vmlinux + initramfs, 128 MB),
# the tiny PV kernel (32 MB), the tiny kernel with 20 other domains
# running, and the tiny kernel again once they are gone.  Kernels are
# copied to /tmp first so both tools read them from memory, not over the
# 9p share.  Prints medians of N runs (wall clock,
# process start to exit; 11 by default, the host is shared and noisy),
# the fastest run of each, and our own per-step breakdown from `xl -v`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # lib.sh: stamp
N=${BENCH_RUNS:-11}
OTHERS=${BENCH_OTHERS:-20}
OURS=/tmp/bench-create/xl
THEIRS=$DEBIAN_XL
W=/tmp/bench-create
mkdir -p $W
cp "$PV_BIN/xl" $W/xl   # local, like Debian's xl in the initramfs
mkdir -p $W/lib; cp /results/lib/* $W/lib/ 2>/dev/null; export LD_LIBRARY_PATH=$W/lib
cp "$PVSTACK/build/fixtures/tinypv/tinypv.elf" "$SANDBOX_IMAGES/vmlinux" \
   "$SANDBOX_IMAGES/guest.cpio" $W/

. "$PVSTACK/bench/create/lib.sh"

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

# one TOOL CFG: a create -p then destroy; appends ms to $W/TOOL.c/.d.
# PVSTACK_T0 makes our xl report its phases against the same clock; it
# costs nothing measurable (an environment variable and a getenv).
one() {
    stamp s
    if [ "$1" = ours ]; then
        PVSTACK_T0=$s "$OURS" -v create -p -q "$2" 2>> $W/steps || { echo "create failed"; exit 1; }
    else
        "$THEIRS" create -p -q "$2" >/dev/null 2>&1 || { echo "create failed"; exit 1; }
    fi
    stamp m
    if [ "$1" = ours ]; then "$OURS" destroy bench; else "$THEIRS" destroy bench; fi || exit 1
    stamp e
    awk "BEGIN {print ($m - $s) / 1e6; exit}" >> $W/$1.c
    awk "BEGIN {print ($e - $m) / 1e6; exit}" >> $W/$1.d
}

# measure CFG LABEL: N rounds, ours and Debian's alternating so a load
# change on the host hits both alike; medians in ms.
measure() {
    rm -f $W/ours.c $W/ours.d $W/debian.c $W/debian.d; : > $W/steps; : > $W/floor
    i=0
    while [ $i -lt $N ]; do
        one ours "$1"; one debian "$1"
        # the floor of any command measured this way: fork+exec of a
        # static busybox applet and the two clock reads around it
        stamp s; /bin/true; stamp e
        awk "BEGIN {print ($e - $s) / 1e6; exit}" >> $W/floor
        i=$((i + 1))
    done
    for t in ours debian; do
        printf "%-8s %-26s create -p %7s ms (fastest %7s)   destroy %7s ms\n" \
            $t "$2" "$(median < $W/$t.c)" "$(minimum < $W/$t.c)" \
            "$(median < $W/$t.d)"
    done
    printf "         ours/debian create: %s (fastest runs: %s)\n" \
        "$(awk -v a="$(median < $W/ours.c)" -v b="$(median < $W/debian.c)" 'BEGIN {printf "%.2f", a / b}')" \
        "$(awk -v a="$(minimum < $W/ours.c)" -v b="$(minimum < $W/debian.c)" 'BEGIN {printf "%.2f", a / b}')"
    printf "         ours, inside create:"
    for k in "make+pre" build xenstore tree userdata total; do
        printf " %s %s ms," "$k" "$(grep -o "$k [0-9.]* ms" $W/steps | awk '{print $2}' | median)"
    done
    echo
    # ms since the shell forked: main = exec and dynamic loading done,
    # config = parsed, open = handles open, created = pv_dom_create done
    # (its steps above), monitor = monitor forked, exit = atexit ran; the
    # rest to the total is the kernel ending the process, what dom0's one
    # vCPU runs before the shell (xenconsoled and xenstored taking up the
    # new domain, the monitor's set-up) and the clock read.
    printf "         ours, phase ends:"
    for k in main config open locked created closed monitor exit; do
        printf " %s %s," $k "$(grep -o "phases:.*" $W/steps | grep -o " $k [0-9.]*" | awk '{print $2}' | median)"
    done
    printf " (timer floor: /bin/true %s ms)\n" "$(median < $W/floor)"
    # every run's own figures, for a breakdown not made of separate medians
    { echo "== $2"; paste $W/ours.c $W/debian.c; grep "created\|phases" $W/steps; } \
        >> /results/create-runs.txt
}

xsd=$(xenstore-read /tool/xenstored 2>/dev/null)   # empty: the C xenstored
echo "== bench/create: median of $N, sandbox Xen 4.17 under QEMU TCG, ${xsd:+$(basename "$xsd")}${xsd:-xenstored (C)}"
# The Linux guest first: tiny creates measured after it and the 20 others
# ran 10-20 % slower for both tools (docs/benchmarks.md, session 6), so the
# tiny base and the case with 20 others are measured next to each other.
measure $W/linux.cfg "Linux guest (128 MB)"
measure $W/tiny.cfg "tiny PV (32 MB)"
base_ours=$(median < $W/ours.c); base_debian=$(median < $W/debian.c)
i=0
while [ $i -lt $OTHERS ]; do
    sed "s/\"bench\"/\"other$i\"/" $W/tiny.cfg > $W/o$i.cfg
    "$OURS" create -q -e $W/o$i.cfg || { echo "other $i failed"; exit 1; }
    i=$((i + 1))
done
measure $W/tiny.cfg "tiny PV, $OTHERS others"
more_ours=$(median < $W/ours.c); more_debian=$(median < $W/debian.c)
i=0
while [ $i -lt $OTHERS ]; do "$OURS" destroy other$i; i=$((i + 1)); done
# The host's load drifts, so the base is measured again after the others
# are gone; the growth is printed against the base just before them and
# against the mean of both.
sleep 2
measure $W/tiny.cfg "tiny PV (32 MB), again"
for t in ours debian; do
    eval "b1=\$base_$t m=\$more_$t"
    b2=$(median < $W/$t.c)
    awk -v t=$t -v b1="$b1" -v b2="$b2" -v m="$m" -v n="$OTHERS" 'BEGIN {
        printf "growth   %-8s with %d others: %.1f / %.1f ms = %.2f; against the mean of both bases (%.1f, %.1f): %.2f\n",
               t, n, m, b1, m / b1, b1, b2, m / ((b1 + b2) / 2) }'
done
