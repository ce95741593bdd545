# bench/create/xl_vs_ref.sh: this tree's xl against a reference build of it
# (another link of the same sources, an older commit), on one sandbox boot:
#   tools/sandbox run --name bench-xl-ref bench/create/xl_vs_ref.sh /path/to/xl-ref
# Rounds alternate ref/ours; each round times `xl help` (exec, dynamic
# loading, constructors) and `xl create -p` of tinypv with one vif on a
# bridge (destroy not timed).  Medians of BENCH_RUNS (default 21), ms.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # lib.sh: stamp
N=${BENCH_RUNS:-21}
W=/tmp/bench-xl-ref
REF=/results/in/$(ls /results/in | grep -vx job | head -n1)
[ -f "$REF" ] || { echo "usage: give the reference xl as the job's file"; exit 2; }
mkdir -p $W/lib
cp /results/lib/* $W/lib/ 2>/dev/null; export LD_LIBRARY_PATH=$W/lib
cp "$PV_BIN/xl" $W/xl-ours; cp "$REF" $W/xl-ref; chmod +x $W/xl-ours $W/xl-ref
cp "$PVSTACK/build/fixtures/tinypv/tinypv.elf" $W/

. "$PVSTACK/bench/create/lib.sh"

"$PV_BIN/netback-config" addbr xenbr0 || exit 1
cat > $W/vif.cfg <<EOC
name = "bench"
kernel = "$W/tinypv.elf"
extra = "action=wait"
memory = 32
vif = [ "bridge=xenbr0" ]
EOC
for x in ref ours; do        # warm-up
    $W/xl-$x create -p -q $W/vif.cfg >/dev/null && $W/xl-$x destroy bench || exit 1
    : > $W/help-$x; : > $W/create-$x
done
i=0
while [ $i -lt $N ]; do
    for x in ref ours; do
        stamp s; $W/xl-$x help >/dev/null 2>&1; stamp m
        awk "BEGIN {print ($m - $s) / 1e6}" >> $W/help-$x
        stamp s
        $W/xl-$x create -p -q $W/vif.cfg >/dev/null || { echo "$x: create failed"; exit 1; }
        stamp m
        awk "BEGIN {print ($m - $s) / 1e6}" >> $W/create-$x
        $W/xl-$x destroy bench || exit 1
        sleep 0.3   # let the backend finish tearing down
    done
    i=$((i + 1))
done
echo "== bench/create/xl_vs_ref: median of $N, sandbox Xen 4.17 under QEMU TCG"
for x in ref ours; do
    printf "%-4s xl help %7s ms, create -p tinypv + 1 vif %7s ms\n" $x \
        "$(median < $W/help-$x)" "$(median < $W/create-$x)"
done
exit 0
