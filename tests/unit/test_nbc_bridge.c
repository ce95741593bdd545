/* netback-config bridges and uplinks, against the real kernel in a private
 * network namespace: creation is idempotent, an uplink's addresses and
 * default route move onto the bridge and back, and a failure at any step
 * leaves the namespace exactly as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/nbc_testns.h"

static void bridge_ensure_creates_once(void **state)
{
    struct nbc_link l;
    char *s1, *s2;

    assert_int_equal(nbc_bridge_ensure(nbc, "xenbr0", 1400), 0);
    assert_int_equal(nbc_link_get(nbc, "xenbr0", &l), 0);
    assert_string_equal(l.kind, "bridge");
    assert_int_equal(l.mtu, 1400);
    assert_true(l.flags & IFF_UP);
    s1 = testns_snapshot(nbc);
    assert_int_equal(nbc_bridge_ensure(nbc, "xenbr0", 1400), 0);
    s2 = testns_snapshot(nbc);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
}

static void bridge_name_taken_by_other_kind_is_refused(void **state)
{
    char *before, *after;

    testns_nic(nbc, "xenbr0", "peer0", NULL);
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_bridge_ensure(nbc, "xenbr0", 0), -EEXIST);
    assert_non_null(strstr(nbc_errmsg(nbc), "xenbr0"));
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void bad_bridge_name_is_refused(void **state)
{
    assert_int_equal(nbc_bridge_ensure(nbc, "a-name-longer-than-15", 0), -EINVAL);
    assert_non_null(strstr(nbc_errmsg(nbc), "a-name-longer-than-15"));
    assert_int_equal(nbc_bridge_ensure(nbc, "", 0), -EINVAL);
}

static void enslave_moves_addresses_and_default_route(void **state)
{
    struct nbc_link nic, br;
    char *snap, *again;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.10/24");
    testns_default_route(nbc, "eth0", "192.0.2.1");
    assert_int_equal(nbc_uplink_enslave(nbc, "xenbr0", "eth0"), 0);
    assert_int_equal(nbc_link_get(nbc, "eth0", &nic), 0);
    assert_int_equal(nbc_link_get(nbc, "xenbr0", &br), 0);
    assert_int_equal(nic.master, br.ifindex);
    assert_memory_equal(nic.mac, br.mac, 6);
    assert_int_equal(br.mtu, nic.mtu);

    snap = testns_snapshot(nbc);
    assert_non_null(strstr(snap, "addr xenbr0 192.0.2.10/24\n"));
    assert_null(strstr(snap, "addr eth0 "));
    assert_non_null(strstr(snap, "route 0.0.0.0/0 dev xenbr0 via 192.0.2.1"));
    assert_null(strstr(snap, "dev eth0"));

    /* Repeating is harmless. */
    assert_int_equal(nbc_uplink_enslave(nbc, "xenbr0", "eth0"), 0);
    again = testns_snapshot(nbc);
    assert_string_equal(snap, again);
    free(snap);
    free(again);
}

static void delete_with_uplink_restores_it(void **state)
{
    char *before, *after;
    struct nbc_link l;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.10/24");
    testns_default_route(nbc, "eth0", "192.0.2.1");
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_uplink_enslave(nbc, "xenbr0", "eth0"), 0);
    assert_int_equal(nbc_bridge_delete(nbc, "xenbr0", "eth0"), 0);
    assert_int_equal(nbc_link_get(nbc, "xenbr0", &l), -ENODEV);
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    /* Deleting what is gone is fine. */
    assert_int_equal(nbc_bridge_delete(nbc, "xenbr0", NULL), 0);
    free(before);
    free(after);
}

static void delete_refuses_bridge_with_vifs(void **state)
{
    struct nbc_link l;

    assert_int_equal(nbc_bridge_ensure(nbc, "xenbr0", 0), 0);
    testns_nic(nbc, "vif1.0", "vifp", NULL);
    assert_int_equal(nbc_link_set_master(nbc, "vif1.0", "xenbr0"), 0);
    assert_int_equal(nbc_bridge_delete(nbc, "xenbr0", NULL), -EBUSY);
    assert_non_null(strstr(nbc_errmsg(nbc), "vif1.0"));
    assert_int_equal(nbc_link_get(nbc, "xenbr0", &l), 0);
}

