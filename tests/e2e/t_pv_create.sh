# xl create of the tiny kernel and the Linux guest on real Xen: each boots
# and prints its marker through xenconsoled, Debian's xl lists it and reads
# our persisted config, and our destroy leaves no trace.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

warm_up
snapshot before

tiny_cfg tiny.cfg tiny1 "action=wait"
run "$XL" create tiny.cfg || fail "create tiny failed"
grep -q "Parsing config from tiny.cfg" last.out || fail "no 'Parsing config' line"
wait_console tiny1 "TINYPV: hello type=pv" 20 || fail "tiny guest did not boot"
"$REF_XL" list tiny1 || fail "Debian's xl does not list tiny1"
"$REF_XL" list -l tiny1 > ll.json || fail "Debian's xl cannot read our config"
grep -q '"name": "tiny1"' ll.json || fail "list -l lacks the name"
run "$XL" list -l tiny1 || fail "our xl list -l failed"
grep -q '"domid": '"$(domid_of tiny1)" last.out || fail "our list -l lacks the domid"
grep -q '"name": "tiny1"' last.out || fail "our list -l lacks the name"
# every domain with a stored config, as Debian's xl list -l (Domain-0 too
# when xen-init-dom0 stored one; Debian's xl itself is not asked about
# dom0 here because it fills in dom0's memory/ nodes as a side effect)
"$XL" list -l | sed -n 's/^        "domid": \([0-9]*\),$/\1/p' | sort -n > ours.ids
ls /var/lib/xen | sed -n 's/^userdata-d\.\([0-9]*\)\..*\.libxl-json$/\1/p' | sort -n > ref.ids
diff -u ref.ids ours.ids || fail "list -l does not cover every stored config"
ls /var/lib/xen | grep -q "^userdata-d\.$(domid_of tiny1)\..*\.libxl-json$" ||
    fail "no userdata file"
ps | grep -v grep | grep -q 'create tiny.cfg' || fail "no monitor process"

guest_cfg linux.cfg linux1 pv "pvtest.hold=-1"
run "$XL" create linux.cfg || fail "create linux failed"
wait_console linux1 "PVTEST-MARKER.*type=PV" 60 || fail "Linux guest did not boot"
wait_console linux1 "PVTEST-RESULT ok" 30 || fail "Linux guest self-test failed"

# create -p leaves it paused
tiny_cfg p.cfg paused1 ""
run "$XL" create -p p.cfg || fail "create -p failed"
state_of paused1 | grep -q p || fail "create -p did not leave the domain paused"

for d in tiny1 linux1 paused1; do
    run "$XL" destroy $d || fail "destroy $d failed"
done
for d in tiny1 linux1 paused1; do wait_gone $d 10 || fail "$d still exists"; done
sleep 1   # the monitors notice @releaseDomain and exit
snapshot after
no_trace before after "create+destroy"

# destroy of something that isn't there: xl's message and status
"$XL" destroy nosuch 2> err && fail "destroy nosuch succeeded"
grep -q "nosuch is an invalid domain identifier" err || fail "wrong message: $(cat err)"
echo ok
