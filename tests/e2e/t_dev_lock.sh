# Concurrent block-attach/-detach and network-attach/-detach against one
# domain serialise on libxl's userdata lock: every command succeeds, the
# vifs get distinct devids, and the stored config lists exactly the devices
# xenstore has (Debian's xl, which reads the same file under the same lock,
# agrees).  Without the lock two attaches pick the same devid or one
# overwrites the other's config update.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"
NBC="$PV_BIN/netback-config"
BR=brlock
cleanup() { "$NBC" delbr $BR >/dev/null 2>&1; rm -f /tmp/lk?.img; }
trap cleanup EXIT

warm_up
run "$NBC" addbr $BR || fail "addbr failed"
for i in b c d e f g; do dd if=/dev/zero of=/tmp/lk$i.img bs=1M count=1 2>/dev/null; done
snapshot before
tinypv_cfg g.cfg lk pv "action=wait"
run "$XL" create -p g.cfg || fail "create -p failed"
d=$(domid_of lk)
lkfile=$(ls /var/lib/xen/userdata-l.$d.* 2>/dev/null)

# json_count KEY: how many times "KEY" appears in our xl list -l of lk
json_count() { "$XL" list -l lk | grep -c "\"$1\""; }

# Round 1: four disks and four nics at once.
pids=
for i in b c d e; do
    "$XL" block-attach lk /tmp/lk$i.img,raw,xvd$i,w > att-$i.log 2>&1 & pids="$pids $!"
    "$XL" network-attach lk bridge=$BR > net-$i.log 2>&1 & pids="$pids $!"
done
bad=0
for p in $pids; do wait $p || bad=$((bad + 1)); done
cat att-*.log net-*.log
[ $bad = 0 ] || fail "$bad of the concurrent attaches failed"
vifs=$(xenstore-list /local/domain/0/backend/vif/$d | sort -n | tr '\n' ' ')
vbds=$(xenstore-list /local/domain/0/backend/vbd/$d | sort -n | tr '\n' ' ')
note "vifs: $vifs; vbds: $vbds"
[ "$vifs" = "0 1 2 3 " ] || fail "vif devids are '$vifs', not 0-3"
[ "$vbds" = "51728 51744 51760 51776 " ] || fail "vbds are '$vbds'"
[ "$(json_count pdev_path)" = 4 ] || { "$XL" list -l lk; fail "stored config does not list 4 disks"; }
[ "$(json_count mac)" = 4 ] || { "$XL" list -l lk; fail "stored config does not list 4 nics"; }
[ "$("$XL" list -l lk | grep '"mac"' | sort -u | wc -l)" = 4 ] || fail "MACs in the config are not distinct"

# Round 2: detach two of each while attaching two more disks and a nic
# (tinypv has no frontends: disks go with -f, a vif after the 10 s libxl
# gives a guest to let go).
pids=
"$XL" block-detach -f lk xvdb > d1.log 2>&1 & pids="$pids $!"
"$XL" block-detach -f lk xvdc > d2.log 2>&1 & pids="$pids $!"
"$XL" network-detach lk 0 > d3.log 2>&1 & pids="$pids $!"
"$XL" network-detach lk 2 > d4.log 2>&1 & pids="$pids $!"
"$XL" block-attach lk /tmp/lkf.img,raw,xvdf,w > d5.log 2>&1 & pids="$pids $!"
"$XL" block-attach lk /tmp/lkg.img,raw,xvdg,r > d6.log 2>&1 & pids="$pids $!"
"$XL" network-attach lk bridge=$BR > d7.log 2>&1 & pids="$pids $!"
bad=0
for p in $pids; do wait $p || bad=$((bad + 1)); done
cat d?.log
[ $bad = 0 ] || fail "$bad of the concurrent attach/detach commands failed"
vifs=$(xenstore-list /local/domain/0/backend/vif/$d | sort -n | tr '\n' ' ')
vbds=$(xenstore-list /local/domain/0/backend/vbd/$d | sort -n | tr '\n' ' ')
note "vifs: $vifs; vbds: $vbds"
[ "$vbds" = "51760 51776 51792 51808 " ] || fail "vbds are '$vbds'"
[ "$vifs" = "1 3 4 " ] || fail "vifs are '$vifs', not 1 3 4"
[ "$(echo $vifs | wc -w)" = 3 ] || fail "not 3 vifs"
run "$XL" list -l lk
[ "$(grep -c '"pdev_path"' last.out)" = 4 ] || fail "stored config does not list the 4 disks left"
for v in xvdd xvde xvdf xvdg; do grep -q "\"vdev\": \"$v\"" last.out || fail "$v missing from the stored config"; done
for v in xvdb xvdc; do grep -q "\"vdev\": \"$v\"" last.out && fail "detached $v still in the stored config"; done
[ "$(grep -c '"mac"' last.out)" = 3 ] || fail "stored config does not list the 3 nics left"
for id in $vifs; do
    m=$(xenstore-read /local/domain/0/backend/vif/$d/$id/mac)
    grep -q "\"mac\": \"$m\"" last.out || fail "vif $id ($m) is not in the stored config"
done
# Debian's xl reads the same file: it must find nothing to drop.
"$REF_XL" list -l lk > ref.json 2> ref.err
cat ref.err
grep -q "present in JSON but not in xenstore" ref.err && fail "Debian's xl found stale devices in the config"
[ "$(grep -c '"pdev_path"' ref.json)" = 4 ] || fail "Debian's xl sees $(grep -c '"pdev_path"' ref.json) disks, not 4"
# The lock file is libxl's and is not left held or lying around.
[ -z "$lkfile" ] || fail "lock file $lkfile left after the creating commands"
ls /var/lib/xen/userdata-l.$d.* 2>/dev/null && fail "the lock file is left behind"

# Destroy removes the stored config under the same lock (libxl's
# devices_destroy_cb): while someone holds it, destroy waits and the file
# stays.
cfgf=$(ls /var/lib/xen/userdata-d.$d.*.libxl-json)
lockf=$(echo "$cfgf" | sed 's|userdata-d\.\(.*\)\.libxl-json$|userdata-l.\1.domain-userdata-lock|')
rm -f /tmp/lk-held
flock "$lockf" sh -c 'touch /tmp/lk-held; sleep 5' & holder=$!
i=0; while [ ! -e /tmp/lk-held ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/lk-held ] || fail "could not take the userdata lock"
"$XL" destroy lk > destroy.log 2>&1 & dpid=$!
sleep 2
kill -0 $dpid 2>/dev/null || { cat destroy.log; fail "destroy did not wait for the userdata lock"; }
[ -e "$cfgf" ] || fail "destroy removed the stored config while the lock was held"
wait $holder
wait $dpid || { cat destroy.log; fail "destroy failed"; }
rm -f /tmp/lk-held
wait_gone lk 10 || fail "lk still exists"
snapshot after
no_trace before after "concurrent attach/detach"
losetup -a | grep -q "/tmp/lk" && fail "loop devices left"
echo ok
