# pool="NAME" (or a pool id) in xl.cfg: the domain we create is born in
# that cpupool and stays there across a reboot from inside the guest, its
# scheduler parameters go through the pool's scheduler, the JSON (-N,
# userdata, list -l) and /vm/<uuid> match Debian's xl for the same config,
# and an unknown pool, a pool without a name in xenstore (Pool-0 too) or a
# hard affinity outside the pool is refused with libxl's message, leaving
# nothing behind.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

cleanup() {
    destroy_all_guests
    credit_pool_destroy p1 >/dev/null 2>&1
    "$REF_XL" cpupool-cpu-add Pool-0 1 >/dev/null 2>&1
    [ -n "${pool0:-}" ] && xenstore-write /local/pool/0/name "$pool0"
}
trap cleanup EXIT

# pool_of NAME: the Cpupool column of Debian's `xl list -c`
pool_of() { "$REF_XL" list -c "$1" 2>/dev/null | awk 'NR == 2 {print $NF}'; }
pools_json() { grep -E '"pool(id|_name)"' | tr -d ' ,'; }
vm_keys() {
    xenstore-ls -f "$(xenstore-read /local/domain/$(domid_of "$1")/vm)" |
        sed 's|^/vm/[^/]*||; s/ = .*//' | grep -v '^/start_time$' | sort
}

[ "$("$REF_XL" info | awk '/^nr_cpus/ {print $3}')" -ge 2 ] ||
    fail "the sandbox needs 2 pCPUs for a second cpupool"
run "$REF_XL" cpupool-cpu-remove Pool-0 1 || fail "cpupool-cpu-remove"
printf 'name = "p1"\nsched = "credit"\ncpus = ["1"]\n' > p1.cfg
run "$REF_XL" cpupool-create p1.cfg || fail "cpupool-create"
p1id=
for i in $(xenstore-list /local/pool); do
    [ "$(xenstore-read /local/pool/$i/name)" = p1 ] && p1id=$i
done
[ -n "$p1id" ] && [ "$p1id" != 0 ] || fail "no id for pool p1"
note "p1 is pool $p1id"

# the same config through both toolstacks
tiny_cfg a.cfg a1 "action=wait" 'pool = "p1"' 'vcpus = 2' 'cpu_weight = 512'
tiny_cfg ra.cfg ra1 "action=wait" 'pool = "p1"' 'vcpus = 2' 'cpu_weight = 512'

"$XL" -N create a.cfg 2>/dev/null | pools_json > a.N
"$REF_XL" -N create a.cfg 2>/dev/null | pools_json > ra.N
cat a.N
[ -s ra.N ] || fail "Debian's xl -N has no pool field"
diff -u ra.N a.N || fail "xl -N create: pool fields differ from Debian's xl"

run "$REF_XL" create ra.cfg || fail "Debian's xl create ra1"
run "$XL" create a.cfg || fail "our create of a pool=\"p1\" domain failed"
[ "$(pool_of a1)" = p1 ] || fail "a1 is in pool '$(pool_of a1)', not p1"
[ "$(pool_of ra1)" = p1 ] || fail "Debian's ra1 is not in p1"
"$XL" list -c a1 > ours.list || fail "our xl list -c a1"
cat ours.list
[ "$(awk 'NR == 2 {print $NF}' ours.list)" = p1 ] || fail "our list -c: not p1"
# a vCPU of a domain in p1 can only run on p1's pCPU
"$REF_XL" vcpu-list a1
[ "$("$REF_XL" vcpu-list a1 | awk 'NR == 2 {print $4}')" = 1 ] ||
    fail "a1's vcpu 0 is not on pCPU 1"

# weight= went through p1's scheduler (credit; Pool-0 is credit2 here)
"$REF_XL" sched-credit -d a1
"$REF_XL" sched-credit -d a1 | grep -q "^a1 .* 512 " ||
    fail "cpu_weight=512 not set by the credit scheduler of p1"

# the JSON libxl keeps: pool_name as written, no resolved poolid
id=$(domid_of a1); rid=$(domid_of ra1)
cat /var/lib/xen/userdata-d.$id.*.libxl-json | pools_json > a.ud
cat /var/lib/xen/userdata-d.$rid.*.libxl-json | pools_json > ra.ud
cat a.ud
grep -qx '"pool_name":"p1"' a.ud || fail "userdata lacks pool_name"
diff -u ra.ud a.ud || fail "userdata pool fields differ from Debian's xl"
"$XL" list -l a1 | pools_json > a.l
"$REF_XL" list -l ra1 | pools_json > ra.l
"$REF_XL" list -l a1 | pools_json > a.ref.l
diff -u ra.l a.l || fail "our list -l: pool fields differ from Debian's"
diff -u ra.l a.ref.l || fail "Debian's list -l of our a1 differs"

