# The stored config after hot-plug has Debian's xl's shape: the same
# block-attach and network-attach, done by Debian's xl on its domain and by
# ours on ours, leave the same "disks" and "nics" in the libxl-json userdata
# (the device as given, plus the nic's devid, nictype and MAC), and Debian's
# xl reads ours back through libxl's merge without complaint.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"
NBC="$PV_BIN/netback-config"
BR=brjson
cleanup() { "$NBC" delbr $BR >/dev/null 2>&1; rm -f /tmp/js?.img; }
trap cleanup EXIT

# devices_of DOMID: the "disks" and "nics" arrays of its stored config, the
# image paths and MACs made comparable
devices_of() {
    f=$(ls /var/lib/xen/userdata-d.$1.*.libxl-json)
    tr -d '\000' < "$f" | awk '
        /^    "(disks|nics)": \[/ { on = 1 }
        on { print }
        on && /^    \]/ { on = 0 }' |
        sed 's|/tmp/js[ab].img|IMG|; s|00:16:3e:aa:bb:0[12]|MAC|'
}

warm_up
run "$NBC" addbr $BR || fail "addbr failed"
dd if=/dev/zero of=/tmp/jsa.img bs=1M count=1 2>/dev/null
dd if=/dev/zero of=/tmp/jsb.img bs=1M count=1 2>/dev/null
snapshot before

tinypv_cfg ref.cfg jsref pv "action=wait"
run "$REF_XL" create -p ref.cfg || fail "Debian's xl create failed"
run "$REF_XL" block-attach jsref /tmp/jsa.img,raw,xvdb,w || fail "Debian's block-attach failed"
run "$REF_XL" network-attach jsref bridge=$BR mac=00:16:3e:aa:bb:01 || fail "Debian's network-attach failed"
tinypv_cfg our.cfg jsour pv "action=wait"
run "$XL" create -p our.cfg || fail "create failed"
run "$XL" block-attach jsour /tmp/jsb.img,raw,xvdb,w || fail "block-attach failed"
run "$XL" network-attach jsour bridge=$BR mac=00:16:3e:aa:bb:02 || fail "network-attach failed"

devices_of $(domid_of jsref) > ref.dev
devices_of $(domid_of jsour) > our.dev
cat our.dev
[ -s ref.dev ] || fail "Debian's xl stored no devices?"
diff -u ref.dev our.dev || fail "our stored devices differ from Debian's xl's"
grep -q '"nictype": "vif"' our.dev || fail "no nictype in the stored nic"

"$REF_XL" list -l jsour > ref.json 2> ref.err
cat ref.err
[ -s ref.err ] && fail "Debian's xl complained about our stored config"
grep -q '"pdev_path": "/tmp/jsb.img"' ref.json || fail "Debian's xl does not see our attached disk"
grep -q '"mac": "00:16:3e:aa:bb:02"' ref.json || fail "Debian's xl does not see our attached nic"

run "$XL" block-detach -f jsour xvdb || fail "block-detach failed"
run "$XL" network-detach jsour 0 || fail "network-detach failed"
devices_of $(domid_of jsour) > our2.dev
[ -s our2.dev ] && { cat our2.dev; fail "detached devices left in the stored config"; }
"$REF_XL" destroy jsref
run "$XL" destroy jsour || fail "destroy failed"
wait_gone jsref 10; wait_gone jsour 10
snapshot after
no_trace before after "attach/detach by both xls"
echo ok
