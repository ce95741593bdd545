#!/bin/bash
# Image benchmarks: pvimg against qemu-img 7.2, both measured in the same run
# on the same input files (issue 3).  Not part of `make check`.
#
#   bench/images/run.sh [PVIMG] [WORKDIR]
#
# Prints a Markdown table (ours vs qemu-img, ratio) on stdout.  Each figure
# is the best of REPEAT runs (default 3) to damp noise from other jobs on the
# machine; run it under `nice` on a shared host.  Needs ~4 GiB in WORKDIR.
# BENCH_ONLY=convert|compress|bench|snapshot runs one group of rows.
set -eu
PVIMG=$(readlink -f "${1:-build/bin/pvimg}")
WORK=${2:-$(mktemp -d /var/tmp/pvimg-bench.XXXXXX)}
REPEAT=${REPEAT:-3}
QEMU_IMG=${QEMU_IMG:-qemu-img}
GiB=$((1024 * 1024 * 1024))
mkdir -p "$WORK"
cd "$WORK"
trap 'cd /; rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
# best TIME of REPEAT runs of "PREP; CMD" (PREP untimed): prints seconds
best() {
    local prep=$1 b="" t0 t1 d
    shift
    for _ in $(seq "$REPEAT"); do
        eval "$prep"
        sync
        t0=$(now)
        "$@" >/dev/null
        t1=$(now)
        d=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$d < $b" | bc -l)" = 1 ]; then b=$d; fi
    done
    echo "$b"
}
# best "Run completed in X seconds" of REPEAT runs of "PREP; BENCH..." (the
# figure both tools print: request time only, without open, close and the
# final flush)
best_bench() {
    local prep=$1 b="" d
    shift
    for _ in $(seq "$REPEAT"); do
        eval "$prep"
        sync
        d=$("$@" | sed -n 's/^Run completed in \([0-9.]*\) seconds.*/\1/p')
        if [ -z "$b" ] || [ "$(echo "$d < $b" | bc -l)" = 1 ]; then b=$d; fi
    done
    echo "$b"
}
want() { [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = "$1" ]; }
rate() { echo "scale=1; $1 / 1048576 / $2" | bc -l; }          # MiB/s
iops() { echo "scale=0; $1 / $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }

# 1 GiB of disk-like data: half incompressible, a quarter text-like, a
# quarter zeros, in 1 MiB pieces.
python3 - <<'PY'
import os, random
r = random.Random(1)
text = (b"the quick brown fox jumps over the lazy dog 0123456789 " * 20000)[:1 << 20]
with open("data.raw", "wb") as f:
    for i in range(1024):
        k = i % 4
        if k in (0, 1):
            f.write(os.urandom(1 << 20))
        elif k == 2:
            f.write(text)
        else:
            f.seek(1 << 20, 1)
    f.truncate(1 << 30)
PY
head -c $((256 * 1024 * 1024)) data.raw >data256.raw

echo "| benchmark | pvimg | qemu-img | pvimg / qemu-img |"
echo "|---|---|---|---|"

# convert raw -> qcow2, 1 GiB
want convert && for tool in pv q; do
    [ $tool = pv ] && bin=$PVIMG || bin=$QEMU_IMG
    t=$(best "rm -f out.qcow2" "$bin" convert -O qcow2 data.raw out.qcow2)
    eval "conv_$tool=$t"
done
want convert && row "convert raw->qcow2 1 GiB (MiB/s)" "$(rate $GiB "$conv_pv")" "$(rate $GiB "$conv_q")" "$(ratio "$conv_q" "$conv_pv")"
# 512 B clusters: every allocation is a refcount lookup, which once made
# run allocation quadratic (7 s for 24 MiB)
head -c $((64 * 1048576)) data.raw >data64.raw
want convert && for tool in pv q; do
    [ $tool = pv ] && bin=$PVIMG || bin=$QEMU_IMG
    t=$(best "rm -f out.qcow2" "$bin" convert -O qcow2 -o cluster_size=512 data64.raw out.qcow2)
    eval "c512_$tool=$t"
done
want convert && row "convert raw->qcow2 64 MiB, 512 B clusters (MiB/s)" "$(rate $((64 * 1048576)) "$c512_pv")" \
    "$(rate $((64 * 1048576)) "$c512_q")" "$(ratio "$c512_q" "$c512_pv")"

# compressed convert, 256 MiB inputs: the mixed data above and 256 MiB of
# this machine's binaries and libraries (real code: compresses to ~1/3, where
# deflate levels differ most in size).  The size row is the output file.
# "pvimg, zlib deflate" is PVIMG_DEFLATE=zlib: QEMU's own compressor.
find /usr/lib /usr/bin -type f -size +64k 2>/dev/null | sort | xargs cat 2>/dev/null |
    head -c $((256 * 1048576)) >bin256.raw || true
want compress && for input in data256.raw bin256.raw; do
    [ $input = data256.raw ] && what="mixed" || what="binaries"
    isz=$(stat -c %s $input)
    for alg in zlib zstd; do
        for tool in pv pvz q; do
            [ $tool = pvz ] && [ $alg = zstd ] && continue
            case $tool in
                pv) bin=$PVIMG ;;
                pvz) bin="env PVIMG_DEFLATE=zlib $PVIMG" ;;
                q) bin=$QEMU_IMG ;;
            esac
            # shellcheck disable=SC2086
            t=$(best "rm -f out.qcow2" $bin convert -c -O qcow2 -o compression_type=$alg $input out.qcow2)
            eval "c_$tool=$t; sz_$tool=$(stat -c %s out.qcow2)"
        done
        row "convert -c $alg, 256 MiB $what (MiB/s)" "$(rate "$isz" "$c_pv")" \
            "$(rate "$isz" "$c_q")" "$(ratio "$c_q" "$c_pv")"
        row "convert -c $alg, 256 MiB $what: image size (MiB)" "$(rate "$sz_pv" 1)" \
            "$(rate "$sz_q" 1)" "$(ratio "$sz_pv" "$sz_q") (size ratio)"
        if [ $alg = zlib ]; then
            row "convert -c zlib, 256 MiB $what, pvimg with zlib deflate (MiB/s; size MiB)" \
                "$(rate "$isz" "$c_pvz"); $(rate "$sz_pvz" 1)" "$(rate "$isz" "$c_q"); $(rate "$sz_q" 1)" \
                "$(ratio "$c_q" "$c_pvz")"
        fi
    done
