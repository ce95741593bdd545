# The monitor left behind by `xl create` carries out on_poweroff, on_reboot,
# on_crash and on_watchdog when the guest shuts itself down, and logs to
# /var/log/xen/xl-NAME.log.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

# poweroff -> destroy (the default): the domain goes away
tiny_cfg off.cfg off1 "action=poweroff delay=1"
run "$XL" create off.cfg || fail "create failed"
wait_gone off1 30 || fail "on_poweroff=destroy did not destroy off1"
sleep 0.5
grep -q "Action for shutdown reason code 0 (poweroff) is destroy" /var/log/xen/xl-off1.log ||
    { cat /var/log/xen/xl-off1.log; fail "monitor log lacks the poweroff action"; }

# reboot -> restart: same name, new domid, the guest boots again
tiny_cfg rb.cfg rb1 "action=reboot delay=4" 'on_reboot = "restart"'
run "$XL" create rb.cfg || fail "create failed"
id1=$(domid_of rb1)
[ -n "$id1" ] || fail "rb1 not found right after create"
id2=$(wait_new_domid rb1 "$id1" 30) || fail "rb1 was not restarted with a new domid (still $id1)"
note "rb1: domid $id1 -> $id2"
# it keeps rebooting; destroy it (retry: it may be between incarnations)
n=0
until "$XL" destroy rb1 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 25 ] || fail "destroy rb1 failed"; sleep 0.2
done
wait_gone rb1 10 || fail "rb1 still there"

# crash -> preserve: the domain stays, shut down with reason crash
tiny_cfg cr.cfg cr1 "action=crash delay=1" 'on_crash = "preserve"'
run "$XL" create cr.cfg || fail "create failed"
n=0
while [ $n -lt 100 ]; do
    state_of cr1 | grep -q c && break
    sleep 0.2; n=$((n + 1))
done
state_of cr1 | grep -q c || fail "cr1 is not preserved in crashed state ($(state_of cr1))"
"$XL" destroy cr1 || fail "destroy cr1 failed"

# crash -> coredump-destroy: a core file, then gone
tiny_cfg cd.cfg cd1 "action=crash delay=1" 'on_crash = "coredump-destroy"'
run "$XL" create cd.cfg || fail "create failed"
wait_gone cd1 30 || fail "coredump-destroy did not destroy cd1"
# The tiny kernel publishes no p2m size, so libxenguest refuses to dump it
# (as it would for libxl); the monitor must try, log, and still destroy.
grep -q "dumping core to /var/lib/xen/dump/cd1" /var/log/xen/xl-cd1.log ||
    fail "no core dump attempt logged"
rm -f /var/lib/xen/dump/cd1

# poweroff -> rename-restart: the old one is kept under a new name
tiny_cfg rr.cfg rr1 "action=poweroff delay=1" 'on_poweroff = "rename-restart"'
run "$XL" create rr.cfg || fail "create failed"
n=0
while [ $n -lt 150 ]; do
    "$REF_XL" list | grep -q '^rr1-' && break
    sleep 0.2; n=$((n + 1))
done
"$REF_XL" list | tee l.out
grep -q '^rr1-[0-9]*T[0-9]*Z ' l.out || fail "no preserved rr1-<time> domain"
# the restarted rr1 powers off again and is renamed again, as fast as a
# create goes: destroy until no rr1 is seen twice in a row, a second apart
# (one check can fall between a preserve and the next restart)
n=0; empty=0
while [ $n -lt 40 ] && [ $empty -lt 2 ]; do
    ids=$("$REF_XL" list | awk '/^rr1/ {print $2}')
    if [ -z "$ids" ]; then
        empty=$((empty + 1))
    else
        empty=0
        for d in $ids; do "$XL" destroy $d 2>/dev/null; done
    fi
    sleep 1; n=$((n + 1))
done
[ $empty -ge 2 ] || fail "rr1 domains kept coming back"

# watchdog -> destroy
tiny_cfg wd.cfg wd1 "action=watchdog watchdog=2"
run "$XL" create wd.cfg || fail "create failed"
wait_gone wd1 40 || fail "on_watchdog=destroy did not destroy wd1"
grep -q "reason code 4" /var/log/xen/xl-wd1.log || fail "watchdog not logged"
echo ok
