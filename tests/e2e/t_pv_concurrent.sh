# Ten `xl create`s started at once from separate shells all succeed (the
# host lock serialises what must be), and ten destroys at once clean up.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

warm_up
snapshot before
i=0
while [ $i -lt 10 ]; do
    tiny_cfg c$i.cfg conc$i "action=wait"
    ("$XL" create -q c$i.cfg > c$i.out 2>&1; echo $? > c$i.rc) &
    i=$((i + 1))
done
wait
i=0
while [ $i -lt 10 ]; do
    [ "$(cat c$i.rc)" = 0 ] || { cat c$i.out; fail "create conc$i failed"; }
    i=$((i + 1))
done
n=$("$REF_XL" list | grep -c '^conc[0-9] ')
[ "$n" = 10 ] || { "$REF_XL" list; fail "expected 10 domains, have $n"; }
ids=$("$REF_XL" list | awk '/^conc/ {print $2}' | sort -u | wc -l)
[ "$ids" = 10 ] || fail "domids are not distinct"
i=0
while [ $i -lt 10 ]; do
    wait_console conc$i "waiting for control/shutdown" 30 || fail "conc$i did not boot"
    i=$((i + 1))
done

# same name from two shells at once: exactly one wins, the other fails as
# Debian's xl does for a name taken (status 3, libxl's ERROR_FAIL)
tiny_cfg same.cfg same1 "action=wait"
("$XL" create -q same.cfg > s1.out 2>&1; echo $? > s1.rc) &
("$XL" create -q same.cfg > s2.out 2>&1; echo $? > s2.rc) &
wait
[ "$(cat s1.rc)$(cat s2.rc)" = 03 ] || [ "$(cat s1.rc)$(cat s2.rc)" = 30 ] ||
    { cat s1.out s2.out; fail "two creates of same1 gave $(cat s1.rc)/$(cat s2.rc)"; }
"$XL" destroy same1

i=0
while [ $i -lt 10 ]; do
    ("$XL" destroy conc$i > d$i.out 2>&1; echo $? > d$i.rc) &
    i=$((i + 1))
done
wait
i=0
while [ $i -lt 10 ]; do
    [ "$(cat d$i.rc)" = 0 ] || { cat d$i.out; fail "destroy conc$i failed"; }
    i=$((i + 1))
done
sleep 1
snapshot after
no_trace before after "10 concurrent creates and destroys"
echo ok
