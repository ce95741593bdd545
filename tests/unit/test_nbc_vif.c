/* netback-config vif modes (what vif-bridge, vif-route and vif-nat did), in
 * a private network namespace with veth pairs standing in for vifs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/nbc_testns.h"

static void sysctl_is(const char *path, const char *want)
{
    char val[32];
    assert_int_equal(nbc_sysctl_get(path, val, sizeof(val)), 0);
    assert_string_equal(val, want);
}

static void bridge_online_enslaves_sets_mtu_and_up(void **state)
{
    struct nbc_link vif, br;

    assert_int_equal(nbc_bridge_ensure(nbc, "xenbr0", 1400), 0);
    assert_int_equal(nbc_veth_add(nbc, "vif3.0", "vifp"), 0);
    assert_int_equal(nbc_vif_bridge_online(nbc, "vif3.0", "xenbr0", 0), 0);
    assert_int_equal(nbc_link_get(nbc, "vif3.0", &vif), 0);
    assert_int_equal(nbc_link_get(nbc, "xenbr0", &br), 0);
    assert_int_equal(vif.master, br.ifindex);
    assert_int_equal(vif.mtu, 1400);    /* the bridge's, when none given */
    assert_true(vif.flags & IFF_UP);

    /* An explicit MTU wins; repeating is harmless. */
    assert_int_equal(nbc_vif_bridge_online(nbc, "vif3.0", "xenbr0", 1300), 0);
    assert_int_equal(nbc_link_get(nbc, "vif3.0", &vif), 0);
    assert_int_equal(vif.mtu, 1300);

    assert_int_equal(nbc_vif_bridge_offline(nbc, "vif3.0"), 0);
    assert_int_equal(nbc_link_get(nbc, "vif3.0", &vif), 0);
    assert_int_equal(vif.master, 0);
    assert_false(vif.flags & IFF_UP);
    /* A vif the kernel already removed is not an error. */
    assert_int_equal(nbc_vif_bridge_offline(nbc, "vif9.9"), 0);
}

static void bridge_mac_stays_as_vifs_come_and_go(void **state)
{
    struct nbc_link before, after;

    assert_int_equal(nbc_bridge_ensure(nbc, "xenbr0", 0), 0);
    assert_int_equal(nbc_link_get(nbc, "xenbr0", &before), 0);
    assert_int_equal(nbc_veth_add(nbc, "vif3.0", "vifp"), 0);
    assert_int_equal(nbc_vif_bridge_online(nbc, "vif3.0", "xenbr0", 0), 0);
    assert_int_equal(nbc_vif_bridge_offline(nbc, "vif3.0"), 0);
    assert_int_equal(nbc_link_get(nbc, "xenbr0", &after), 0);
    assert_memory_equal(before.mac, after.mac, 6);
}

static void bridge_online_to_missing_bridge_changes_nothing(void **state)
{
    char *before, *after;

    assert_int_equal(nbc_veth_add(nbc, "vif3.0", "vifp"), 0);
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_vif_bridge_online(nbc, "vif3.0", "nosuchbr", 0), -ENODEV);
    assert_non_null(strstr(nbc_errmsg(nbc), "bridge nosuchbr does not exist"));
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static int op_bridge_online(void *arg)
{
    return nbc_vif_bridge_online(nbc, "vif3.0", "xenbr0", 0);
}

static void bridge_online_rolls_back_each_step(void **state)
{
    assert_int_equal(nbc_bridge_ensure(nbc, "xenbr0", 1400), 0);
    assert_int_equal(nbc_veth_add(nbc, "vif3.0", "vifp"), 0);
    /* mtu, master, up fail in turn; 4th succeeds */
    assert_int_equal(testns_failures_rolled_back(op_bridge_online, NULL, 16), 3);
}

static void route_online_matches_vif_route(void **state)
{
    char *snap;

    testns_nic(nbc, "eth0", "peer0", "198.51.100.2/24");
    assert_int_equal(nbc_veth_add(nbc, "vif4.0", "vifp"), 0);
    assert_int_equal(nbc_vif_route_online(nbc, "vif4.0", "eth0",
                                          "198.51.100.50 198.51.100.51"), 0);
    snap = testns_snapshot(nbc);
    assert_non_null(strstr(snap, "addr vif4.0 198.51.100.2/32\n"));
    assert_non_null(strstr(snap, "route 198.51.100.50/32 dev vif4.0 via - src 198.51.100.2 metric 2\n"));
    assert_non_null(strstr(snap, "route 198.51.100.51/32 dev vif4.0 via - src 198.51.100.2 metric 2\n"));
    free(snap);
    sysctl_is("net/ipv4/conf/vif4.0/proxy_arp", "1");
    sysctl_is("net/ipv4/ip_forward", "1");

    assert_int_equal(nbc_vif_route_offline(nbc, "vif4.0", "eth0",
                                           "198.51.100.50 198.51.100.51"), 0);
    snap = testns_snapshot(nbc);
    assert_null(strstr(snap, "198.51.100.50"));
    free(snap);
}

