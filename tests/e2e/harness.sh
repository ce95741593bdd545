#!/bin/sh
# Runs inside the sandbox dom0: every e2e test (tests/e2e/t_*.sh, or those
# named as arguments) in turn, one log each in $RESULTS/e2e/NAME.log, and a
# summary line per test in $RESULTS/e2e/summary ("PASS|FAIL NAME SECONDS").
# A test that leaves anything behind fails: leaks are bugs (DEVELOPERS.md:
# no domain, xenstore node, loop device, vif/tap or userdata file may outlive
# what made it).  The harness snapshots the host before each test, compares
# after it, reports what is new, and removes it so the next test starts
# clean.  Empty /libxl and /vm parents are not leaks: libxl keeps them.
E2E=${PVSTACK:-/pvstack}/tests/e2e
OUT=$RESULTS/e2e
TEST_TIMEOUT=${E2E_TEST_TIMEOUT:-300}
mkdir -p "$OUT"
: > "$OUT/summary"

domains_left() {
    "$DEBIAN_XL" list 2>/dev/null | awk 'NR > 1 && $2 != 0 {printf "%s%s(%s)", sep, $1, $2; sep = " "}'
}

# One line per resource: "xs PATH", "loop DEV", "net IFACE" (vif*, tap*),
# "file PATH" (libxl userdata).
host_state() {
    xenstore-ls -f / 2>/dev/null | sed 's/ = .*//' |
        grep -vx '/libxl\|/vm\|/local/domain/0/backend' | sed 's/^/xs /'
    losetup -a 2>/dev/null | cut -d: -f1 | sed 's/^/loop /'
    # Backend interfaces only: bridges and the like are test fixtures.
    ls /sys/class/net | grep '^vif\|^tap' | sed 's/^/net /'
    ls -d /var/lib/xen/userdata-* 2>/dev/null | sed 's/^/file /'
}

# Lines of $2 not in $1.
new_lines() { awk 'NR == FNR {seen[$0]; next} !($0 in seen)' "$1" "$2"; }

clean_leftovers() { # file of "kind what" lines
    for d in $("$DEBIAN_XL" list 2>/dev/null | awk 'NR > 1 && $2 != 0 {print $2}'); do
        "$DEBIAN_XL" destroy "$d" >/dev/null 2>&1
    done
    while read -r kind what; do
        case $kind in
        xs) xenstore-rm "$what" 2>/dev/null;;
        loop) losetup -d "$what" 2>/dev/null;;
        net) ip link del "$what" 2>/dev/null;;
        file) rm -f "$what";;
        esac
    done < "$1"
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
    host_state > /tmp/e2e/.before
    if [ ! -f "$t" ]; then
        echo "no such test: $t" > "$log"; rc=127
    else
        (cd "$work" && E2E_WORK=$work timeout -s KILL "$TEST_TIMEOUT" sh "$t") >"$log" 2>&1 </dev/null
        rc=$?
        [ $rc = 137 ] && echo "e2e: TIMEOUT after ${TEST_TIMEOUT}s" >> "$log"
    fi
    left=$(domains_left)
    host_state > /tmp/e2e/.after
    # Domains first: their nodes and devices vanish with them.  Of paths,
    # report only the topmost new one (its children are implied).
    new_lines /tmp/e2e/.before /tmp/e2e/.after |
        awk '$1 != "xs" {print; next} {for (p in top) if (index($2, p "/") == 1) next; top[$2]; print}' \
        > /tmp/e2e/.leaked
    if [ -n "$left" ] || [ -s /tmp/e2e/.leaked ]; then
        {
            echo "e2e: test left things behind (leaks are bugs):"
            [ -n "$left" ] && echo "  domains: $left"
            sed 's/^/  /' /tmp/e2e/.leaked
        } >> "$log"
        clean_leftovers /tmp/e2e/.leaked
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
