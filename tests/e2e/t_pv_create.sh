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

# Commands on a domain that isn't there: Debian's xl's message (with or
# without libxl's error code, as each xl command has it) and exit status.
for c in "destroy nosuch" "pause nosuch" "shutdown nosuch" "reboot nosuch" \
         "domid nosuch" "domname 999" "mem-set nosuch 10" "mem-max nosuch 10" \
         "vcpu-set nosuch 1" "vcpu-pin nosuch 0 0" "rename nosuch x" \
         "uptime nosuch" "list nosuch" "vcpu-list nosuch" "sched-credit -d nosuch" \
         "block-list nosuch" "network-list nosuch" "block-detach nosuch xvda" \
         "network-detach nosuch 0" "network-attach nosuch bridge=x" \
         "block-attach nosuch /x,raw,xvda"; do
    "$XL" $c > o.out 2> o.err; ost=$?
    "$REF_XL" $c > r.out 2> r.err; rst=$?
    note "xl $c: ours $ost, Debian's $rst: $(head -1 o.err)"
    [ $ost = $rst ] || fail "xl $c: exit status $ost, Debian's xl $rst"
    [ "$(head -1 o.err)" = "$(head -1 r.err)" ] ||
        fail "xl $c: '$(head -1 o.err)', Debian's xl '$(head -1 r.err)'"
done
echo ok
