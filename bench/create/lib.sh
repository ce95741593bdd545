# Shared by the bench/create sandbox jobs: the clock and the statistics.
# The jobs run under bash (each starts with bench_bash), whose
# EPOCHREALTIME is read without a fork: `stamp VAR` sets VAR to the wall
# clock in ns.  (A clock read through a command, as before, cost a fork
# and an exec on both sides of every measurement, ~10 ms under a PV dom0
# on TCG, which weighed on the faster tool's ratio.)  xl's phase marks
# (PVSTACK_T0) use the same clock.
stamp() { local t=${EPOCHREALTIME/./}; printf -v "$1" '%s000' "$t"; }
median() { sort -n | awk '{v[NR]=$1} END {printf "%.1f", v[int((NR+1)/2)]}'; }
# The fastest run: load on the shared build machine only ever adds time,
# so the minimum shows each tool's own cost when the host let it run.
minimum() { sort -n | awk 'NR == 1 {printf "%.1f", $1}'; }
