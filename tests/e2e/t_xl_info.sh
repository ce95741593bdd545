# Our `xl info` matches Debian's xl on the same host, line for line, except
# free_memory (Xen scrubs memory in the background, so it may move between
# the two calls).
. "$PVSTACK/tests/e2e/lib.sh"

run "$XL" info || fail "xl info failed"
cp last.out ours
run "$REF_XL" info || fail "Debian's xl info failed"
cp last.out ref
grep -q '^xen_version *: 4\.17' ours || fail "no xen_version 4.17 in our output"
grep -v '^free_memory' ours > ours.cmp
grep -v '^free_memory' ref > ref.cmp
diff -u ref.cmp ours.cmp || fail "xl info differs from Debian's xl"
grep -Eq '^free_memory *: [0-9]+$' ours || fail "free_memory missing or not a number"

# A key selects one value, by prefix, as in xl.
[ "$("$XL" info xen_caps)" = "$("$REF_XL" info xen_caps)" ] || fail "xl info xen_caps differs"
[ "$("$XL" info nr_cpus)" = 2 ] || fail "xl info nr_cpus is not 2"

run "$XL" info -n || fail "xl info -n failed"
grep -v '^free_memory\|^[ 0-9]*:  *[0-9]*  *[0-9]*  *[0-9,]*$' last.out > ours.n
"$REF_XL" info -n | grep -v '^free_memory\|^[ 0-9]*:  *[0-9]*  *[0-9]*  *[0-9,]*$' > ref.n
diff -u ref.n ours.n || fail "xl info -n differs from Debian's xl"
echo ok
