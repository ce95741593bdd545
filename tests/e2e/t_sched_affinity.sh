# cpus= / cpus_soft= in every form xl.cfg allows: the vCPUs of a domain we
# create get the hard/soft affinity Debian's xl gives the same config (as
# both vcpu-list and Xen report it), the userdata JSON carries the maps as
# libxl's does, libxl's warnings appear, and the failures libxl refuses
# leave nothing behind.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

trap destroy_all_guests EXIT

# VCPU and the affinity columns of vcpu-list, without name/id/cpu/state/time
aff() { "$1" vcpu-list "$2" | awk 'NR > 1 {print $3, $(NF-2), $(NF-1), $NF}'; }
# the affinity and scheduler parts of the userdata JSON, one per line (the
# rest of the file is t_pv_interop's business)
json_of() {
    _id=$(domid_of "$1")
    cat /var/lib/xen/userdata-d.$_id.*.libxl-json | tr -d ' \n' |
        grep -oE '"vcpu_(hard|soft)_affinity":\[(\[[0-9,]*\],?)*\]|"numa_placement":"[A-Za-z]*"|"sched_params":\{[^}]*\}'
}

# case NAME LINES...: the same config created by Debian's xl (as rNAME)
# and by ours (as NAME) must show the same affinity and JSON.
case_same() {
    _c=$1; shift
    tiny_cfg "$_c.cfg" "$_c" "action=wait" "$@"
    tiny_cfg "r$_c.cfg" "r$_c" "action=wait" "$@"
    "$REF_XL" create "r$_c.cfg" 2> "r$_c.err" || fail "Debian's xl refused $_c: $(cat r$_c.err)"
    "$XL" create "$_c.cfg" 2> "$_c.err" || fail "our create of $_c failed: $(cat $_c.err)"
    cat "$_c.err"
    aff "$REF_XL" "r$_c" > "r$_c.aff"
    aff "$REF_XL" "$_c" > "$_c.aff"
    echo "$_c: $(tr '\n' ';' < $_c.aff)"
    diff -u "r$_c.aff" "$_c.aff" || fail "$_c: affinity differs from Debian's xl"
    aff "$XL" "$_c" > "$_c.ours"
    diff -u "$_c.aff" "$_c.ours" || fail "$_c: our vcpu-list differs"
    json_of "r$_c" > "r$_c.json"
    json_of "$_c" > "$_c.json"
    cat "$_c.json"
    diff -u "r$_c.json" "$_c.json" || fail "$_c: userdata JSON differs"
    # the warnings libxl gives (count of soft-affinity ones must match)
    _w=$(grep -c "All cpus in soft affinity of vcpu" "r$_c.err")
    _o=$(grep -c "All cpus in soft affinity of vcpu" "$_c.err")
    [ "$_w" = "$_o" ] || fail "$_c: $_o soft-affinity warnings, Debian's xl gave $_w"
    "$REF_XL" destroy "r$_c"
    "$XL" destroy "$_c"
}

case_same a1 'vcpus = 2' 'cpus = "1"'
grep -qx "0 1 / all" a1.aff || fail "a1: cpus=\"1\" not applied: $(cat a1.aff)"
case_same a2 'vcpus = 3' 'cpus = ["0", "1"]' 'cpus_soft = "1"'
grep -q "All cpus in soft affinity of vcpu 0 are unreachable" a2.err ||
    fail "a2: no warning for vcpu 0 (hard 0, soft 1)"
case_same a3 'vcpus = 2' 'maxvcpus = 4' 'cpus = "all"' 'cpus_soft = ["1", "0-1,^0"]'
case_same a4 'vcpus = 2' 'cpus = "nodes:0"' 'cpus_soft = "0"'
# CPUs past the host's in a range, and a soft affinity that Xen empties
case_same a5 'vcpus = 2' 'cpus = "0-3,^0"' 'cpus_soft = "5"'
grep -qx "0 1 / none" a5.aff || fail "a5: hard 0-3,^0 / soft 5: $(cat a5.aff)"

# vcpu-pin takes the same CPU-list grammar (items left to right from an
# empty map): our pin on one guest, Debian's on its twin, same result
tiny_cfg p.cfg p "action=wait" 'vcpus = 2'
tiny_cfg rp.cfg rp "action=wait" 'vcpus = 2'
"$REF_XL" create rp.cfg 2>/dev/null || fail "Debian's xl create rp"
"$XL" create p.cfg 2>/dev/null || fail "our create p"
for t in "$REF_XL rp" "$XL p"; do
    set -- $t
    "$1" vcpu-pin "$2" 0 "0-3,^0" "nodes:0" || fail "$1 vcpu-pin $2 0"
    "$1" vcpu-pin "$2" 1 - "^1,1" || fail "$1 vcpu-pin $2 1"
done
aff "$REF_XL" rp > rp.aff
aff "$REF_XL" p > p.aff
cat p.aff
diff -u rp.aff p.aff || fail "vcpu-pin: affinity differs from Debian's xl"
"$XL" vcpu-pin p 0 "1-x" 2> pin.err && fail "vcpu-pin accepted 1-x"
grep -q "Invalid pcpu range" pin.err || fail "vcpu-pin 1-x: $(cat pin.err)"
"$REF_XL" destroy rp
"$XL" destroy p

# refused as libxl refuses them, and nothing left behind
warm_up
snapshot before
tiny_cfg b1.cfg b1 "action=wait" 'vcpus = 2' 'cpus = "5"'
"$XL" create b1.cfg 2> b1.err && fail "cpus=\"5\" on a 2-CPU host was accepted"
cat b1.err
grep -q "Hard affinity completely outside of domain's cpupool!" b1.err ||
    fail "b1: not libxl's message"
tiny_cfg b2.cfg b2 "action=wait" 'vcpus = 2' 'cpus = ["5"]'
"$XL" create b2.cfg 2> b2.err && fail "cpus=[\"5\"] was accepted"
cat b2.err
grep -q "setting affinity failed on vcpu \`0'" b2.err || fail "b2: not libxl's message"
snapshot after
no_trace before after "refused affinity"
echo ok
