#!/bin/bash
# Crash test of pvimg itself: the process doing allocating writes is killed
# with SIGKILL at a random moment during
#   convert   raw -> qcow2 (plain and -c zlib/zstd, 512 B to 64 KiB clusters)
#   commit    an overlay with scattered data into its base
#   snapshot  a loop of snapshot -c / bench -w (allocating writes) /
#             snapshot -d on one image
# Afterwards `qemu-img check` must report no corruption (exit 0, or 3 for
# leaked clusters) on every image touched, and what had completed must be
# there: a convert that exited 0 compares equal, a killed commit leaves the
# overlay reading exactly as before (data reaches the base before the
# overlay is emptied), every snapshot whose `snapshot -c` exited 0 (and was
# not deleted since) is listed.  Failing images are kept in /tmp.
#
#   crash_pvimg.sh PVIMG ITERATIONS
set -u
P=$(realpath "$1")
N=${2:-12}
Q=${QEMU_IMG:-qemu-img}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0

# 24 MiB source: random, text-like and zero runs (python: deterministic)
python3 - <<'PY'
import random
r = random.Random(3)
words = [b"qcow2 ", b"cluster ", b"refcount ", b"pvstack ", b"snapshot\n"]
with open("src.raw", "wb") as f:
    for i in range(24):
        k = i % 3
        if k == 0:
            f.write(r.randbytes(1 << 20))
        elif k == 1:
            f.write(b"".join(r.choice(words) for _ in range(1 << 18))[:1 << 20])
        else:
            f.seek(1 << 20, 1)
    f.truncate(24 << 20)
PY
head -c $((4 << 20)) src.raw >small.raw

bad() {     # ITER WHAT IMAGE...
    local i=$1 what=$2
    shift 2
    echo "pvimg crash $i: $what"
    fails=$((fails + 1))
    for f in "$@"; do cp "$f" "/tmp/pvimg-crash-$i-$(basename "$f")" 2>/dev/null; done
}

