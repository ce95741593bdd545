# xl.conf's global affinity masks (vm.cpumask, vm.pv.cpumask,
# vm.hvm.cpumask; PVH counts as HVM), read from /etc/xen/xl.conf by both
# toolstacks: they narrow the hard affinity of a new domain (unless
# create -i) and of `xl vcpu-pin` (unless -i /
# --ignore-global-affinity-masks) exactly as Debian's xl does, and a pin
# left empty by them is refused with xl's message.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

CONF=/etc/xen/xl.conf
cp "$CONF" saved-xl.conf || fail "cannot save $CONF"
cleanup() {
    cp saved-xl.conf "$CONF"
    destroy_all_guests
}
trap cleanup EXIT
unset PVSTACK_XL_CONF       # ours must find /etc/xen/xl.conf by itself
conf() { { cat saved-xl.conf; for l in "$@"; do echo "$l"; done; } > "$CONF"; }

# VCPU and the hard / soft columns of Debian's vcpu-list
aff() { "$REF_XL" vcpu-list "$1" | awk 'NR > 1 {print $3, $(NF-2), $(NF-1), $NF}'; }
hard_json() { tr -d ' \n' | grep -oE '"vcpu_hard_affinity":\[(\[[0-9,]*\],?)*\]'; }
# same_aff OURS REF: our domain and Debian's twin have the same affinity
same_aff() {
    aff "$1" > "$1.aff"; aff "$2" > "$2.aff"
    echo "$1: $(tr '\n' ';' < "$1.aff")"
    diff -u "$2.aff" "$1.aff" || fail "$1: affinity differs from Debian's $2"
}
# pin ARGS...: our vcpu-pin on m1 and Debian's on rm1, same exit status
pin() {
    "$XL" vcpu-pin "$@" > ours.pin 2>&1; _a=$?
    _r=; for _w in "$@"; do [ "$_w" = m1 ] && _w=rm1; _r="$_r $_w"; done
    "$REF_XL" vcpu-pin $_r > ref.pin 2>&1; _b=$?
    echo "\$ xl vcpu-pin $* -> $_a (Debian's: $_b)"; cat ours.pin
    [ "$_a" = "$_b" ] || fail "vcpu-pin $*: exit $_a, Debian's xl $_b: $(cat ref.pin)"
}

# vm.cpumask = "1": new domains get hard affinity 1
conf 'vm.cpumask = "1"'
tiny_cfg m.cfg m1 "action=wait" 'vcpus = 2'
tiny_cfg rm.cfg rm1 "action=wait" 'vcpus = 2'
"$XL" -N create m.cfg 2>/dev/null | hard_json > m.N
"$REF_XL" -N create m.cfg 2>/dev/null | hard_json > rm.N
cat m.N
[ -s rm.N ] || fail "Debian's xl -N shows no hard affinity with vm.cpumask"
diff -u rm.N m.N || fail "xl -N: vcpu_hard_affinity differs from Debian's"
run "$REF_XL" create rm.cfg || fail "Debian's xl create rm1"
run "$XL" create m.cfg || fail "our create m1"
same_aff m1 rm1
grep -qx "0 1 / all" m1.aff || fail "vm.cpumask=1 not applied: $(cat m1.aff)"

# vcpu-pin narrows the hard map with the masks
pin m1 0 0-1
pin m1 all all
same_aff m1 rm1
grep -q "^0 all " m1.aff && fail "vcpu-pin ignored vm.cpumask"
pin m1 0 0
grep -q "vcpu hard affinity map is empty" ours.pin || fail "not xl's message"
same_aff m1 rm1
# ... unless told not to
pin -i m1 0 0
pin --ignore-global-affinity-masks m1 1 0-1
same_aff m1 rm1
grep -qx "0 0 / all" m1.aff || fail "vcpu-pin -i: vcpu 0 not on 0"
grep -qx "1 all / all" m1.aff || fail "vcpu-pin --ignore-...: vcpu 1 not all"
# soft affinity is never masked
pin m1 0 - 0
same_aff m1 rm1
run "$XL" destroy m1
run "$REF_XL" destroy rm1

# create -i: no masks
tiny_cfg i.cfg i1 "action=wait" 'vcpus = 2'
run "$XL" create -i i.cfg || fail "create -i"
aff i1 > i1.aff; cat i1.aff
grep -q " 1 / all" i1.aff && fail "create -i applied vm.cpumask"
run "$XL" destroy i1

# the type masks: PV takes vm.pv.cpumask, PVH vm.hvm.cpumask
conf 'vm.pv.cpumask = "0"' 'vm.hvm.cpumask = "1"'
tiny_cfg v.cfg v1 "action=wait" 'vcpus = 2'
tiny_cfg h.cfg h1 "action=wait" 'vcpus = 2' 'type = "pvh"'
for c in v h; do
    "$XL" -N create $c.cfg 2>/dev/null | hard_json > $c.N
    "$REF_XL" -N create $c.cfg 2>/dev/null | hard_json > r$c.N
    echo "$c: $(cat $c.N)"
    diff -u r$c.N $c.N || fail "$c: vcpu_hard_affinity differs from Debian's"
done
grep -q '\[\[0\],\[0\]\]' v.N || fail "PV: vm.pv.cpumask not applied"
grep -q '\[\[1\],\[1\]\]' h.N || fail "PVH: vm.hvm.cpumask not applied"
# and vcpu-pin of a PVH domain uses vm.hvm.cpumask
tiny_cfg m.cfg m1 "action=wait" 'vcpus = 2' 'type = "pvh"'
tiny_cfg rm.cfg rm1 "action=wait" 'vcpus = 2' 'type = "pvh"'
run "$REF_XL" create rm.cfg || fail "Debian's xl create PVH rm1"
run "$XL" create m.cfg || fail "our create of PVH m1"
same_aff m1 rm1
pin m1 all 0-1
same_aff m1 rm1
grep -qx "0 1 / all" m1.aff || fail "PVH vcpu-pin: not vm.hvm.cpumask"
pin m1 0 0
same_aff m1 rm1
run "$XL" destroy m1
run "$REF_XL" destroy rm1
echo ok
