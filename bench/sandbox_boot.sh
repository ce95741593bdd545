#!/bin/bash
# Sandbox figures (docs/benchmarks.md, "Sandbox"): image cache hit, boot to
# job exit for an empty job, and in dom0 our xl info/list against Debian's
# xl (the reference), N calls each.  Under TCG and on a shared 2-core
# machine the absolute numbers move with load; the ratios are what count.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
RUNS=${RUNS:-3}
N=${N:-20}
cd "$repo"
make -s all >/dev/null
tools/sandbox build >/dev/null 2>&1

t0=$(date +%s.%N); tools/sandbox build 2>/dev/null; t1=$(date +%s.%N)
printf 'image cache hit: %.2f s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"

job=$(mktemp); trap 'rm -f "$job"' EXIT
echo 'true' > "$job"
for i in $(seq "$RUNS"); do
    t0=$(date +%s.%N)
    tools/sandbox run --quiet --name bench-empty "$job" 2>/dev/null
    t1=$(date +%s.%N)
    printf 'boot + empty job + power off, run %d: %.1f s\n' "$i" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"
done

cat > "$job" <<JOB
ms() { awk '{printf "%d", \$1 * 1000}' /proc/uptime; }
bench() { # label, command...
    label=\$1; shift
    a=\$(ms); i=0
    while [ \$i -lt $N ]; do "\$@" >/dev/null 2>&1; i=\$((i + 1)); done
    b=\$(ms)
    echo "\$label: \$(( (b - a) / $N )) ms per call ($N calls)"
}
bench "ours   xl list" \$PV_BIN/xl list
bench "Debian xl list" \$DEBIAN_XL list
bench "ours   xl info" \$PV_BIN/xl info
bench "Debian xl info" \$DEBIAN_XL info
JOB
tools/sandbox run --quiet --name bench-xl "$job" 2>/dev/null
cat build/sandbox/results/bench-xl/job.log
