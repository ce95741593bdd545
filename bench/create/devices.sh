# bench/create/devices.sh: device setup overhead of `xl create -p`, ours
# against Debian's xl on the same sandbox boot (a sandbox job:
#   tools/sandbox run --name bench-devices bench/create/devices.sh).
# Overhead = median(create -p with 1 vbd + 1 vif) - median(same guest
# without devices), each tool with its own pair of medians; destroy after
# each create.  The tiny PV kernel keeps the guest-independent part small.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # lib.sh: stamp
N=${BENCH_RUNS:-7}
W=/tmp/bench-dev
mkdir -p $W
cp "$PV_BIN/xl" "$PV_BIN/netback-config" $W/
mkdir -p $W/lib; cp /results/lib/* $W/lib/ 2>/dev/null; export LD_LIBRARY_PATH=$W/lib
cp "$PVSTACK/build/fixtures/tinypv/tinypv.elf" $W/
OURS=$W/xl
THEIRS=$DEBIAN_XL

. "$PVSTACK/bench/create/lib.sh"

$W/netback-config addbr xenbr0 || exit 1
dd if=/dev/zero of=$W/disk.img bs=1M count=64 2>/dev/null
cat > $W/none.cfg <<EOC
name = "bench"
kernel = "$W/tinypv.elf"
extra = "action=wait"
memory = 32
EOC
cp $W/none.cfg $W/dev.cfg
cat >> $W/dev.cfg <<EOC
disk = [ "$W/disk.img,raw,xvda,w" ]
vif = [ "bridge=xenbr0" ]
EOC
# ours split by device kind, to say which one dominates
cp $W/none.cfg $W/disk.cfg; echo "disk = [ \"$W/disk.img,raw,xvda,w\" ]" >> $W/disk.cfg
cp $W/none.cfg $W/vif.cfg; echo 'vif = [ "bridge=xenbr0" ]' >> $W/vif.cfg

# measure TOOL CFG -> median create -p ms (destroy not timed)
measure() {
    : > $W/c
    i=0
    while [ $i -lt $N ]; do
        stamp s
        if [ "$1" = ours ]; then
            "$OURS" create -p -q "$2" >/dev/null 2>$W/err || { cat $W/err; echo "create failed"; exit 1; }
        else
            "$THEIRS" create -p -q "$2" >/dev/null 2>$W/err || { cat $W/err; echo "create failed"; exit 1; }
        fi
        stamp m
        if [ "$1" = ours ]; then "$OURS" destroy bench; else "$THEIRS" destroy bench; fi || exit 1
        sleep 0.3   # let backends and hotplug scripts finish tearing down
        awk "BEGIN {print ($m - $s) / 1e6; exit}" >> $W/c
        i=$((i + 1))
    done
    median < $W/c
}

# warm-up of both (first-time caches, parents in xenstore)
measure ours $W/dev.cfg >/dev/null; measure debian $W/dev.cfg >/dev/null

echo "== bench/create devices: median of $N, sandbox Xen 4.17 under QEMU TCG"
for t in ours debian; do
    a=$(measure $t $W/none.cfg)
    b=$(measure $t $W/dev.cfg)
    o=$(awk "BEGIN {printf \"%.1f\", $b - $a}")
    printf "%-7s create -p: no devices %7s ms, 1 vbd + 1 vif %7s ms, overhead %7s ms\n" \
        $t "$a" "$b" "$o"
    echo "$t $o" >> $W/overheads
done
awk '{o[$1]=$2} END {if (o["debian"] > 0) printf "ours/debian overhead ratio: %.3f\n", o["ours"] / o["debian"]}' $W/overheads
a=$(measure ours $W/none.cfg)
d=$(measure ours $W/disk.cfg)
v=$(measure ours $W/vif.cfg)
awk "BEGIN {printf \"ours split: 1 vbd alone +%.1f ms, 1 vif alone +%.1f ms (no devices %s ms)\\n\", $d - $a, $v - $a, $a}"
losetup -a | grep -q disk.img && echo "WARNING: a loop device is left on disk.img"
exit 0
