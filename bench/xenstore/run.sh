#!/bin/bash
# bench/xenstore/run.sh: build commit_perms on the host and run it in one
# sandbox boot with 0 and then 20 running tiny guests (docs/benchmarks.md).
#   bench/xenstore/run.sh      (after `make`: the guests are made by our xl)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -Wall -Wextra -static -o "$tmp/commit_perms" "$here/commit_perms.c"
cat > "$tmp/job.sh" <<'JOB'
W=/tmp/bench-xs; mkdir -p $W; cp /results/in/commit_perms $W/
printf 'name = "o"\nkernel = "%s"\nextra = "action=wait"\nmemory = 32\n' \
    "$PVSTACK/build/fixtures/tinypv/tinypv.elf" > $W/o.cfg
echo "== 0 guests running"; $W/commit_perms 55 11
i=0
while [ $i -lt 20 ]; do
    sed "s/\"o\"/\"o$i\"/" $W/o.cfg > $W/o$i.cfg
    $PV_BIN/xl create -q -e $W/o$i.cfg || { echo "guest $i failed"; exit 1; }
    i=$((i + 1))
done
sleep 3
echo "== 20 guests running"; $W/commit_perms 55 11
JOB
# what it measures is the C xenstored's commit (oxenstored, the sandbox's
# default, fires watches from a trie and has no such cost)
SANDBOX_XENSTORED=${SANDBOX_XENSTORED:-xenstored} \
"$repo/tools/sandbox" run --name bench-xenstore "$tmp/job.sh" "$tmp/commit_perms"
