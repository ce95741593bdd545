# Our `xl list` (and -v, a domain argument, domid, domname, uptime) match
# Debian's xl.  The Time(s) column moves between calls and is left out.
. "$PVSTACK/tests/e2e/lib.sh"

cols() { sed -E 's/[[:space:]]+[0-9]+\.[0-9]$//; s/\tTime\(s\)$//'; }

run "$XL" list || fail "xl list failed"
cols < last.out > ours
"$REF_XL" list | cols > ref
diff -u ref ours || fail "xl list differs"
grep -q '^Domain-0  *0 ' last.out || fail "no Domain-0 line"

# -v adds the UUID, reason code and security label; compare without time.
"$XL" list -v | sed 's/ [0-9]*\.[0-9] / T /' > ours.v
"$REF_XL" list -v | sed 's/ [0-9]*\.[0-9] / T /' > ref.v
diff -u ref.v ours.v || fail "xl list -v differs"

for q in 0 Domain-0; do
    "$XL" list "$q" | cols > ours.q
    "$REF_XL" list "$q" | cols > ref.q
    diff -u ref.q ours.q || fail "xl list $q differs"
done

# Errors: unknown name and unknown id, with xl's messages and status.
"$XL" list nosuchdomain > /dev/null 2> ours.err; rc=$?
[ $rc != 0 ] || fail "xl list nosuchdomain succeeded"
"$REF_XL" list nosuchdomain > /dev/null 2> ref.err
diff -u ref.err ours.err || fail "error for an unknown name differs from xl's"
"$XL" list 4711 > /dev/null 2> ours.err; rc=$?
[ $rc != 0 ] || fail "xl list 4711 succeeded"
"$REF_XL" list 4711 > /dev/null 2> ref.err
diff -u ref.err ours.err || fail "error for an unknown id differs from xl's"

[ "$("$XL" domid Domain-0)" = 0 ] || fail "xl domid Domain-0 is not 0"
[ "$("$XL" domname 0)" = Domain-0 ] || fail "xl domname 0 is not Domain-0"
"$XL" domid nosuch 2>/dev/null && fail "xl domid nosuch succeeded"
"$XL" domname 99 2>/dev/null && fail "xl domname 99 succeeded"

run "$XL" uptime || fail "xl uptime failed"
head -n1 last.out | grep -q '^Name  *ID Uptime$' || fail "uptime header"
grep -q '^Domain-0  *0  *[0-9]*:[0-9][0-9]:[0-9][0-9]$' last.out || fail "uptime dom0 line"

run "$XL" dmesg > /dev/null || fail "xl dmesg failed"
# The boot banner is gone from Xen's 16 KB console ring once enough domains
# were built (every HVM-container build logs ~30 "HVM dN save" lines), so
# check that ours shows the ring as it is: Debian's latest line is in ours.
"$REF_XL" dmesg | tail -n 1 > ref.last
[ -s ref.last ] || fail "Debian's xl dmesg is empty"
"$XL" dmesg > ours.dmesg
grep -q '^(XEN) ' ours.dmesg || fail "xl dmesg shows no hypervisor lines"
grep -qxF -f ref.last ours.dmesg || fail "xl dmesg lacks Debian's latest line: $(cat ref.last)"
echo ok
