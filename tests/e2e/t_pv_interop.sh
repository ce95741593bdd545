# Debian's xl and ours see, list and destroy each other's domains, and a
# domain made by either leaves no trace once the other destroys it.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

warm_up
"$REF_XL" create -q -e warm.cfg >/dev/null 2>&1 && "$REF_XL" destroy warmup
snapshot before

# theirs -> ours
tiny_cfg t.cfg theirs1 "action=wait"
run "$REF_XL" create t.cfg || fail "Debian's xl create failed"
wait_console theirs1 "waiting for control/shutdown" 20 || fail "theirs1 did not boot"
run "$XL" list theirs1 || fail "our xl does not list theirs1"
run "$XL" mem-set theirs1 24 || fail "our mem-set on theirs1 failed"
wait_console theirs1 "memory target=24576kB" 10 || fail "theirs1 did not see our mem-set"
run "$XL" shutdown -w theirs1 || fail "our shutdown of theirs1 failed"
wait_gone theirs1 15 || fail "theirs1 not gone after shutdown (their monitor destroys it)"
run "$REF_XL" create t.cfg || fail "Debian's xl create failed"
run "$XL" destroy theirs1 || fail "our destroy of theirs1 failed"
wait_gone theirs1 10 || fail "theirs1 still exists"
sleep 1
snapshot after1
no_trace before after1 "Debian's create + our destroy"

# ours -> theirs
tiny_cfg o.cfg ours1 "action=wait"
run "$XL" create o.cfg || fail "our create failed"
wait_console ours1 "waiting for control/shutdown" 20 || fail "ours1 did not boot"
run "$REF_XL" list -l ours1 || fail "Debian's xl list -l ours1 failed"
grep -q '"kernel": ".*tinypv.elf"' last.out || fail "list -l lacks our kernel"
run "$REF_XL" vcpu-list ours1 || fail "Debian's vcpu-list ours1"
run "$REF_XL" shutdown -w ours1 || fail "Debian's shutdown of ours1 failed"
wait_gone ours1 15 || fail "ours1 not gone after their shutdown (our monitor destroys it)"
run "$XL" create o.cfg || fail "our create failed"
run "$REF_XL" destroy ours1 || fail "Debian's destroy of ours1 failed"
wait_gone ours1 10 || fail "ours1 still exists"
sleep 1
snapshot after2
no_trace before after2 "our create + Debian's destroy"

# Both lists agree, name for name
run "$XL" create o.cfg || fail "create ours1"
run "$REF_XL" create t.cfg || fail "create theirs1"
"$REF_XL" list | awk 'NR>1 {print $1, $2, $3, $4}' > ref.l
"$XL" list | awk 'NR>1 {print $1, $2, $3, $4}' > ours.l
diff -u ref.l ours.l || fail "the lists differ"
"$XL" destroy ours1; "$XL" destroy theirs1

# The xenstore tree (nodes, values, permissions) is libxl's: create the same
# guest with each toolstack and compare, ids, uuids, rings and times aside.
tree() { # NAME -> normalised dump of its /local/domain, /vm and /libxl nodes
    _d=$(domid_of $1); _vm=$(xenstore-read /local/domain/$_d/vm)
    { xenstore-ls -fp /local/domain/$_d; xenstore-ls -fp $_vm; xenstore-ls -fp /libxl/$_d
      xenstore-ls -fp /local/domain/0/backend/console/$_d; } |
    sed -e "s|/local/domain/$_d\\b|/local/domain/D|g; s|/libxl/$_d\\b|/libxl/D|g" \
        -e "s|$_vm|/vm/U|g; s|console/$_d/|console/D/|g" \
        -e "s|([nrwb]$_d|(nD|; s|,r$_d)|,rD)|; s|(n$_d,|(nD,|" \
        -e 's|\(ring-ref\|port\|start_time\|tty\|domid\|frontend-id\|uuid\|kernel\) = "[^"]*"|\1 = "X"|' |
    sort
}
tiny_cfg same.cfg same1 "action=wait"
"$REF_XL" create -q same.cfg || fail "Debian's create same1"
tree same1 > theirs.tree
"$XL" destroy same1; wait_gone same1 10
"$XL" create -q same.cfg || fail "our create same1"
tree same1 > ours.tree
"$XL" destroy same1
diff -u theirs.tree ours.tree || fail "our xenstore tree differs from libxl's"
echo ok
