# Host NAT on real Xen (network-nat + vif-nat, without iptables or scripts):
# a guest behind a vif-nat vif (our xl, in-process hotplug) pings an
# "outside" address that lives in a separate network namespace of dom0,
# reached over a veth from dom0's uplink.  The outside has no route to the
# guests' subnet, so the reply only comes back if the request arrived from
# the uplink's address: masqueraded by netback-config's nf_tables rule,
# which conntrack confirms.  Idempotent nat-up, then nat-down: our table is
# gone and a new guest can no longer reach the outside.
. "$PVSTACK/tests/e2e/lib.sh"
NBC="$PV_BIN/netback-config"
IP=/usr/sbin/ip              # iproute2 (netns, veth peers): test scaffolding
SUBNET=192.168.100.0/24
GUEST=192.168.100.9
UPLINK_IP=198.51.100.1
OUTSIDE_IP=198.51.100.2

FWD0=$(cat /proc/sys/net/ipv4/ip_forward)
# (nat-down leaves ip_forward on, as vifs may need it: put back dom0's.)
cleanup() {
    echo "$FWD0" > /proc/sys/net/ipv4/ip_forward
    "$XL" destroy nat1 >/dev/null 2>&1
    "$XL" destroy nat2 >/dev/null 2>&1
    "$NBC" nat-down natup0 --subnet $SUBNET >/dev/null 2>&1
    $IP link del natup0 2>/dev/null
    $IP netns del natout 2>/dev/null
}
trap cleanup EXIT

# The fixture has no gateway option: a /1 prefix puts the outside on-link
# for the guest, and the proxy ARP vif-nat enables on the vif answers for
# it, as a default route via the router address would.
nat_guest() { # NAME
    guest_cfg "$1.cfg" "$1" pv "pvtest.nics=1 pvtest.ip=$GUEST/1 pvtest.ping=$OUTSIDE_IP pvtest.hold=-1"
    echo "vif = [ \"script=vif-nat,ip=$GUEST\" ]" >> "$1.cfg"
    run "$XL" create "$1.cfg" || fail "create $1 failed"
    wait_console "$1" "PVTEST-RESULT" 120 || fail "$1 never finished its checks"
    grep PVTEST "/var/log/xen/console/guest-$1.log"
}

[ -x $IP ] || fail "no iproute2 ip in dom0 for the test's namespace"

# ---- the outside world: a namespace with one veth end, no route back ----
run $IP netns add natout || fail "cannot make the outside namespace"
run $IP link add natup0 type veth peer name natout0 netns natout || fail "cannot make the veth"
$IP -n natout addr add $OUTSIDE_IP/24 dev natout0 || fail "outside address"
$IP -n natout link set natout0 up && $IP -n natout link set lo up || fail "outside up"
$IP addr add $UPLINK_IP/24 dev natup0 && $IP link set natup0 up || fail "uplink address"
$IP -n natout route get $GUEST >/dev/null 2>&1 && fail "the outside can route to the guests"

# ---- nat-up: once, then again changing nothing ----
echo 0 > /proc/sys/net/ipv4/ip_forward
"$NBC" nat-up nosuch0 2> err && fail "nat-up of a missing uplink worked"
cat err; grep -q "uplink nosuch0 does not exist" err || fail "unclear missing-uplink error"
"$NBC" nat-up natup0 --subnet 10.0.0/8 2> err && fail "a bad subnet was accepted"
cat err; grep -q "invalid NAT subnet '10.0.0/8'" err || fail "unclear bad-subnet error"
"$NBC" --json nat-list | grep -q '"exists": false' || fail "failed nat-ups left our table behind"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "failed nat-ups turned on forwarding"

run "$NBC" nat-up natup0 --subnet $SUBNET || fail "nat-up failed"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "nat-up left ip_forward off"
run "$NBC" --json nat-list || fail "nat-list failed"
cp last.out list1
grep -q '"exists": true' list1 && grep -q '"uplink": "natup0"' list1 &&
    grep -q "\"subnet\": \"$SUBNET\"" list1 || fail "nat-list lacks the rule"
run "$NBC" nat-up natup0 --subnet $SUBNET || fail "second nat-up failed"
"$NBC" --json nat-list > list2
diff -u list1 list2 || fail "a second nat-up changed the rules (handles included)"
# host-nat UPLINK is nat-up under the host-mode name: the same rule.
run "$NBC" host-nat natup0 --subnet $SUBNET || fail "host-nat UPLINK failed"
"$NBC" --json nat-list > list3
diff -u list1 list3 || fail "host-nat UPLINK differs from nat-up"

# ---- a guest behind vif-nat reaches the outside, masqueraded ----
nat_guest nat1
wait_console nat1 "PVTEST-CHECK ip ok" 1 || fail "nat1 could not set its address"
wait_console nat1 "PVTEST-CHECK ping ok" 1 || fail "nat1 could not reach the outside through NAT"
# vif-nat's side of it: the router address (guest + 127) on the vif, proxy ARP.
d=$("$REF_XL" domid nat1)
$IP -4 addr show dev vif$d.0 | grep -q "inet 192.168.100.136/32" ||
    fail "vif-nat's router address is not on vif$d.0"
[ "$(cat /proc/sys/net/ipv4/conf/vif$d.0/proxy_arp)" = 1 ] || fail "no proxy_arp on vif$d.0"
# conntrack: the request from the guest's address, the reply addressed to
# the uplink's -- what the outside saw as the source.
grep "src=$GUEST dst=$OUTSIDE_IP" /proc/net/nf_conntrack
grep "src=$GUEST dst=$OUTSIDE_IP .* src=$OUTSIDE_IP dst=$UPLINK_IP " /proc/net/nf_conntrack >/dev/null ||
    fail "no masqueraded connection in conntrack"
$IP -n natout neigh show | grep -q "^$UPLINK_IP " || fail "the outside never talked to the uplink address"
run "$XL" destroy nat1 || fail "destroy nat1 failed"
wait_gone nat1 10 || fail "nat1 still exists"

# ---- nat-down: the rule and our table go; the outside is out of reach ----
run "$NBC" nat-down natup0 --subnet $SUBNET || fail "nat-down failed"
run "$NBC" --json nat-list
grep -q '"exists": false' last.out || fail "nat-down left our table behind"
grep -q '"uplink"' last.out && fail "nat-down left rules"
run "$NBC" nat-list
grep -q "no table ip pvstack" last.out || fail "nat-list still shows our table"
run "$NBC" nat-down natup0 --subnet $SUBNET || fail "a second nat-down failed"
nat_guest nat2
wait_console nat2 "PVTEST-CHECK ping FAIL" 1 || fail "nat2 reached the outside without NAT"
run "$XL" destroy nat2 || fail "destroy nat2 failed"
wait_gone nat2 10 || fail "nat2 still exists"
echo ok
