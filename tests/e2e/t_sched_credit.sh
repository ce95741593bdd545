# A credit cpupool made with Debian's xl (one pCPU taken from Pool-0), a
# domain we created moved into it, then our `xl sched-credit` reads and
# sets weight, cap and the pool's parameters as Debian's xl sees them.
# The pool is removed and the pCPU given back whatever happens.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

cleanup() {
    "$REF_XL" destroy s1 >/dev/null 2>&1
    "$REF_XL" destroy s1b >/dev/null 2>&1
    credit_pool_destroy cp >/dev/null 2>&1
    "$REF_XL" cpupool-cpu-add Pool-0 1 >/dev/null 2>&1
}
trap cleanup EXIT

same() {
    "$XL" "$@" > ours.out 2> ours.err; _a=$?
    "$REF_XL" "$@" > ref.out 2> ref.err; _b=$?
    echo "\$ xl $* -> $_a"; cat ours.out ours.err
    diff -u ref.out ours.out || fail "xl $*: output differs from Debian's"
    [ "$_a" = "$_b" ] || fail "xl $*: exit $_a, Debian's xl $_b"
}

[ "$("$REF_XL" info | awk '/^nr_cpus/ {print $3}')" -ge 2 ] ||
    fail "the sandbox needs 2 pCPUs for a second cpupool"
run "$REF_XL" cpupool-cpu-remove Pool-0 1 || fail "cpupool-cpu-remove"
printf 'name = "cp"\nsched = "credit"\ncpus = ["1"]\n' > cp.cfg
run "$REF_XL" cpupool-create cp.cfg || fail "cpupool-create"

tiny_cfg s1.cfg s1 "action=wait" 'vcpus = 2'
run "$XL" create s1.cfg || fail "create failed"
run "$REF_XL" cpupool-migrate s1 cp || fail "cpupool-migrate"
tiny_cfg s1b.cfg s1b "action=wait"
run "$XL" create s1b.cfg || fail "create s1b failed"

same sched-credit
grep -q "^Cpupool cp: tslice=" ours.out || fail "the credit pool is not listed"
same sched-credit -d s1
same sched-credit -p cp
same sched-credit -p Pool-0
same sched-credit -s
same sched-credit -s -p cp
same sched-credit -d s1b
run "$XL" sched-credit -d s1 -w 1000 -c 30 || fail "sched-credit set failed"
"$REF_XL" sched-credit -d s1 | grep -q "^s1 .* 1000   30$" ||
    fail "weight/cap not set: $("$REF_XL" sched-credit -d s1)"
same sched-credit -d s1
same sched-credit -d s1 -w 0
same sched-credit -d s1 -c 300
same sched-credit -d s1 -w 70000
run "$XL" sched-credit -s -p cp -t 20 -r 500 || fail "set tslice/ratelimit"
"$REF_XL" sched-credit -s -p cp |
    grep -qx "Cpupool cp: tslice=20ms ratelimit=500us migration-delay=0us" ||
    fail "pool parameters not set: $("$REF_XL" sched-credit -s -p cp)"
run "$XL" sched-credit -s -p cp -m 100 || fail "set migration delay"
"$REF_XL" sched-credit -s -p cp | grep -q "migration-delay=100us" ||
    fail "migration delay not set"
same sched-credit -s -p cp -t 0
same sched-credit -s -p cp -r 30000
same sched-credit -s -p cp -m 200000
same sched-credit -s -p nopool
# credit2 commands on the credit pool's domain
same sched-credit2
same sched-credit2 -d s1
same sched-credit2 -d s1 -w 5

s1id=$(domid_of s1)
run "$XL" destroy s1
run "$XL" destroy s1b
wait_gone s1 10
wait_gone "$s1id" 10 || fail "Xen still lists s1 (domain $s1id)"
run credit_pool_destroy cp || fail "cpupool-destroy"
run "$REF_XL" cpupool-cpu-add Pool-0 1 || fail "cpupool-cpu-add"
"$REF_XL" cpupool-list -c | grep -q "^Pool-0 *0,1$" || fail "Pool-0 not restored"
echo ok
