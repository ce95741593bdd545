#!/bin/bash
# make demo: build the sandbox Xen host (cached), boot it, and run
# tests/sandbox/demo-job.sh in its dom0, showing our binaries at work.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
b=$'\033[1m' n=$'\033[0m'
echo "${b}== pvstack demo: a real Xen 4.17 host under QEMU (software emulation)${n}"
echo "${b}== Preparing the host images from Debian's packages${n}"
"$repo/tools/sandbox" build || exit 1
echo "${b}== Booting Xen 4.17 + Debian dom0 and running the demo in dom0${n}"
"$repo/tools/sandbox" run --name demo --timeout "${DEMO_TIMEOUT:-600}" "$here/demo-job.sh"
rc=$?
echo
if [ $rc = 0 ]; then
    echo "${b}== demo succeeded${n} (logs: build/sandbox/results/demo/)"
else
    echo "${b}== demo FAILED (rc $rc)${n}: see build/sandbox/results/demo/job.log and serial.log"
fi
exit $rc