done

# bench: 4k QD64 writes allocating (every request a new 64k cluster) and
# overwriting (the same requests again); 64k allocating and overwriting.
bench_pair() {  # NAME COUNT SIZE STEP
    local name=$1 count=$2 size=$3 step=$4 tool bin ta to
    for tool in pv q; do
        [ $tool = pv ] && bin=$PVIMG || bin=$QEMU_IMG
        ta=$(best_bench "rm -f b.qcow2; $QEMU_IMG create -q -f qcow2 b.qcow2 64G" \
             "$bin" bench -w -c "$count" -d 64 -s "$size" -S "$step" b.qcow2)
        to=$(best_bench ":" "$bin" bench -w -c "$count" -d 64 -s "$size" -S "$step" b.qcow2)
        eval "ba_$tool=$ta; bo_$tool=$to"
    done
    if [ "$size" = 4096 ]; then
        row "bench $name allocating (IOPS)" "$(iops "$count" "$ba_pv")" "$(iops "$count" "$ba_q")" "$(ratio "$ba_q" "$ba_pv")"
        row "bench $name overwriting (IOPS)" "$(iops "$count" "$bo_pv")" "$(iops "$count" "$bo_q")" "$(ratio "$bo_q" "$bo_pv")"
    else
        row "bench $name allocating (MiB/s)" "$(rate $((count * size)) "$ba_pv")" "$(rate $((count * size)) "$ba_q")" "$(ratio "$ba_q" "$ba_pv")"
        row "bench $name overwriting (MiB/s)" "$(rate $((count * size)) "$bo_pv")" "$(rate $((count * size)) "$bo_q")" "$(ratio "$bo_q" "$bo_pv")"
    fi
}
if want bench; then
    bench_pair "4k QD64 writes" 75000 4096 65536
    bench_pair "64k QD64 writes" 16384 65536 65536
fi

# snapshot -c and overlay creation on fully mapped 1 GiB and 100 GiB images
# (preallocation=metadata: every L2 table and data cluster is referenced, so
# a snapshot that touches each refcount shows it)
want snapshot && for size in 1G 100G; do
    $QEMU_IMG create -q -f qcow2 -o preallocation=metadata "base-$size.qcow2" "$size"
    for tool in pv q; do
        [ $tool = pv ] && bin=$PVIMG || bin=$QEMU_IMG
        t=$(best "cp --sparse=always base-$size.qcow2 s.qcow2" "$bin" snapshot -c snap s.qcow2)
        eval "s_$tool=$t"
        t=$(best "rm -f ov.qcow2" "$bin" create -q -f qcow2 -b "base-$size.qcow2" -F qcow2 ov.qcow2)
        eval "o_$tool=$t"
    done
    if [ "$size" = 100G ]; then
        for tool in pv q; do
            [ $tool = pv ] && bin=$PVIMG || bin=$QEMU_IMG
            t=$(best ":" "$bin" check -q "base-$size.qcow2")
            eval "k_$tool=$t"
        done
        row "check, $size prealloc=metadata (ms)" "$(echo "$k_pv * 1000 / 1" | bc)" "$(echo "$k_q * 1000 / 1" | bc)" "$(ratio "$k_q" "$k_pv")"
    fi
    row "snapshot -c, $size prealloc=metadata (ms)" "$(echo "$s_pv * 1000 / 1" | bc)" "$(echo "$s_q * 1000 / 1" | bc)" "$(ratio "$s_q" "$s_pv")"
    row "create overlay on $size (ms)" "$(echo "$o_pv * 1000 / 1" | bc)" "$(echo "$o_q * 1000 / 1" | bc)" "$(ratio "$o_q" "$o_pv")"
done
