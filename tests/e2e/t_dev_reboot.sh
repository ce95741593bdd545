# A guest with a disk and a vif reboots from inside (on_reboot=restart): the
# monitor rebuilds it from the stored config, so the new domain has its xvda
# (with what the first boot wrote), eth0 with the same MAC and the network
# back; nothing of the old domain is left.  Before this, restarts came back
# without any device.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"
NBC="$PV_BIN/netback-config"
BR=brreboot

host_state() {
    snapshot "$1"
    losetup -a 2>/dev/null | sed 's/^\([^:]*\):.*(\(.*\))/\1 \2/' | sort > "$1.loop"
    ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v "^$BR$" | sort > "$1.links"
}
same_host() {
    no_trace "$1" "$2" "$3"
    diff -u "$1.loop" "$2.loop" || fail "loop devices differ after $3"
    diff -u "$1.links" "$2.links" || fail "network interfaces differ after $3"
}
xs() { xenstore-read "$1" 2>/dev/null; }
cleanup() { "$NBC" delbr $BR >/dev/null 2>&1; rm -f /tmp/rb.img; }
trap cleanup EXIT

warm_up
run "$NBC" addbr $BR || fail "addbr failed"
ip addr add 192.168.78.1/24 dev $BR || fail "cannot address $BR"
dd if=/dev/urandom of=/tmp/rb.img bs=1M count=8 2>/dev/null
host_state before

guest_cfg g.cfg rb pv "pvtest.disks=1 pvtest.reboot=xvda pvtest.nics=1 pvtest.ip=192.168.78.2/24 pvtest.ping=192.168.78.1 pvtest.sum=xvda pvtest.hold=-1"
echo 'disk = [ "/tmp/rb.img,raw,xvda,w" ]' >> g.cfg
echo "vif = [ \"bridge=$BR\" ]" >> g.cfg      # MAC from the defaults
echo 'on_reboot = "restart"' >> g.cfg
run "$XL" create g.cfg || fail "create failed"
d1=$(domid_of rb)
mac=$(xs /local/domain/0/backend/vif/$d1/0/mac)
note "first domid $d1, vif mac $mac"
[ -n "$mac" ] || fail "no MAC in the vif backend"
run "$XL" list -l rb
grep -q "\"mac\": \"$mac\"" last.out || fail "the stored config lacks the vif's MAC"

wait_console rb "PVTEST-CHECK rebooted ok" 150 || fail "the guest never came back from its reboot"
d2=$(domid_of rb)
note "after the reboot: domid $d2"
[ -n "$d2" ] && [ "$d2" != "$d1" ] || fail "no new domain after the reboot ($d1 -> '$d2')"
cat /var/log/xen/xl-rb.log
grep -q "Rebooted rb as domid $d2" /var/log/xen/xl-rb.log || fail "the monitor did not log the restart"
wait_console rb "PVTEST-RESULT" 120 || fail "the restarted guest never finished its checks"
grep PVTEST /var/log/xen/console/guest-rb.log
wait_console rb "PVTEST-CHECK disks ok" 1 || fail "the restarted guest has no disk"
wait_console rb "PVTEST-CHECK nics ok" 1 || fail "the restarted guest has no NIC"
wait_console rb "PVTEST-CHECK ping ok" 1 || fail "the restarted guest cannot ping dom0's bridge"
wait_console rb "PVTEST-INFO eth0 mac=$mac" 1 || fail "eth0's MAC changed across the reboot"
want=$(md5sum < /tmp/rb.img | cut -d' ' -f1)
head -c 8 /tmp/rb.img | grep -q PVREBOOT || fail "the first boot's write is not in the image"
wait_console rb "PVTEST-SUM xvda $want" 1 || fail "the restarted guest's xvda differs from dom0's image ($want)"

# nothing of the old domain
for p in /local/domain/$d1 /libxl/$d1 /local/domain/0/backend/vbd/$d1 \
         /local/domain/0/backend/vif/$d1; do
    xenstore-exists $p 2>/dev/null && fail "$p is left from the old domain"
done
ip link show vif$d1.0 >/dev/null 2>&1 && fail "vif$d1.0 is left"
ls /var/lib/xen | grep "userdata-.\.$d1\." && fail "userdata of the old domain left"
[ "$(losetup -a | grep -c rb.img)" = 1 ] || { losetup -a; fail "not exactly one loop device for rb.img"; }
"$NBC" list $BR | grep -q "vif$d2.0" || fail "vif$d2.0 is not on $BR"
run "$XL" block-list rb
grep -q "^51712 " last.out || fail "block-list of the new domain lacks xvda"
run "$XL" network-list rb
grep -q "$mac" last.out || fail "network-list of the new domain lacks the MAC"

run "$XL" destroy rb || fail "destroy failed"
wait_gone rb 10 || fail "rb still exists"
host_state after
same_host before after "reboot+destroy"
echo ok
