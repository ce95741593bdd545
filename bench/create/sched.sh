# bench/create/sched.sh: what vCPU affinity and scheduler parameters cost
# `xl create -p`, ours against Debian's xl on the same sandbox boot (a
# sandbox job: tools/sandbox run --name bench-sched bench/create/sched.sh).
# Overhead = median(create -p of a 2-vCPU tiny guest with cpus=, cpus_soft=,
# cpu_weight=, cap=) - median(the same guest without them); destroy after
# each create.  Debian's xl is the reference for both medians.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # lib.sh: stamp
N=${BENCH_RUNS:-7}
W=/tmp/bench-sched
mkdir -p $W
cp "$PV_BIN/xl" $W/
mkdir -p $W/lib; cp /results/lib/* $W/lib/ 2>/dev/null; export LD_LIBRARY_PATH=$W/lib
cp "$PVSTACK/build/fixtures/tinypv/tinypv.elf" $W/
OURS=$W/xl
THEIRS=$DEBIAN_XL

. "$PVSTACK/bench/create/lib.sh"

cat > $W/plain.cfg <<EOC
name = "bench"
kernel = "$W/tinypv.elf"
extra = "action=wait"
memory = 32
vcpus = 2
EOC
cp $W/plain.cfg $W/sched.cfg
cat >> $W/sched.cfg <<EOC
cpus = ["0", "1"]
cpus_soft = "1"
cpu_weight = 512
cap = 50
EOC

run() { # tool cfg -> ms per create
    _i=0
    while [ $_i -lt $N ]; do
        stamp _a
        $1 create -q -p $2 >/dev/null 2>&1 || { echo "create failed" >&2; exit 1; }
        stamp _b
        $1 destroy bench >/dev/null 2>&1
        echo $(( (_b - _a) / 1000 )) | awk '{printf "%.1f\n", $1 / 1000}'
        _i=$((_i + 1))
    done | median
}
$OURS create -q -p $W/plain.cfg >/dev/null 2>&1; $OURS destroy bench >/dev/null 2>&1
op=$(run $OURS $W/plain.cfg); os=$(run $OURS $W/sched.cfg)
tp=$(run $THEIRS $W/plain.cfg); ts=$(run $THEIRS $W/sched.cfg)
echo "runs=$N (medians, ms)"
echo "ours:   plain $op  with affinity+sched $os  overhead $(echo "$os $op" | awk '{printf "%.1f", $1 - $2}')"
echo "debian: plain $tp  with affinity+sched $ts  overhead $(echo "$ts $tp" | awk '{printf "%.1f", $1 - $2}')"
