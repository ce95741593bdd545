# Split-driver devices on real Xen, without hotplug scripts: our xl
# block-attach/network-attach to a paused Linux guest (our create), then
# the guest sees its disk and NIC and pings dom0's bridge; a second disk is
# hot-plugged into the running guest and removed; bad input fails clearly
# and leaves nothing; destroy releases loop devices and bridge ports.
# A second guest gets its disk and vif from its config (our create) and
# pings the first across the bridge.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"
NBC="$PV_BIN/netback-config"

# host_state FILE: xenstore, loop devices and bridge ports.
host_state() {
    snapshot "$1"
    losetup -a 2>/dev/null | sed 's/^\([^:]*\):.*(\(.*\))/\1 \2/' | sort > "$1.loop"
    # IPv6 link-local addresses come and go with carrier: not ours to check.
    "$NBC" list | sed 's/,*fe80::[^ ,]*//g' > "$1.br"
}
same_host() {
    no_trace "$1" "$2" "$3"
    diff -u "$1.loop" "$2.loop" || fail "loop devices differ after $3"
    diff -u "$1.br" "$2.br" || fail "bridges differ after $3"
}
xs() { xenstore-read "$1" 2>/dev/null; }
# wait_xs PATH VALUE [SECONDS]: the frontend follows the backend's Connected
# by a moment.
wait_xs() {
    _n=$(( ${3:-5} * 10 ))
    while [ $_n -gt 0 ]; do
        [ "$(xs "$1")" = "$2" ] && return 0
        sleep 0.1
        _n=$((_n - 1))
    done
    echo "$1 is '$(xs "$1")', not '$2'"
    return 1
}

warm_up
run "$NBC" addbr xenbr0 || fail "addbr failed"
run "$NBC" addbr xenbr0 || fail "addbr is not idempotent"
ip addr add 192.168.77.1/24 dev xenbr0 || fail "cannot address xenbr0"
run "$NBC" --json list xenbr0
grep -q '"name": "xenbr0"' last.out || fail "list --json lacks xenbr0"

dd if=/dev/urandom of=/tmp/disk1.img bs=1M count=8 2>/dev/null
dd if=/dev/urandom of=/tmp/disk2.img bs=1M count=4 2>/dev/null
dd if=/dev/urandom of=/tmp/disk3.img bs=1M count=2 2>/dev/null
host_state before

guest_cfg g.cfg dev1 pv "pvtest.disks=1 pvtest.nics=1 pvtest.ip=192.168.77.2/24 pvtest.ping=192.168.77.1 pvtest.sum=xvda pvtest.hold=-1"
run "$XL" create -p g.cfg || fail "create -p failed"
d=$(domid_of dev1)
[ -n "$d" ] || fail "no domid for dev1"

# ---- failures first: each must leave the host as it was ----
host_state pre
"$XL" network-attach dev1 bridge=nosuchbr 2> err && fail "attach to a missing bridge worked"
cat err; grep -q "bridge nosuchbr does not exist" err || fail "unclear missing-bridge error"
"$XL" block-attach dev1 /tmp/nosuch.img,raw,xvdc,w 2> err && fail "attach of a missing image worked"
cat err; grep -q "/tmp/nosuch.img: No such file" err || fail "unclear missing-image error"
"$XL" block-attach dev1 /tmp/disk1.img,qcow2,xvdc,w 2> err && fail "qcow2 was accepted"
cat err; grep -q "format=qcow2" err || fail "unclear qcow2 error"
"$XL" block-attach dev1 /tmp/disk1.img,raw,hde,w 2> err && fail "bad vdev accepted"
cat err; grep -q "hde" err || fail "unclear bad-vdev error"
host_state post
same_host pre post "failed attaches"

# ---- attach to the paused guest ----
run "$XL" block-attach dev1 /tmp/disk1.img,raw,xvda,w || fail "block-attach failed"
run "$XL" network-attach dev1 bridge=xenbr0 mac=00:16:3e:12:34:56 || fail "network-attach failed"
be=/local/domain/0/backend/vbd/$d/51712
node=$(xs $be/node)
echo "loop: $node physical-device $(xs $be/physical-device)"
case $node in /dev/loop*) ;; *) fail "no loop device recorded";; esac
losetup -a | grep -q "disk1.img" || fail "disk1.img is not on a loop device"
[ "$(xs $be/params)" = /tmp/disk1.img ] || fail "params wrong"
[ "$(xs $be/mode)" = w ] || fail "mode wrong"
[ "$(xs /local/domain/$d/device/vbd/51712/virtual-device)" = 51712 ] || fail "virtual-device wrong"
[ "$(xs /local/domain/0/backend/vif/$d/0/mac)" = 00:16:3e:12:34:56 ] || fail "vif mac wrong"
[ "$(xs /local/domain/0/backend/vif/$d/0/hotplug-status)" = connected ] || fail "hotplug-status not connected"
"$NBC" list xenbr0 | grep -q "vif$d.0" || fail "vif$d.0 is not on xenbr0"
# A busy image: attached writable already, so a second writer is refused.
host_state busy1
"$XL" block-attach dev1 /tmp/disk1.img,raw,xvdc,w 2> err && fail "second writer accepted"
cat err; grep -q "already in use through /dev/loop" err || fail "unclear busy error"
host_state busy2
same_host busy1 busy2 "busy attach"

run "$XL" block-list dev1
grep -q "^51712 " last.out || fail "block-list lacks 51712"
run "$XL" network-list dev1
grep -q "00:16:3e:12:34:56" last.out || fail "network-list lacks the MAC"

