# cpu_weight= and cap= reach the credit2 scheduler (the sandbox Xen's
# default), and our `xl sched-credit2` / `xl sched-credit` on a credit2 pool
# print and fail exactly as Debian's xl does.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

trap '"$REF_XL" destroy s2 >/dev/null 2>&1' EXIT

# same CMD...: our and Debian's xl give the same stdout and exit status
same() {
    "$XL" "$@" > ours.out 2> ours.err; _a=$?
    "$REF_XL" "$@" > ref.out 2> ref.err; _b=$?
    echo "\$ xl $* -> $_a"; cat ours.out ours.err
    diff -u ref.out ours.out || fail "xl $*: output differs from Debian's"
    [ "$_a" = "$_b" ] || fail "xl $*: exit $_a, Debian's xl $_b"
}

tiny_cfg s2.cfg s2 "action=wait" 'vcpus = 2' 'cpu_weight = 512' 'cap = 50' 'cpus = "1"'
run "$XL" create s2.cfg || fail "create failed"
"$REF_XL" sched-credit2 -d s2 | grep -q "^s2 .* 512   50$" ||
    fail "weight/cap not applied: $("$REF_XL" sched-credit2 -d s2)"
_id=$(domid_of s2)
cat /var/lib/xen/userdata-d.$_id.*.libxl-json | tr -d ' \n' |
    grep -q '"sched_params":{"weight":512,"cap":50}' ||
    fail "userdata JSON lacks sched_params as libxl writes them"
same sched-credit2
same sched-credit2 -d s2
same sched-credit2 -s
same sched-credit2 -p Pool-0
same sched-credit2 -p 0
same sched-credit2 -s -p Pool-0
same sched-credit2 -p nopool
same sched-credit2 -d nodom
same sched-credit2 -p Pool-0 -d s2
same sched-credit2 -w 3
same sched-credit2 -d s2 -w 70000
grep -q "Cpu weight out of range" ours.err || fail "no weight range message"
same sched-credit2 -d s2 -c 500
grep -q "valid range is from 0 to 200 for specified number of vcpus" ours.err ||
    fail "no cap range message"
same sched-credit2 -d s2 -c -1
same sched-credit2 -s -r 100000000
# setting with ours, reading with Debian's
run "$XL" sched-credit2 -d s2 -w 300 -c 20 || fail "set weight/cap failed"
"$REF_XL" sched-credit2 -d s2 | grep -q "^s2 .* 300   20$" ||
    fail "weight/cap not set: $("$REF_XL" sched-credit2 -d s2)"
run "$XL" sched-credit2 -s -r 2000 || fail "set ratelimit failed"
"$REF_XL" sched-credit2 -s | grep -qx "Cpupool Pool-0: ratelimit=2000us" ||
    fail "ratelimit not set"
run "$XL" sched-credit2 -s -r 1000
# sched-credit where no pool runs credit
same sched-credit
same sched-credit -p Pool-0
same sched-credit -d s2
grep -q "libxl_domain_sched_params_get returned credit2 not credit." ours.err ||
    fail "sched-credit -d on credit2: message"
same sched-credit -d s2 -w 300
same sched-credit -s
same sched-credit -s -t 10
same sched-credit -s -d s2
same sched-credit -t 5
same sched-credit -w 5

# a restart re-runs the create, as xl's does: the config's weight, cap and
# hard affinity come back although they were changed at run time
run "$XL" vcpu-pin s2 all all || fail "vcpu-pin failed"
"$REF_XL" vcpu-list s2 | grep -q ' 1 / all$' && fail "vcpu-pin did not change the affinity"
id1=$(domid_of s2)
run "$XL" reboot s2 || fail "reboot failed"
id2=$(wait_new_domid s2 "$id1" 20) || fail "s2 did not come back with a new domid"
"$REF_XL" sched-credit2 -d s2 | grep -q "^s2 .* 512   50$" ||
    fail "restart lost weight/cap: $("$REF_XL" sched-credit2 -d s2)"
"$REF_XL" vcpu-list s2 | tee vl.out
[ "$(grep -c ' 1 / all$' vl.out)" = 2 ] || fail "restart lost cpus=\"1\""

# a weight libxl refuses fails the create and leaves nothing
warm_up
snapshot before
tiny_cfg bw.cfg bw "action=wait" 'cpu_weight = 70000'
"$XL" create bw.cfg 2> bw.err && fail "cpu_weight=70000 was accepted"
cat bw.err
grep -q "Cpu weight out of range" bw.err || fail "bw: not libxl's message"
tiny_cfg bc.cfg bc "action=wait" 'cap = 500'
"$XL" create bc.cfg 2> bc.err && fail "cap=500 with one vcpu was accepted"
grep -q "valid range is from 0 to 100" bc.err || fail "bc: not libxl's message"
snapshot after
no_trace before after "refused scheduler parameters"
"$XL" destroy s2
echo ok
