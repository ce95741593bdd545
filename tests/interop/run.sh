#!/bin/bash
# Interop tests: pvimg against qemu-img 7.2, both directions (issue 3).
# Usage: PVIMG=build/bin/pvimg tests/interop/run.sh [test-name...]
# Each test_* function below is one feature; a failure prints what differed
# and the script exits non-zero after running the rest.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PVIMG=$(readlink -f "${PVIMG:-build/bin/pvimg}")
QEMU_IMG=${QEMU_IMG:-qemu-img}
tmp=$(mktemp -d /tmp/pvimg-interop.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC
fails=0
passes=0

. "$here/lib.sh"
for t in "$here"/t_*.sh; do
    . "$t"
done

tests=${*:-$(declare -F | awk '{print $3}' | grep '^test_')}
for t in $tests; do
    mkdir -p "$tmp/$t" && cd "$tmp/$t" || exit 1
    cur_test=$t
    "$t"
    cd "$tmp" || exit 1
    rm -rf "${tmp:?}/$t"
done
echo "interop: $passes checks passed, $fails failed"
[ "$fails" = 0 ]