run "$XL" unpause dev1 || fail "unpause failed"
wait_console dev1 "PVTEST-RESULT" 120 || fail "guest never finished its checks"
grep PVTEST /var/log/xen/console/guest-dev1.log
wait_console dev1 "PVTEST-CHECK disks ok" 1 || fail "guest did not see its disk"
wait_console dev1 "PVTEST-CHECK nics ok" 1 || fail "guest did not see its NIC"
wait_console dev1 "PVTEST-CHECK ping ok" 1 || fail "guest could not ping dom0's bridge"
ping -c 1 -W 5 192.168.77.2 || fail "dom0 cannot ping the guest"
want=$(md5sum < /tmp/disk1.img | cut -d' ' -f1)
wait_console dev1 "PVTEST-SUM xvda $want" 1 || fail "guest's xvda differs from dom0's image ($want)"
wait_console dev1 "PVTEST-INFO eth0 mac=00:16:3e:12:34:56" 1 || fail "guest's eth0 lacks the configured MAC"
[ "$(xs /local/domain/$d/device/vbd/51712/state)" = 4 ] || fail "xvda frontend not connected"
[ "$(xs /local/domain/$d/device/vif/0/state)" = 4 ] || fail "vif frontend not connected"

# ---- devices from the config: a second guest on the same bridge, booting
# while dev1's hot-plug checks run (it pings dev1, which is up by now) ----
guest_cfg g2.cfg dev2 pv "pvtest.disks=1 pvtest.nics=1 pvtest.ip=192.168.77.3/24 pvtest.ping=192.168.77.2 pvtest.sum=xvda pvtest.hold=-1"
echo 'disk = [ "/tmp/disk2.img,raw,xvda,r" ]' >> g2.cfg
echo 'vif = [ "bridge=xenbr0,mac=00:16:3e:12:34:57" ]' >> g2.cfg
run "$XL" create g2.cfg || fail "create with devices failed"

# ---- hot plug into the running guest ----
run "$XL" block-attach dev1 /tmp/disk3.img,raw,xvdb,r || fail "hot block-attach failed"
wait_xs /local/domain/$d/device/vbd/51728/state 4 || fail "xvdb not connected in the guest"
losetup -a | grep -q "disk3.img" || fail "disk3.img not on a loop device"
run "$XL" block-detach dev1 xvdb || fail "block-detach failed"
xenstore-exists /local/domain/$d/device/vbd/51728 2>/dev/null && fail "xvdb frontend left"
xenstore-exists /local/domain/0/backend/vbd/$d/51728 2>/dev/null && fail "xvdb backend left"
sleep 0.5
losetup -a | grep -q "disk3.img" && fail "disk3.img loop device left after detach"
"$XL" block-detach dev1 xvdb 2> err && fail "detaching it twice worked"
grep -q "Device xvdb not connected" err || fail "wrong message: $(cat err)"

run "$XL" network-attach dev1 bridge=xenbr0 || fail "hot network-attach failed"
wait_xs /local/domain/$d/device/vif/1/state 4 || fail "vif 1 not connected in the guest"
"$NBC" list xenbr0 | grep -q "vif$d.1" || fail "vif$d.1 is not on xenbr0"
run "$XL" network-detach dev1 1 || fail "network-detach failed"
"$NBC" list xenbr0 | grep -q "vif$d.1" && fail "vif$d.1 still on xenbr0"
xenstore-exists /local/domain/0/backend/vif/$d/1 2>/dev/null && fail "vif 1 backend left"

wait_console dev2 "PVTEST-RESULT" 120 || fail "dev2 never finished its checks"
grep PVTEST /var/log/xen/console/guest-dev2.log
want2=$(md5sum < /tmp/disk2.img | cut -d' ' -f1)
wait_console dev2 "PVTEST-SUM xvda $want2" 1 || fail "dev2's xvda differs from dom0's image"
wait_console dev2 "PVTEST-CHECK ping ok" 1 || fail "dev2 could not ping dev1 across the bridge"
wait_console dev2 "PVTEST-INFO eth0 mac=00:16:3e:12:34:57" 1 || fail "dev2's eth0 lacks its MAC"

# create failures leave nothing (no domain, node, loop device or port)
host_state cf1
tinypv_cfg bad1.cfg bad1 pv "action=wait"   # fails before booting: a tiny kernel will do
echo 'vif = [ "bridge=nosuchbr" ]' >> bad1.cfg
"$XL" create bad1.cfg 2> err && fail "create with a missing bridge worked"
cat err; grep -q "bridge nosuchbr does not exist" err || fail "unclear create error"
tinypv_cfg bad2.cfg bad2 pv "action=wait"
echo 'disk = [ "/tmp/disk2.img,raw,xvda,r", "/tmp/nosuch.img,raw,xvdb,w" ]' >> bad2.cfg
echo 'vif = [ "bridge=xenbr0" ]' >> bad2.cfg
"$XL" create bad2.cfg 2> err && fail "create with a missing image worked"
cat err; grep -q "/tmp/nosuch.img" err || fail "unclear create error"
wait_gone bad1 5; wait_gone bad2 5
host_state cf2
same_host cf1 cf2 "failed creates"

# ---- destroy releases everything ----
run "$XL" destroy dev1 || fail "destroy failed"
run "$XL" destroy dev2 || fail "destroy dev2 failed"
wait_gone dev1 10 || fail "dev1 still exists"
wait_gone dev2 10 || fail "dev2 still exists"
sleep 1
host_state after
same_host before after "create+attach+destroy"
echo ok
