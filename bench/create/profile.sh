# bench/create/profile.sh: where the time of `xl create -p` goes, ours and
# Debian's, on one sandbox boot (a sandbox job):
#   tools/sandbox run bench/create/profile.sh [BIN...] [strace strace-libs/]
# Extra binaries given as FILEs (in /results/in) are timed as bare process
# start-ups: an empty static and dynamic program, one linked against the
# Xen libraries as xl is, alternative builds of our xl (xl-*: `xl help`).
# With a host strace (and its libunwind libraries in strace-libs/) it also
# records a syscall trace of one create of each tool: strace-*.txt in the
# results folder.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # lib.sh: stamp
N=${BENCH_RUNS:-9}
W=/tmp/bench-profile
IN=/results/in
mkdir -p $W
cp "$PV_BIN/xl" $W/xl
cp "$PVSTACK/build/fixtures/tinypv/tinypv.elf" $W/
. "$PVSTACK/bench/create/lib.sh"
cat > $W/tiny.cfg <<EOC
name = "bench"
kernel = "$W/tinypv.elf"
extra = "action=wait"
memory = 32
EOC

# startup LABEL CMD...: median wall ms of N runs of CMD
startup() {
    l=$1; shift
    : > $W/s
    i=0
    while [ $i -lt $N ]; do
        stamp s; "$@" >/dev/null 2>&1; stamp e
        awk "BEGIN {print ($e - $s) / 1e6; exit}" >> $W/s
        i=$((i + 1))
    done
    printf "%-34s %7s ms\n" "$l" "$(median < $W/s)"
}

echo "== process start-up, median of $N (ns clock itself: head+awk)"
startup "busybox true (fork+exec)" /bin/true
for b in $IN/empty-* ; do
    [ -x "$b" ] && cp "$b" $W/ && startup "$(basename $b)" $W/$(basename $b)
done
startup "ours xl help" $W/xl help
for b in $IN/xl-*; do
    [ -x "$b" ] && cp "$b" $W/ && startup "$(basename $b) help" $W/$(basename $b) help
done
startup "debian xl help" $DEBIAN_XL help
startup "ours xl list" $W/xl list
startup "debian xl list" $DEBIAN_XL list
startup "ours xl -N create" $W/xl -N create $W/tiny.cfg
startup "debian xl -N create" $DEBIAN_XL -N create $W/tiny.cfg

# create TOOL: one create -p + destroy, wall ms of the create
create() {
    x=$1; shift
    stamp s; PVSTACK_T0=$s "$x" "$@" create $COPTS -p -q $W/tiny.cfg 2>$W/err >/dev/null || { echo "create failed" >&2; cat $W/err >&2; }
    stamp e
    cat $W/err >> $W/steps; grep phases $W/err | sed "s|^|$(basename $x)$COPTS |" >> $W/phases
    "$x" destroy bench || echo "destroy failed"
    awk "BEGIN {print ($e - $s) / 1e6; exit}"
}
echo "== create -p tiny, median of $N, alternating"
: > $W/ours; : > $W/ours-e; : > $W/debian; : > $W/steps; : > $W/phases
for b in $IN/xl-*; do [ -x "$b" ] && : > $W/$(basename $b).c; done
i=0
while [ $i -lt $N ]; do
    create $W/xl -v >> $W/ours
    create $DEBIAN_XL >> $W/debian
    COPTS=-e create $W/xl >> $W/ours-e
    for b in $IN/xl-*; do
        [ -x "$b" ] && create $W/$(basename $b) >> $W/$(basename $b).c
    done
    i=$((i + 1))
done
printf "%-34s %7s ms\n" "ours create -p" "$(median < $W/ours)" \
    "debian create -p" "$(median < $W/debian)" \
    "ours create -p -e (no monitor)" "$(median < $W/ours-e)"
for b in $IN/xl-*; do
    [ -x "$b" ] && printf "%-34s %7s ms\n" "$(basename $b) create -p" \
        "$(median < $W/$(basename $b).c)"
done
printf "ours, inside create:"
for k in "make+pre" build xenstore tree userdata total; do
    printf " %s %s ms," "$k" "$(grep -o "$k [0-9.]* ms" $W/steps | awk '{print $2}' | median)"
done
echo
# median of each phase mark per binary
for x in $(awk '{print $1}' $W/phases | sort -u); do
    printf "%s phases (ms since the shell's fork):" $x
    for k in main config open created closed monitor; do
        printf " %s %s," $k "$(grep "^$x " $W/phases | grep -o " $k [0-9.]*" | awk '{print $2}' | median)"
    done
    echo
done

if [ -x $IN/strace ]; then
    echo "== strace (create -e: strace -f would wait for the monitor)"
    ST="env LD_LIBRARY_PATH=$IN/strace-libs $IN/strace"
    $ST -f -tt -T -o /results/strace-ours.txt $W/xl -v create -e -p -q $W/tiny.cfg
    $W/xl destroy bench
    $ST -f -tt -T -o /results/strace-debian.txt $DEBIAN_XL create -e -p -q $W/tiny.cfg
    $DEBIAN_XL destroy bench
    $ST -f -c -o /results/strace-c-ours.txt $W/xl create -e -p -q $W/tiny.cfg
    $W/xl destroy bench
    $ST -f -c -o /results/strace-c-debian.txt $DEBIAN_XL create -e -p -q $W/tiny.cfg
    $DEBIAN_XL destroy bench
    $ST -f -tt -T -o /results/strace-help.txt $W/xl help >/dev/null
fi
uptime
exit 0