static void route_online_without_netdev_address_fails_cleanly(void **state)
{
    char *before, *after;

    testns_nic(nbc, "eth0", "peer0", NULL);
    assert_int_equal(nbc_veth_add(nbc, "vif4.0", "vifp"), 0);
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_vif_route_online(nbc, "vif4.0", "eth0", "10.0.0.5"),
                     -EADDRNOTAVAIL);
    assert_non_null(strstr(nbc_errmsg(nbc), "eth0 has no IPv4 address"));
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static int op_route_online(void *arg)
{
    return nbc_vif_route_online(nbc, "vif4.0", "eth0", "198.51.100.50");
}

static void route_online_rolls_back_each_step(void **state)
{
    testns_nic(nbc, "eth0", "peer0", "198.51.100.2/24");
    /* A new namespace inherits ip_forward and the default proxy_arp from the
     * host's (IPv4 devconf follows init_net), so pin them off: then every
     * step is a change and the count is exact. */
    assert_int_equal(nbc_sysctl_set(nbc, "net/ipv4/ip_forward", "0"), 0);
    assert_int_equal(nbc_sysctl_set(nbc, "net/ipv4/conf/default/proxy_arp", "0"), 0);
    assert_int_equal(nbc_veth_add(nbc, "vif4.0", "vifp"), 0);
    sysctl_is("net/ipv4/conf/vif4.0/proxy_arp", "0");
    /* vif4.0 up, its /32 address, its proxy_arp, ip_forward, the route */
    assert_int_equal(testns_failures_rolled_back(op_route_online, NULL, 16), 5);
}

static void nat_addresses_follow_vif_nat(void **state)
{
    struct nbc_addr g, r;
    char buf[64];

    assert_int_equal(nbc_vif_nat_addrs(5, 0, NULL, &g, &r), 0);
    assert_string_equal(nbc_addr_format(&g, buf, sizeof(buf)), "10.0.5.1/16");
    assert_string_equal(nbc_addr_format(&r, buf, sizeof(buf)), "10.0.5.128/32");
    assert_int_equal(nbc_vif_nat_addrs(300, 1, NULL, &g, &r), 0);
    assert_string_equal(nbc_addr_format(&g, buf, sizeof(buf)), "10.1.44.2/16");
    assert_string_equal(nbc_addr_format(&r, buf, sizeof(buf)), "10.1.44.129/32");
    assert_int_equal(nbc_vif_nat_addrs(7, 0, "192.168.9.20/24", &g, &r), 0);
    assert_string_equal(nbc_addr_format(&r, buf, sizeof(buf)), "192.168.9.147/32");
    /* The router would be past .255. */
    assert_int_equal(nbc_vif_nat_addrs(7, 0, "192.168.9.200", &g, &r), -EINVAL);
    assert_int_equal(nbc_vif_nat_addrs(7, 0, "not-an-ip", &g, &r), -EINVAL);
}

static void nat_online_routes_guest_via_vif(void **state)
{
    char *snap;

    assert_int_equal(nbc_veth_add(nbc, "vif5.0", "vifp"), 0);
    assert_int_equal(nbc_vif_nat_online(nbc, "vif5.0", 5, 0, NULL), 0);
    snap = testns_snapshot(nbc);
    assert_non_null(strstr(snap, "addr vif5.0 10.0.5.128/32\n"));
    assert_non_null(strstr(snap, "route 10.0.5.1/32 dev vif5.0 via - src 10.0.5.128"));
    free(snap);
    sysctl_is("net/ipv4/conf/vif5.0/proxy_arp", "1");
    sysctl_is("net/ipv4/ip_forward", "1");
    assert_int_equal(nbc_vif_nat_offline(nbc, "vif5.0"), 0);
    snap = testns_snapshot(nbc);
    assert_null(strstr(snap, "route 10.0.5.1/32"));
    free(snap);
}

static void host_routed_sets_sysctls(void **state)
{
    testns_nic(nbc, "eth0", "peer0", "198.51.100.2/24");
    assert_int_equal(nbc_host_routed(nbc, "eth0"), 0);
    sysctl_is("net/ipv4/ip_forward", "1");
    sysctl_is("net/ipv4/conf/eth0/proxy_arp", "1");
    assert_int_equal(nbc_host_routed(nbc, "nosuch0"), -ENODEV);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(nat_addresses_follow_vif_nat),
    };
    const struct CMUnitTest ns[] = {
        cmocka_unit_test_setup_teardown(bridge_online_enslaves_sets_mtu_and_up, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(bridge_online_to_missing_bridge_changes_nothing, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(bridge_mac_stays_as_vifs_come_and_go, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(bridge_online_rolls_back_each_step, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(route_online_matches_vif_route, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(route_online_without_netdev_address_fails_cleanly, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(route_online_rolls_back_each_step, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(nat_online_routes_guest_via_vif, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(host_routed_sets_sysctls, testns_setup, testns_teardown),
    };
    int rc = cmocka_run_group_tests_name("nbc_vif_pure", pure, NULL, NULL);

    if (!testns_available())
        return rc;
    return rc | cmocka_run_group_tests_name("nbc_vif", ns, NULL, NULL);
}
