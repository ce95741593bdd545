# A user's script= (disk and vif) runs as libxl runs it: "add"/"online" on
# attach, "remove"/"offline" on detach and on destroy, with the environment
# Xen's hotplug scripts read (script, XENBUS_TYPE, XENBUS_PATH,
# XENBUS_BASE_PATH; netdev and vif for vifs) and while the device's nodes
# still exist.  A failing script is reported, yet the device goes.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"
NBC="$PV_BIN/netback-config"
BR=brscript
LOG=/tmp/hotplug.log
cleanup() { "$NBC" delbr $BR >/dev/null 2>&1; rm -f /tmp/sc?.img /tmp/logscript /tmp/failscript $LOG; }
trap cleanup EXIT

cat > /tmp/logscript <<'EOS'
#!/bin/sh
# log "$0 ACTION [ARG]", the environment, and a node of the device
echo "$(basename $0) $* type=$XENBUS_TYPE path=$XENBUS_PATH base=$XENBUS_BASE_PATH script=$script vif=$vif netdev=[$netdev] fe=$(xenstore-read /local/domain/0/$XENBUS_PATH/frontend-id 2>/dev/null)" >> /tmp/hotplug.log
EOS
cat > /tmp/failscript <<'EOS'
#!/bin/sh
echo "$(basename $0) $* path=$XENBUS_PATH" >> /tmp/hotplug.log
case $1 in remove|offline) echo "failscript: cannot $1" >&2; exit 3;; esac
exit 0
EOS
chmod +x /tmp/logscript /tmp/failscript

warm_up
run "$NBC" addbr $BR || fail "addbr failed"
for i in a b; do dd if=/dev/zero of=/tmp/sc$i.img bs=1M count=1 2>/dev/null; done
snapshot before
tinypv_cfg g.cfg sc pv "action=wait"
echo 'disk = [ "/tmp/sca.img,raw,xvda,w,script=/tmp/logscript" ]' >> g.cfg
echo "vif = [ \"bridge=$BR,script=/tmp/logscript\" ]" >> g.cfg
run "$XL" create -p g.cfg || fail "create -p failed"
d=$(domid_of sc)
cat $LOG
grep -q "^logscript add type=vbd path=backend/vbd/$d/51712 base=backend script=/tmp/logscript vif= netdev=\[\] fe=$d$" $LOG || fail "disk script not run with add and libxl's environment"
grep -q "^logscript online type_if=vif type=vif path=backend/vif/$d/0 base=backend script=/tmp/logscript vif=vif$d.0 netdev=\[\] fe=$d$" $LOG || fail "vif script not run with online and libxl's environment"

# detach with a failing script: reported, and the device is gone anyway
# (tinypv has no frontends to release a disk: -f)
: > $LOG
run "$XL" block-attach sc /tmp/scb.img,raw,xvdb,w,script=/tmp/failscript || fail "attach with failscript failed"
run "$XL" network-attach sc bridge=$BR script=/tmp/failscript || fail "network-attach with failscript failed"
"$XL" block-detach -f sc xvdb > det.out 2>&1 && fail "block-detach hid the script's failure"
cat det.out
grep -q "failscript remove failed with exit status 3" det.out || fail "the script's failure is not reported"
xenstore-exists /local/domain/0/backend/vbd/$d/51728 2>/dev/null && fail "xvdb stayed after its script failed"
"$XL" network-detach sc 1 > det.out 2>&1 && fail "network-detach hid the script's failure"
cat det.out
grep -q "failscript offline failed with exit status 3" det.out || fail "the vif script's failure is not reported"
xenstore-exists /local/domain/0/backend/vif/$d/1 2>/dev/null && fail "vif 1 stayed after its script failed"
cat $LOG
grep -q "^failscript remove path=backend/vbd/$d/51728$" $LOG || fail "failscript not run on block-detach"
grep -q "^failscript offline type_if=vif path=backend/vif/$d/1$" $LOG || fail "failscript not run on network-detach"
"$XL" list -l sc | grep -q scb.img && fail "detached disk still in the stored config"

# destroy runs the scripts of what is left, while the nodes still exist
: > $LOG
run "$XL" destroy sc || fail "destroy failed"
wait_gone sc 10 || fail "sc still exists"
cat $LOG
grep -q "^logscript remove type=vbd path=backend/vbd/$d/51712 base=backend script=/tmp/logscript vif= netdev=\[\] fe=$d$" $LOG || fail "disk script not run with remove on destroy"
grep -q "^logscript offline type_if=vif type=vif path=backend/vif/$d/0 base=backend script=/tmp/logscript vif=vif$d.0 netdev=\[\] fe=$d$" $LOG || fail "vif script not run with offline on destroy"
snapshot after
no_trace before after "script devices"
losetup -a | grep -q "/tmp/sc" && fail "loop devices left"
echo ok
