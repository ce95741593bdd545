#!/bin/bash
# Host side of the e2e suite: one sandbox boot runs every tests/e2e/t_*.sh
# (or the tests named as arguments) through harness.sh, then reports each
# test by name.  Exit status is non-zero when any test failed, the host
# crashed, or the boot timed out; the message points at the logs.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# E2E_NAME: the results folder (another boot's, e.g. check-e2e-cxenstored)
name=${E2E_NAME:-e2e}
res=$repo/build/sandbox/results/$name

job=$(mktemp)
trap 'rm -f "$job"' EXIT
printf 'exec sh /pvstack/tests/e2e/harness.sh %s\n' "$*" > "$job"

SANDBOX_STALL=${SANDBOX_STALL:-400} "$repo/tools/sandbox" run --name "$name" --timeout "${E2E_TIMEOUT:-1800}" "$job"
rc=$?
# a host that stopped making progress: what Xen was doing is in serial.log
[ -f "$res/hang" ] && echo "check-$name: the host hung ($(cat "$res/hang")) after: $(tail -n 1 "$res/job.log"); Xen's debug reports: $res/serial.log" >&2
summary=$res/e2e/summary
if [ ! -f "$summary" ]; then
    echo "check-$name: FAILED: the sandbox produced no results (rc $rc); see $res/serial.log" >&2
    exit 1
fi
fails=$(awk '$1 == "FAIL" {print $2}' "$summary")
npass=$(grep -c '^PASS' "$summary")
nfail=$(grep -c '^FAIL' "$summary")
if [ "$rc" != 0 ] || [ -n "$fails" ]; then
    for t in $fails; do
        echo "check-$name: FAILED: $t -- log: $res/e2e/$t.log" >&2
    done
    [ -z "$fails" ] && echo "check-$name: FAILED: sandbox rc $rc; see $res/job.log and $res/serial.log" >&2
    echo "e2e: $npass passed, $nfail failed"
    exit 1
fi
echo "e2e: $npass passed, $nfail failed"
