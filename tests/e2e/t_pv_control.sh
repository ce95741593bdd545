# shutdown/reboot (-w), pause/unpause, rename, mem-set/mem-max, vcpu-set on
# a running guest, each seen from inside it (the tiny kernel reports what
# it is told on its console).
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

tiny_cfg c.cfg c1 "action=wait ticks=1" "maxmem = 64" "vcpus = 1" "maxvcpus = 2"
run "$XL" create c.cfg || fail "create failed"
wait_console c1 "waiting for control/shutdown" 20 || fail "c1 did not boot"

run "$XL" mem-set c1 24m || fail "mem-set failed"
wait_console c1 "memory target=24576kB" 10 || fail "guest did not see mem-set"
[ "$(xenstore-read /local/domain/$(domid_of c1)/memory/target)" = 24576 ] || fail "memory/target"
"$XL" mem-set c1 1g 2> err && fail "mem-set above maxmem succeeded"
run "$XL" mem-max c1 48 || fail "mem-max failed"
[ "$(xenstore-read /local/domain/$(domid_of c1)/memory/static-max)" = 49152 ] || fail "static-max"
"$XL" mem-set c1 junk 2> err && fail "mem-set junk succeeded"
grep -q "invalid memory size: junk" err || fail "mem-set junk message"

run "$XL" vcpu-set c1 2 || fail "vcpu-set failed"
wait_console c1 "vcpus online=2" 10 || fail "guest did not see vcpu-set 2"
[ "$(xenstore-read /local/domain/$(domid_of c1)/cpu/1/availability)" = online ] || fail "cpu/1"

# pause stops the guest's clock: no ticks while paused
run "$XL" pause c1 || fail "pause failed"
state_of c1 | grep -q p || fail "not paused"
sleep 0.5
n1=$(grep -c "TINYPV: tick" /var/log/xen/console/guest-c1.log)
sleep 3
n2=$(grep -c "TINYPV: tick" /var/log/xen/console/guest-c1.log)
[ "$n1" = "$n2" ] || fail "guest ticked while paused ($n1 -> $n2)"
run "$XL" unpause c1 || fail "unpause failed"
sleep 3
n3=$(grep -c "TINYPV: tick" /var/log/xen/console/guest-c1.log)
[ "$n3" -gt "$n2" ] || fail "guest did not tick after unpause"

run "$XL" rename c1 c2 || fail "rename failed"
"$REF_XL" list c2 >/dev/null || fail "renamed domain not found as c2"
vm=$(xenstore-read /local/domain/$(domid_of c2)/vm)
[ "$(xenstore-read $vm/name)" = c2 ] || fail "$vm/name not renamed"
"$XL" list -l c2 | grep -q '"name": "c2"' || fail "list -l shows the old name after rename"
tiny_cfg d.cfg d1 "action=wait"
run "$XL" create d.cfg || fail "create d1"
"$XL" rename d1 c2 2> err && fail "rename to an existing name succeeded"

# reboot -w: the guest gets the request and reboots (restart: new domid)
id1=$(domid_of c2)
run "$XL" reboot -w c2 || fail "reboot -w failed"
grep -q "Rebooting domain $id1" last.out || fail "reboot message"
# (xenconsoled keeps logging under the name it first saw)
wait_console c1 "control/shutdown=reboot" 10 || fail "guest did not see the reboot request"
id2=$(wait_new_domid c2 "$id1" 10) || fail "c2 did not come back with a new domid"

# shutdown -w returns once the domain is gone (on_poweroff=destroy)
run "$XL" shutdown -w d1 || fail "shutdown -w failed"
wait_gone d1 10 || fail "d1 still exists after shutdown -w (on_poweroff=destroy)"

"$XL" shutdown 2> err && fail "shutdown without a domain succeeded"
grep -q "You must specify -a or a domain id." err || fail "shutdown message"

for d in c1 c2; do "$XL" destroy $d 2>/dev/null; done
wait_gone c1 10; wait_gone c2 10
echo ok