# check_img ITER IMAGE: no corruption (exit 0 or 3).  A file whose header
# was never written (killed inside create, which writes it last) is no
# image at all: skip it.
check_img() {
    local i=$1 img=$2 rc
    [ "$(head -c 4 "$img" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 514649fb ] || return 0
    $Q check "$img" >check.out 2>&1
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
        bad "$i" "qemu-img check $img exit $rc: $(head -c 400 check.out)" "$img"
        return 1
    fi
    return 0
}

now_us() { local t; t=$(date +%s%N); echo $((t / 1000)); }

# run_killed KIND CMD...: run CMD (pvimg, or a loop of pvimg commands) and
# kill it.  The first run of each KIND is not killed: it measures how long
# CMD takes and how many writes pvimg makes to image files
# (PVIMG_COUNT_WRITES, blktap/image.c).  Later runs alternate between
#  - a SIGKILL to CMD's process group after a random delay within that time
#    (half of them in the last quarter, where the metadata reaches the
#    file), and
#  - pvimg SIGKILLing itself right before a random one of its writes
#    (PVIMG_KILL_AFTER_WRITES): every point between two writes is as likely,
#    however short the window, which a timer cannot do.
# Sets RC to CMD's exit status (137 if killed).
declare -A span_us nwrites
killed=0
completed=0
run_killed() {
    local kind=$1 pid d t0 rc
    shift
    t0=$(now_us)
    if [ -z "${span_us[$kind]:-}" ]; then
        PVIMG_COUNT_WRITES=1 "$@" >/dev/null 2>count.err
        rc=$?
        span_us[$kind]=$(( $(now_us) - t0 + 1000 ))
        nwrites[$kind]=$(awk '/^pvimg-writes: / { n += $2 } END { print n + 0 }' count.err)
    elif [ $((RANDOM % 2)) = 0 ] && [ "${nwrites[$kind]}" -gt 0 ]; then
        { PVIMG_KILL_AFTER_WRITES=$(( (RANDOM * 32768 + RANDOM) % nwrites[$kind] )) \
            "$@" >/dev/null 2>&1; } 2>/dev/null
        rc=$?
    else
        setsid "$@" >/dev/null 2>&1 &
        pid=$!
        d=$(( (RANDOM * 32768 + RANDOM) % span_us[$kind] ))
        [ $((RANDOM % 2)) = 0 ] && d=$(( span_us[$kind] - d / 4 ))
        sleep "$((d / 1000000)).$(printf %06d $((d % 1000000)))"
        kill -9 -- "-$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
    fi
    if [ $rc = 137 ]; then killed=$((killed + 1)); else completed=$((completed + 1)); fi
    RC=$rc
}

$Q convert -O qcow2 src.raw base.qcow2
for i in $(seq 1 "$N"); do
    case $((i % 6)) in
    0|1)    # convert, plain: killed during the data copy (or inside create)
        cs=$(( i % 12 < 6 ? 65536 : 4096 ))
        in=src.raw
        [ $((i % 5)) = 0 ] && cs=512 && in=small.raw
        rm -f out.qcow2
        run_killed "convert$cs" "$P" convert -O qcow2 -o cluster_size=$cs $in out.qcow2
        rc=$RC
        check_img "$i" out.qcow2 || continue
        if [ "$rc" = 0 ] && ! $Q compare -q $in out.qcow2; then
            bad "$i" "convert exited 0 but the image differs" out.qcow2
        fi
        ;;
    2)      # convert -c
        alg=zlib
        [ $((i % 12)) = 2 ] && alg=zstd
        rm -f out.qcow2
        run_killed "convert-c-$alg" "$P" convert -c -O qcow2 -o compression_type=$alg,cluster_size=16k src.raw out.qcow2
        rc=$RC
        check_img "$i" out.qcow2 || continue
        if [ "$rc" = 0 ] && ! $Q compare -q src.raw out.qcow2; then
            bad "$i" "convert -c exited 0 but the image differs" out.qcow2
        fi
        ;;
    3|4)    # commit an overlay holding scattered data (half the runs -d)
        cp base.qcow2 b.qcow2
        rm -f top.qcow2
        $Q create -q -f qcow2 -b b.qcow2 -F qcow2 top.qcow2
        "$P" bench -q -w -c 300 -s 4096 -S $((65536 + 4096 * (i % 7))) -o $((i * 512)) \
            --pattern=$((i % 200 + 1)) top.qcow2 >/dev/null
        "$P" bench -q -w -c 40 -s 65536 -S 196608 -o 65536 --pattern=7 top.qcow2 >/dev/null
        $Q convert -O raw top.qcow2 want.raw
        d=""
        [ $((i % 2)) = 0 ] && d=-d
        run_killed "commit$d" "$P" commit $d top.qcow2
        rc=$RC
        check_img "$i" b.qcow2 || continue
        check_img "$i" top.qcow2 || continue
        if ! $Q compare -q want.raw top.qcow2; then
            bad "$i" "overlay reads differently after a commit killed (exit $rc)" b.qcow2 top.qcow2
        elif [ "$rc" = 0 ] && ! $Q compare -q want.raw b.qcow2; then
            bad "$i" "commit exited 0 but the base differs" b.qcow2 top.qcow2
        fi
        ;;
    5)      # snapshot -c / allocating writes / snapshot -d in a loop
        cp base.qcow2 s.qcow2
        : >snaps
        # shellcheck disable=SC2016
        run_killed snaploop bash -c '
            P=$1; n=0
            # a write-count kill applies to one round (each pvimg counts
            # its own writes); the loop stops once a command was killed
            k=${PVIMG_KILL_AFTER_WRITES:-}
            unset PVIMG_KILL_AFTER_WRITES
            kr=$((RANDOM % 16 + 1))
            while [ $n -lt 16 ]; do
                n=$((n + 1))
                [ -n "$k" ] && [ $n = $kr ] && export PVIMG_KILL_AFTER_WRITES=$((k % 40))
                "$P" snapshot -c "s$n" s.qcow2 && echo "+s$n" >>snaps
                [ $? = 137 ] && exit 137
                "$P" bench -q -w -c 64 -s 4096 -S 131072 -o $((n * 4096)) --pattern=$n --flush-interval=8 s.qcow2
                [ $? = 137 ] && exit 137
                if [ $n -gt 2 ] && [ $((n % 2)) = 1 ]; then
                    echo "?s$((n - 2))" >>snaps
                    "$P" snapshot -d "s$((n - 2))" s.qcow2 && echo "-s$((n - 2))" >>snaps
                    [ $? = 137 ] && exit 137
                fi
            done' loop "$P"
        check_img "$i" s.qcow2 || continue
        $Q snapshot -l s.qcow2 >list.out 2>&1
        for s in $(sed -n 's/^+//p' snaps); do
            if grep -qx -- "-$s" snaps || grep -qx -- "?$s" snaps; then continue; fi
            if ! grep -q " $s " list.out; then
                bad "$i" "snapshot $s completed but is not listed" s.qcow2
                break
            fi
        done
        for s in $(sed -n 's/^-//p' snaps); do
            if grep -q " $s " list.out; then
                bad "$i" "snapshot $s deleted but still listed" s.qcow2
                break
            fi
        done
        ;;
    esac
done
echo "pvimg crash: $N iterations ($killed killed, $completed ran to the end), $fails failures"
[ $fails -eq 0 ]
