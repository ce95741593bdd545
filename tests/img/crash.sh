#!/bin/bash
# Crash test: a writer doing allocating writes + flushes through the engine
# (every other run also creating and deleting internal snapshots) is killed with SIGKILL at a random moment; afterwards qemu-img check must
# find no corruption (leaks are allowed: exit 0 or 3) and every write that
# completed a flush must read back.  Usage: crash.sh IMGDRV ITERATIONS
set -u
D=$(realpath "$1")
N=${2:-12}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fails=0
for i in $(seq 1 "$N"); do
    case $((i % 4)) in
        0) opts="cluster_size=64k" ;;
        1) opts="cluster_size=4k" ;;
        2) opts="cluster_size=512 refcount_bits=8" ;;
        3) opts="lazy_refcounts=on cluster_size=16k" ;;
    esac
    rm -f img.qcow2 journal
    # shellcheck disable=SC2086
    $D create img.qcow2 64M $opts
    : > journal
    snaps=""
    [ $((i % 2)) -eq 0 ] && snaps=snapshots
    $D crashwriter img.qcow2 journal "$i" $snaps 2>/dev/null &
    pid=$!
    sleep "0.$((RANDOM % 6 + 1))$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    case "$opts" in
        *lazy*) $D zero img.qcow2 0 0 || { echo "crash $i: repair on open failed"; fails=$((fails+1)); continue; } ;;
    esac
    qemu-img check -q img.qcow2 >check.out 2>&1
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
        echo "crash $i ($opts $snaps): qemu-img check exit $rc"; cat check.out
        fails=$((fails + 1))
        cp img.qcow2 "/tmp/crash-fail-$i.qcow2"
        continue
    fi
    if ! $D verify img.qcow2 journal; then
        echo "crash $i ($opts): flushed data lost ($(wc -l < journal) writes journaled)"
        fails=$((fails + 1))
    fi
done
echo "crash: $N iterations, $fails failures"
[ $fails -eq 0 ]
