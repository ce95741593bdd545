#!/bin/bash
# Host side of the NUMA e2e tests: one sandbox boot with two NUMA nodes
# (SANDBOX_NUMA=2) runs tests/e2e/numa/t_*.sh through the e2e harness.
# Separate from tests/e2e/run.sh because the topology is fixed per boot.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
res=$repo/build/sandbox/results/e2e-numa

tests=""
for t in "$here"/t_*.sh; do tests="$tests numa/$(basename "$t" .sh)"; done
job=$(mktemp)
trap 'rm -f "$job"' EXIT
printf 'exec sh /pvstack/tests/e2e/harness.sh %s\n' "$tests" > "$job"

SANDBOX_NUMA=2 SANDBOX_STALL=${SANDBOX_STALL:-400} "$repo/tools/sandbox" run --name e2e-numa --quiet \
    --timeout "${E2E_TIMEOUT:-900}" "$job"
rc=$?
# a host that stopped making progress: what Xen was doing is in serial.log
[ -f "$res/hang" ] && echo "check-e2e-numa: the host hung ($(cat "$res/hang")) after: $(tail -n 1 "$res/job.log"); Xen's debug reports: $res/serial.log" >&2
summary=$res/e2e/summary
if [ ! -f "$summary" ]; then
    echo "check-e2e-numa: FAILED: the sandbox produced no results (rc $rc); see $res/serial.log" >&2
    exit 1
fi
cat "$summary"
fails=$(awk '$1 == "FAIL" {print $2}' "$summary")
if [ "$rc" != 0 ] || [ -n "$fails" ]; then
    for t in $fails; do
        echo "check-e2e-numa: FAILED: $t -- log: $res/e2e/$(basename "$t").log" >&2
        tail -n 30 "$res/e2e/$(basename "$t").log" >&2
    done
    exit 1
fi
