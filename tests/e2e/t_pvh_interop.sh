# PVH between Debian's xl and ours: the xenstore tree we write for a PVH
# guest is libxl's node for node (values, permissions), each toolstack
# lists and destroys the other's PVH domains, and neither leaves a trace.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

warm_up
"$REF_XL" create -q -e warm.cfg >/dev/null 2>&1 && "$REF_XL" destroy warmup
snapshot before

tree() { # NAME -> normalised dump of its /local/domain, /vm and /libxl nodes
    _d=$(domid_of $1); _vm=$(xenstore-read /local/domain/$_d/vm)
    { xenstore-ls -fp /local/domain/$_d; xenstore-ls -fp $_vm; xenstore-ls -fp /libxl/$_d
      xenstore-ls -fp /local/domain/0/backend/console/$_d; } |
    sed -e "s|/local/domain/$_d\\b|/local/domain/D|g; s|/libxl/$_d\\b|/libxl/D|g" \
        -e "s|$_vm|/vm/U|g; s|console/$_d/|console/D/|g" \
        -e "s|([nrwb]$_d|(nD|; s|,r$_d)|,rD)|; s|(n$_d,|(nD,|" \
        -e 's|\(start_time\|tty\|domid\|frontend-id\|uuid\) = "[^"]*"|\1 = "X"|' |
    sort
}
# Unlike PV, ring-ref and port are compared too: for an HVM container they
# are the guest frames of the special pages and the first free event
# channels, the same whichever toolstack built the domain.
tiny_cfg same.cfg samepvh "action=wait" 'type = "pvh"' 'vcpus = 2' 'maxvcpus = 3' \
    'maxmem = 48'   # memory < maxmem: populate-on-demand, as libxl allows for PVH
"$REF_XL" create -q same.cfg || fail "Debian's create samepvh"
wait_console samepvh "waiting for control/shutdown" 20 || fail "theirs did not boot"
tree samepvh > theirs.tree
grep "TINYPV: hello" /var/log/xen/console/guest-samepvh.log | sed 's/domid=[0-9]*//' > theirs.hello
"$REF_XL" destroy samepvh; wait_gone samepvh 10
rm -f /var/log/xen/console/guest-samepvh.log
run "$XL" create -q same.cfg || fail "our create samepvh"
wait_console samepvh "waiting for control/shutdown" 20 || fail "ours did not boot"
tree samepvh > ours.tree
grep "TINYPV: hello" /var/log/xen/console/guest-samepvh.log | sed 's/domid=[0-9]*//' > ours.hello
"$XL" destroy samepvh; wait_gone samepvh 10
diff -u theirs.tree ours.tree || fail "our PVH xenstore tree differs from libxl's"
note "theirs: $(cat theirs.hello)"
note "ours:   $(cat ours.hello)"

# theirs -> ours
tiny_cfg t.cfg theirspvh "action=wait" 'type = "pvh"'
run "$REF_XL" create t.cfg || fail "Debian's xl create failed"
wait_console theirspvh "waiting for control/shutdown" 20 || fail "theirspvh did not boot"
run "$XL" list theirspvh || fail "our xl does not list theirspvh"
run "$XL" list -l theirspvh || fail "our list -l theirspvh"
grep -q '"type": "pvh"' last.out || fail "our list -l does not say pvh for theirs"
run "$XL" destroy theirspvh || fail "our destroy of theirspvh failed"
wait_gone theirspvh 10 || fail "theirspvh still exists"
sleep 1
snapshot after1
no_trace before after1 "Debian's PVH create + our destroy"

# ours -> theirs
tiny_cfg o.cfg ourspvh "action=wait" 'type = "pvh"'
run "$XL" create o.cfg || fail "our create failed"
wait_console ourspvh "waiting for control/shutdown" 20 || fail "ourspvh did not boot"
run "$REF_XL" list ourspvh || fail "Debian's xl does not list ourspvh"
run "$REF_XL" shutdown -w ourspvh || fail "Debian's shutdown of ourspvh failed"
wait_gone ourspvh 15 || fail "ourspvh not gone after their shutdown"
run "$XL" create o.cfg || fail "our create failed"
run "$REF_XL" destroy ourspvh || fail "Debian's destroy of ourspvh failed"
wait_gone ourspvh 10 || fail "ourspvh still exists"
sleep 1
snapshot after2
no_trace before after2 "our PVH create + Debian's destroy"
echo ok
