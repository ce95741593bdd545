#!/bin/sh
# Runs inside the sandbox dom0: every e2e test (tests/e2e/t_*.sh, or those
# named as arguments) in turn, one log each in $RESULTS/e2e/NAME.log, and a
# summary line per test in $RESULTS/e2e/summary ("PASS|FAIL NAME SECONDS").
# A test that leaves domains behind fails: leaks are bugs.  Leftovers are
# then destroyed so the next test starts from a clean host.
E2E=${PVSTACK:-/pvstack}/tests/e2e
OUT=$RESULTS/e2e
TEST_TIMEOUT=${E2E_TEST_TIMEOUT:-180}
mkdir -p "$OUT"
: > "$OUT/summary"

domains_left() {
    "$DEBIAN_XL" list 2>/dev/null | awk 'NR > 1 && $2 != 0 {print $1 "(" $2 ")"}'
}

if [ $# -gt 0 ]; then
    tests=""
    for t in "$@"; do tests="$tests $E2E/${t%.sh}.sh"; done
else
    tests=$(ls "$E2E"/t_*.sh)
fi
pass=0 fail=0
for t in $tests; do
    name=$(basename "$t" .sh)
    log=$OUT/$name.log
    work=/tmp/e2e/$name
    rm -rf "$work"; mkdir -p "$work"
    start=$(cut -d. -f1 /proc/uptime)
    if [ ! -f "$t" ]; then
        echo "no such test: $t" > "$log"; rc=127
    else
        (cd "$work" && E2E_WORK=$work timeout -s KILL "$TEST_TIMEOUT" sh "$t") >"$log" 2>&1 </dev/null
        rc=$?
        [ $rc = 137 ] && echo "e2e: TIMEOUT after ${TEST_TIMEOUT}s" >> "$log"
    fi
    left=$(domains_left)
    if [ -n "$left" ]; then
        echo "e2e: test left domains behind: $left" >> "$log"
        for d in $(domains_left | sed 's/.*(\(.*\))/\1/'); do "$DEBIAN_XL" destroy "$d" >/dev/null 2>&1; done
        [ $rc = 0 ] && rc=1
    fi
    secs=$(( $(cut -d. -f1 /proc/uptime) - start ))
    if [ $rc = 0 ]; then
        pass=$((pass + 1)); echo "PASS $name ${secs}" >> "$OUT/summary"
        echo "PASS  $name (${secs}s)"
    else
        fail=$((fail + 1)); echo "FAIL $name ${secs}" >> "$OUT/summary"
        echo "FAIL  $name (${secs}s, rc $rc) -- last lines of its log:"
        tail -n 15 "$log" | sed 's/^/      | /'
    fi
done
echo "e2e: $pass passed, $fail failed"
[ $fail = 0 ]