# /vm/<uuid>: what libxl 4.17 writes (no pool_name node since 2012)
vm_keys a1 > a.vm
vm_keys ra1 > ra.vm
diff -u ra.vm a.vm || fail "/vm/<uuid> of a1 differs from Debian's"
xenstore-read "$(xenstore-read /local/domain/$id/vm)/pool_name" 2>/dev/null &&
    fail "we wrote /vm/<uuid>/pool_name, libxl 4.17 does not"
run "$XL" destroy a1
run "$REF_XL" destroy ra1

# a pool id works as well as a name
tiny_cfg n.cfg n1 "action=wait" "pool = \"$p1id\""
run "$XL" create n.cfg || fail "pool=\"$p1id\" refused"
[ "$(pool_of n1)" = p1 ] || fail "n1 is in pool '$(pool_of n1)', not p1"
run "$XL" destroy n1
wait_gone n1 10

# refusals: unknown pool, hard affinity outside the pool's pCPUs
warm_up
snapshot before
tiny_cfg u.cfg u1 "action=wait" 'pool = "nosuch"'
"$XL" create u.cfg 2> u.err; ost=$?
[ $ost = 0 ] && fail "pool=\"nosuch\" was accepted"
cat u.err
grep -q "Illegal pool specified: nosuch" u.err || fail "not libxl's message"
"$REF_XL" create u.cfg 2> ru.err; rst=$?
[ $rst = 0 ] && fail "Debian's xl accepted nosuch"
grep -q "Illegal pool specified: nosuch" ru.err || fail "Debian's message changed?"
[ $ost = $rst ] || fail "unknown pool: exit status $ost, Debian's xl $rst"
tiny_cfg u2.cfg u2 "action=wait" 'pool = "7"'
"$XL" create u2.cfg 2> u2.err && fail "pool=\"7\" (no such id) was accepted"
grep -q "Illegal pool specified: 7" u2.err || fail "pool 7: $(cat u2.err)"
tiny_cfg h.cfg h1 "action=wait" 'pool = "p1"' 'vcpus = 1' 'cpus = "0"'
"$XL" create h.cfg 2> h.err; ost=$?
[ $ost = 0 ] && fail "hard affinity 0 accepted in p1 (pCPU 1)"
cat h.err
grep -q "Hard affinity completely outside of domain's cpupool!" h.err ||
    fail "h1: not libxl's message"
"$REF_XL" create h.cfg 2> rh.err; rst=$?
[ $rst = 0 ] && fail "Debian's xl accepted h1"
grep -q "Hard affinity completely outside of domain's cpupool!" rh.err ||
    fail "Debian's xl refused h1 differently: $(cat rh.err)"
[ $ost = $rst ] || fail "affinity outside the pool: exit status $ost, Debian's xl $rst"
# libxl refuses any create whose pool has no name in xenstore
# (libxl_cpupoolid_is_valid), Pool-0 without pool= included
pool0=$(xenstore-read /local/pool/0/name) || fail "Pool-0 has no name to begin with"
xenstore-rm /local/pool/0/name
tiny_cfg z.cfg z1 "action=wait"
"$XL" create z.cfg 2> z.err; ost=$?
"$REF_XL" create z.cfg 2> rz.err; rst=$?
xenstore-write /local/pool/0/name "$pool0"
cat z.err rz.err
[ $ost = 0 ] && fail "created in Pool-0 without its name"
grep -q "Illegal pool specified: (null)" z.err || fail "nameless Pool-0: not libxl's message"
grep -q "Illegal pool specified: (null)" rz.err || fail "Debian's xl refused it differently"
[ $ost = $rst ] || fail "nameless Pool-0: exit status $ost, Debian's xl $rst"
snapshot after
no_trace before after "refused pool creates"

# a reboot from inside the guest: the monitor's restart keeps the pool
tiny_cfg rb.cfg rb1 "action=reboot delay=2" 'on_reboot = "restart"' 'pool = "p1"'
run "$XL" create rb.cfg || fail "create rb1"
id1=$(domid_of rb1)
[ "$(pool_of rb1)" = p1 ] || fail "rb1 not created in p1"
id2=$(wait_new_domid rb1 "$id1" 30) || fail "rb1 was not restarted (still $id1)"
n=0
until p=$(pool_of rb1); [ -n "$p" ] || [ $n -ge 25 ]; do
    sleep 0.2; n=$((n + 1))
done
note "rb1: domid $id1 -> $id2, pool $p"
[ "$p" = p1 ] || fail "rb1 restarted in pool '$p', not p1"
n=0
until "$XL" destroy rb1 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 25 ] || fail "destroy rb1 failed"; sleep 0.2
done
wait_gone rb1 10 || fail "rb1 still there"
wait_gone "${id2}" 10 || fail "Xen still lists rb1 (domain $id2)"

run credit_pool_destroy p1 || fail "cpupool-destroy"
run "$REF_XL" cpupool-cpu-add Pool-0 1 || fail "cpupool-cpu-add"
echo ok
