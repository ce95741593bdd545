# Infrastructure proof: the busybox guest fixture boots as a PV guest of the
# real Xen (created with Debian's xl, since pvstack's create is not in yet)
# and prints its marker.  While it runs, our xl list shows it exactly as
# Debian's xl does.
. "$PVSTACK/tests/e2e/lib.sh"

guest_cfg g.cfg fixture pv "pvtest.hold=-1"
run "$REF_XL" create g.cfg || fail "Debian's xl create failed"
wait_console fixture 'PVTEST-RESULT ok' 60 || fail "guest marker never appeared"
grep PVTEST-MARKER /var/log/xen/console/guest-fixture.log
grep -q 'PVTEST-MARKER kernel=.* type=PV ' /var/log/xen/console/guest-fixture.log || fail "marker lacks type=PV"

# Name, ID, Mem, VCPUs: the guest's state may flip between r and b.
cols() { awk '{print $1, $2, $3, $4}'; }
"$XL" list | cols > ours
"$REF_XL" list | cols > ref
diff -u ref ours || fail "xl list with a guest differs"
grep -q '^fixture  *[1-9]' ours || fail "guest not in our xl list"
"$XL" list fixture | grep -Eq "^fixture +[0-9]+ +128 +1 +[r-][b-]---- " || fail "guest line or state wrong in our xl list fixture"
id=$("$XL" domid fixture) || fail "xl domid fixture"
[ "$("$XL" domname "$id")" = fixture ] || fail "xl domname $id"
"$XL" uptime fixture | grep -q '^fixture ' || fail "xl uptime fixture"

run "$REF_XL" destroy fixture || fail "destroy failed"
wait_gone fixture || fail "guest still there after destroy"
echo ok
