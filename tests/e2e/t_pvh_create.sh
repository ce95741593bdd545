# type="pvh" with our xl on real Xen: the tiny kernel boots through its PVH
# entry point and prints its marker, both xls list it as pvh, the monitor
# carries out the shutdown actions, failures and destroys leave no trace.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

# pvh_cfg FILE NAME CMDLINE [MORE LINES...]
pvh_cfg() {
    _f=$1 _n=$2 _x=$3
    shift 3
    tiny_cfg "$_f" "$_n" "$_x" 'type = "pvh"' "$@"
}

warm_up
snapshot before

pvh_cfg h.cfg pvh1 "action=wait" "vcpus = 2"
run "$XL" create h.cfg || fail "create pvh1 failed"
id=$(domid_of pvh1)
[ -n "$id" ] || fail "pvh1 does not exist after create"
wait_console pvh1 "TINYPV: hello type=pvh domid=$id vcpus=2 mem=[0-9]*kB cmdline=action=wait" 20 ||
    fail "pvh1 did not boot as PVH"
run "$XL" list -l pvh1 || fail "our list -l pvh1"
grep -q '"type": "pvh"' last.out || fail "our list -l does not say pvh"
"$REF_XL" list -l pvh1 > ll.json || fail "Debian's xl cannot read our PVH config"
grep -q '"type": "pvh"' ll.json || fail "Debian's list -l does not say pvh"
grep -q '"type": "pvh"' /var/lib/xen/userdata-d.$id.*.libxl-json ||
    fail "the userdata config is not type pvh"
[ "$(xenstore-read /libxl/$id/type)" = pvh ] || fail "/libxl/$id/type is not pvh"
# an HVM container: Debian's xl sees the vCPUs, HAP paging pool is set
run "$REF_XL" vcpu-list pvh1 || fail "vcpu-list"
[ "$(grep -c '^pvh1 ' last.out)" = 2 ] || fail "pvh1 does not have 2 vCPUs"
# control through xenstore works the same for PVH
run "$XL" mem-set pvh1 24 || fail "mem-set"
wait_console pvh1 "memory target=24576kB" 10 || fail "pvh1 did not see mem-set"
run "$XL" shutdown -w pvh1 || fail "shutdown -w pvh1"
wait_console pvh1 "TINYPV: bye reason=poweroff" 5 || fail "pvh1 did not get the request"
wait_gone pvh1 10 || fail "pvh1 still exists after shutdown"

echo "== shutdown actions"
# poweroff from inside -> destroy (the default)
pvh_cfg off.cfg pvhoff "action=poweroff delay=1"
run "$XL" create off.cfg || fail "create pvhoff"
wait_gone pvhoff 30 || fail "on_poweroff=destroy did not destroy pvhoff"
sleep 0.3
grep -q "Action for shutdown reason code 0 (poweroff) is destroy" /var/log/xen/xl-pvhoff.log ||
    { cat /var/log/xen/xl-pvhoff.log; fail "monitor log lacks the poweroff action"; }
# xl reboot -> restart: the same name comes back under a new domid, as PVH
pvh_cfg rb.cfg pvhrb "action=wait" 'on_reboot = "restart"'
run "$XL" create rb.cfg || fail "create pvhrb"
id1=$(domid_of pvhrb)
wait_console pvhrb "TINYPV: hello type=pvh domid=$id1 " 20 || fail "pvhrb did not boot"
run "$XL" reboot pvhrb || fail "reboot pvhrb"
id2=$((id1 + 1))
wait_console pvhrb "TINYPV: hello type=pvh domid=$id2 " 20 || fail "pvhrb did not come back as PVH"
[ "$(domid_of pvhrb)" = "$id2" ] || fail "pvhrb has domid $(domid_of pvhrb), not $id2"
run "$XL" destroy pvhrb || fail "destroy pvhrb"
# crash -> preserve: kept, in crashed state
pvh_cfg cr.cfg pvhcr "action=crash delay=1" 'on_crash = "preserve"'
run "$XL" create cr.cfg || fail "create pvhcr"
n=0
while [ $n -lt 100 ] && ! state_of pvhcr | grep -q c; do sleep 0.2; n=$((n + 1)); done
state_of pvhcr | grep -q c || fail "pvhcr not preserved as crashed ($(state_of pvhcr))"
run "$XL" destroy pvhcr || fail "destroy pvhcr"
wait_gone pvhcr 10 || fail "pvhcr still exists"
wait_gone pvhrb 10 || fail "pvhrb still exists"
sleep 1
snapshot after
no_trace before after "PVH create+destroy"

echo "== failures leave nothing"
# expect_fail NAME MESSAGE-REGEX CREATE-ARGS...
expect_fail() {
    _name=$1 _msg=$2
    shift 2
    echo "\$ xl create $* (expecting: $_msg)"
    "$XL" create "$@" > out 2>&1 && { cat out; fail "$_name: create succeeded"; }
    cat out
    grep -Eq "$_msg" out || fail "$_name: message does not match '$_msg'"
    sleep 0.3
    snapshot after
    no_trace before after "$_name"
}
pvh_cfg bad.cfg pvhbad ""
expect_fail "not a kernel" "building PVH domain \"pvhbad\" failed while parsing" \
    bad.cfg 'kernel="/etc/passwd"'
expect_fail "pvshim" "pvshim= is not supported" bad.cfg "pvshim=1"
expect_fail "not enough memory" "not enough free memory for domain \"pvhbad\"" \
    bad.cfg 'memory=100000'
for step in build xenstore introduce userdata; do
    PVSTACK_FAIL_AT=$step expect_fail "PVH failure at $step" "failing at step \"$step\"" bad.cfg
done
echo ok
