# Reference figures for the tiny test kernel with Debian's xl (a sandbox
# job: tools/sandbox run bench/tinypv_xl_reference.sh).  Prints, per boot
# type, the median of N runs of `xl create -p` and `xl destroy`, the time
# from `xl create` to the guest's marker in xenconsoled's log, and
# `xl create -p` again with 20 other tinypv domains running.
# Times come from /proc/uptime (10 ms resolution), process start included.
XLR=${DEBIAN_XL:-xl}
K=${PVSTACK:-/pvstack}/build/fixtures/tinypv/tinypv.elf
N=${BENCH_RUNS:-7}
OTHERS=${BENCH_OTHERS:-20}
W=/tmp/tinypv-bench
mkdir -p $W

now() { cut -d' ' -f1 /proc/uptime; }
cfg() { printf 'name="%s"\ntype="%s"\nkernel="%s"\nextra="action=wait"\nmemory=32\n' "$1" "$2" "$K" > "$W/$1.cfg"; }
median() { sort -n | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR+1)/2)]}'; }

# Only awk does the arithmetic (busybox has no bc).
time_create() {
    cfg b "$1"
    : > $W/create; : > $W/destroy
    i=0
    while [ $i -lt $N ]; do
        s=$(now); "$XLR" create -p -q "$W/b.cfg" >/dev/null 2>&1 || { echo "create failed"; exit 1; }
        m=$(now); "$XLR" destroy b || exit 1
        e=$(now)
        awk "BEGIN{print $m - $s}" >> $W/create
        awk "BEGIN{print $e - $m}" >> $W/destroy
        i=$((i + 1))
    done
}

time_marker() {
    cfg m "$1"
    : > $W/marker
    i=0
    while [ $i -lt $N ]; do
        rm -f /var/log/xen/console/guest-m.log
        s=$(now); "$XLR" create -q "$W/m.cfg" >/dev/null 2>&1 || exit 1
        until grep -q 'TINYPV: hello' /var/log/xen/console/guest-m.log 2>/dev/null; do sleep 0.01; done
        e=$(now)
        awk "BEGIN{print $e - $s}" >> $W/marker
        "$XLR" destroy m || exit 1
        i=$((i + 1))
    done
}

for t in pv pvh; do
    time_create $t
    c=$(median < $W/create); d=$(median < $W/destroy)
    time_marker $t
    mk=$(median < $W/marker)
    echo "tinypv $t: xl create -p ${c}s, xl destroy ${d}s, create to marker ${mk}s (median of $N)"
done

i=0
while [ $i -lt $OTHERS ]; do
    cfg o$i pv
    "$XLR" create -q "$W/o$i.cfg" >/dev/null 2>&1 || { echo "creating other domain $i failed"; exit 1; }
    i=$((i + 1))
done
time_create pv
echo "tinypv pv with $OTHERS others running: xl create -p $(median < $W/create)s, xl destroy $(median < $W/destroy)s (median of $N)"
i=0
while [ $i -lt $OTHERS ]; do "$XLR" destroy o$i; i=$((i + 1)); done
