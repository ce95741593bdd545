# With several guests in different states (PV and PVH, running, paused, shut
# down but kept), our xl list, list -v, domid, domname and uptime agree with
# Debian's xl.  The guests are tinypv kernels created by Debian's xl.
. "$PVSTACK/tests/e2e/lib.sh"
[ -f "$TINYPV" ] || fail "$TINYPV missing (make builds it)"

tinypv_cfg a.cfg many-a pv
tinypv_cfg b.cfg many-b pvh
tinypv_cfg c.cfg many-c pv
# crashes at once and is kept (on_crash=preserve): state "s" with reason "c"
tinypv_cfg d.cfg many-d pv "action=crash"
echo 'on_crash = "preserve"' >> d.cfg
for x in a b d; do "$REF_XL" create $x.cfg >/dev/null 2>&1 || fail "create $x"; done
"$REF_XL" create -p c.cfg >/dev/null 2>&1 || fail "create -p c"
i=0
until "$REF_XL" list many-d 2>/dev/null | grep -q ' --.sc- \| ---sc- '; do
    i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.2
done

# Time moves and running/blocked flips for live guests: compare name, id,
# memory, vcpus, and the paused/shutdown/reason/dying flags.
norm() { sed -E 's/[[:space:]]+[0-9]+\.[0-9]//; s/\tTime\(s\)//' |
         awk 'NR == 1 {print; next} {st = substr($5, 3); $5 = st; print}'; }
"$XL" list | norm > ours
"$REF_XL" list | norm > ref
cat ours
diff -u ref ours || fail "xl list differs with several guests"
[ "$(grep -c '^many-' ours)" = 4 ] || fail "not all four guests listed"
grep -q '^many-c [0-9]* 32 1 p---$' ours || fail "paused guest not shown paused"
grep -q '^many-d [0-9]* 32 1 -sc-$' ours || fail "crashed guest not shown s/c"

"$XL" list -v | norm > ours.v
"$REF_XL" list -v | norm > ref.v
diff -u ref.v ours.v || fail "xl list -v differs"

for opt in -c -Z -n "-v -c -n"; do
    "$XL" list $opt | norm > ours.o
    "$REF_XL" list $opt | norm > ref.o
    diff -u ref.o ours.o || fail "xl list $opt differs"
done
"$XL" list -n | grep -q '^Domain-0 .* all$' || fail "xl list -n: dom0 affinity is not 'all'"

for n in many-a many-b many-c many-d; do
    id=$("$XL" domid $n) || fail "xl domid $n"
    [ "$id" = "$("$REF_XL" domid $n)" ] || fail "domid $n differs"
    [ "$("$XL" domname "$id")" = $n ] || fail "domname $id"
    "$XL" list $n | norm > ours.1
    "$REF_XL" list $n | norm > ref.1
    diff -u ref.1 ours.1 || fail "xl list $n differs"
done

"$XL" uptime | awk '{print $1, $2}' > ours.u
"$REF_XL" uptime | awk '{print $1, $2}' > ref.u
diff -u ref.u ours.u || fail "xl uptime lists different domains"

for n in many-a many-b many-c many-d; do "$REF_XL" destroy $n || fail "destroy $n"; done
echo ok
