# vcpu-list prints what Debian's xl prints; vcpu-pin changes affinity as
# Debian's xl then reports it.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

tiny_cfg v.cfg v1 "action=wait" "vcpus = 1" "maxvcpus = 2"
run "$XL" create v.cfg || fail "create failed"
wait_console v1 "waiting for control/shutdown" 20 || fail "v1 did not boot"

# Time(s) and the running/blocked state move between calls: compare the rest
norm() { awk '{ $5 = ""; $6 = ""; print }'; }
"$XL" vcpu-list v1 | norm > ours || fail "our vcpu-list failed"
"$REF_XL" vcpu-list v1 | norm > ref
cat ours
diff -u ref ours || fail "vcpu-list differs from Debian's"
"$XL" vcpu-list | norm > ours.all
"$REF_XL" vcpu-list | norm > ref.all
diff -u ref.all ours.all || fail "vcpu-list (all domains) differs"

run "$XL" vcpu-pin v1 0 0 || fail "vcpu-pin failed"
"$REF_XL" vcpu-list v1 | awk '$3 == 0 {print $(NF-2), $(NF-1), $NF}' > aff
grep -qx "0 / all" aff || fail "affinity after vcpu-pin v1 0 0: $(cat aff)"
run "$XL" vcpu-pin v1 all all - || fail "vcpu-pin all failed"
"$REF_XL" vcpu-list v1 | awk '$3 == 0 {print $(NF-2), $(NF-1), $NF}' > aff
grep -qx "all / all" aff || fail "affinity after vcpu-pin v1 all all: $(cat aff)"
# Mistakes and --force: the same messages (libxl's log lines aside) and
# exit statuses as Debian's xl.  Affinity 0 outside vCPU 1's range (1 is
# offline but exists; 5 does not).
same() { # ARGS...: both xls, same exit status and xl's own message
    "$XL" vcpu-pin "$@" > o.out 2> o.err; oc=$?
    "$REF_XL" vcpu-pin "$@" > r.out 2> r.err; rc=$?
    grep -v '^libxl: ' r.err > r.msg; grep -v '^Setting vcpu affinity' o.err > o.msg
    note "vcpu-pin $*: ours $oc, Debian's $rc: $(cat o.msg)"
    [ $oc = $rc ] || fail "vcpu-pin $*: exit $oc, Debian's $rc"
    diff -u r.msg o.msg || fail "vcpu-pin $*: message differs"
}
same v1 x 0
same -f v1 all 0
same v1 5 0
same v1 all 0
same -f v1 0 0
"$REF_XL" vcpu-list v1 | awk '$3 == 0 {print $(NF-2), $(NF-1), $NF}' > aff
grep -qx "0 / all" aff || fail "affinity after vcpu-pin -f v1 0 0: $(cat aff)"

"$XL" vcpu-set v1 junk 2> err && fail "vcpu-set junk succeeded"
grep -q "Error: Invalid argument." err || fail "vcpu-set junk message"
"$XL" vcpu-set v1 3 2> err && fail "vcpu-set above maxvcpus succeeded"

"$XL" destroy v1
echo ok
