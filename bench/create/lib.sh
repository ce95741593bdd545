# Shared by the bench/create sandbox jobs: the clock and the statistics.
# busybox date has no %N; the kernel's hrtimer clock is in /proc/timer_list
# ("now at N nsecs", third line), read in a few hundred microseconds.
ns() { head -c 120 /proc/timer_list | awk '/^now at/ {print $3; exit}'; }
median() { sort -n | awk '{v[NR]=$1} END {printf "%.1f", v[int((NR+1)/2)]}'; }
# The fastest run: load on the shared build machine only ever adds time,
# so the minimum shows each tool's own cost when the host let it run.
minimum() { sort -n | awk 'NR == 1 {printf "%.1f", $1}'; }
