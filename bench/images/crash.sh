#!/bin/bash
# The long crash runs of issue 3 (not part of `make check`, which runs short
# versions): the engine's writer (tests/img/crash.sh, imgdrv) and pvimg
# itself during convert / commit / snapshot (tests/img/crash_pvimg.sh), each
# SIGKILLed at random points ITERATIONS times (default 200); afterwards
# qemu-img check must never report corruption.
#
#   bench/images/crash.sh [ITERATIONS]      (after `make`)
set -u
N=${1:-200}
here=$(cd "$(dirname "$0")/../.." && pwd)
rc=0
"$here/tests/img/crash_pvimg.sh" "$here/build/bin/pvimg" "$N" || rc=1
"$here/tests/img/crash.sh" "$here/build/tools/imgdrv" "$N" || rc=1
exit $rc