static void enslave_refuses_port_of_other_bridge(void **state)
{
    char *before, *after;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.10/24");
    assert_int_equal(nbc_bridge_ensure(nbc, "other", 0), 0);
    assert_int_equal(nbc_link_set_master(nbc, "eth0", "other"), 0);
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_uplink_enslave(nbc, "xenbr0", "eth0"), -EBUSY);
    assert_non_null(strstr(nbc_errmsg(nbc), "other"));
    after = testns_snapshot(nbc);
    /* Not even the new bridge is left behind. */
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void enslave_missing_nic_leaves_nothing(void **state)
{
    char *before = testns_snapshot(nbc), *after;

    assert_int_equal(nbc_uplink_enslave(nbc, "xenbr0", "nosuch0"), -ENODEV);
    assert_non_null(strstr(nbc_errmsg(nbc), "nosuch0"));
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static int op_enslave(void *arg)
{
    return nbc_uplink_enslave(nbc, "xenbr0", "eth0");
}

static int op_delete(void *arg)
{
    return nbc_bridge_delete(nbc, "xenbr0", "eth0");
}

static void enslave_rolls_back_at_every_step(void **state)
{
    testns_nic(nbc, "eth0", "peer0", "192.0.2.10/24");
    testns_default_route(nbc, "eth0", "192.0.2.1");
    /* create, mtu, mac, up, route del, addr add, addr del, master, route add */
    assert_true(testns_failures_rolled_back(op_enslave, NULL, 64) >= 8);
}

static void delete_rolls_back_at_every_step(void **state)
{
    testns_nic(nbc, "eth0", "peer0", "192.0.2.10/24");
    testns_default_route(nbc, "eth0", "192.0.2.1");
    assert_int_equal(nbc_uplink_enslave(nbc, "xenbr0", "eth0"), 0);
    assert_true(testns_failures_rolled_back(op_delete, NULL, 64) >= 5);
}

static void addr_parse_and_format(void **state)
{
    struct nbc_addr a;
    char buf[64];

    assert_int_equal(nbc_addr_parse("10.1.2.3/8", &a), 0);
    assert_int_equal(a.family, AF_INET);
    assert_string_equal(nbc_addr_format(&a, buf, sizeof(buf)), "10.1.2.3/8");
    assert_int_equal(nbc_addr_parse("10.1.2.3", &a), 0);
    assert_int_equal(a.prefixlen, 32);
    assert_int_equal(nbc_addr_parse("fe80::1/64", &a), 0);
    assert_int_equal(a.family, AF_INET6);
    assert_int_equal(nbc_addr_parse("10.1.2.3/33", &a), -EINVAL);
    assert_int_equal(nbc_addr_parse("10.1.2/8", &a), -EINVAL);
    assert_int_equal(nbc_addr_parse("10.1.2.3/", &a), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(addr_parse_and_format),
    };
    const struct CMUnitTest ns[] = {
        cmocka_unit_test_setup_teardown(bridge_ensure_creates_once, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(bridge_name_taken_by_other_kind_is_refused, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(bad_bridge_name_is_refused, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(enslave_moves_addresses_and_default_route, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(delete_with_uplink_restores_it, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(delete_refuses_bridge_with_vifs, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(enslave_refuses_port_of_other_bridge, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(enslave_missing_nic_leaves_nothing, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(enslave_rolls_back_at_every_step, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(delete_rolls_back_at_every_step, testns_setup, testns_teardown),
    };
    int rc = cmocka_run_group_tests_name("nbc_pure", pure, NULL, NULL);

    if (!testns_available())
        return rc;
    return rc | cmocka_run_group_tests_name("nbc_bridge", ns, NULL, NULL);
}
