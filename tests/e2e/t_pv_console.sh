# xl console attaches to the console xenconsoled serves for our domain, and
# xl create -c attaches right after creating it.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

tiny_cfg c.cfg con1 "action=wait ticks=1"
echo "\$ timeout 6 xl create -c c.cfg"
timeout 6 "$XL" create -c c.cfg > create-c.out 2>&1 < /dev/null
cat create-c.out
grep -q "TINYPV: hello type=pv" create-c.out || fail "create -c did not show the guest's console"
"$REF_XL" list con1 > /dev/null || fail "con1 is not running after create -c"

echo "\$ timeout 4 xl console con1"
timeout 4 "$XL" console con1 > console.out 2>&1 < /dev/null
cat console.out
grep -q "TINYPV: tick" console.out || fail "xl console showed no console output"

"$XL" console nosuch 2> err && fail "console of an unknown domain succeeded"
grep -q "nosuch is an invalid domain identifier" err || fail "console error message"
"$XL" destroy con1 || fail "destroy"
echo ok
