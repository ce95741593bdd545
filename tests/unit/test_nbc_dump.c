/* netback-config's netlink exchange on a busy host, in a private network
 * namespace: link, address and route dumps that span many datagrams come
 * back whole; a dump whose callback fails is read to its end, so the
 * session's next dump works; the kernel's errno comes through as it is. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "tests/unit/nbc_testns.h"

#define PAIRS 100       /* veth pairs: 200 links, ~300 KB of RTM_NEWLINK */
#define ROUTES 1500
#define ADDRS 300

/* How many datagrams the kernel's answer to a dump of TYPE takes, read
 * with a plain socket: shows the dumps below really are multi-part. */
static int dump_datagrams(int type)
{
    struct {
        struct nlmsghdr h;
        unsigned char family_hdr[16];   /* ifinfomsg, ifaddrmsg, rtmsg: zero */
    } req = {
        .h = { .nlmsg_len = sizeof(req), .nlmsg_type = type,
               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
    };
    static char buf[1 << 16];
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    int count = 0, done = 0;

    assert_true(fd >= 0);
    assert_int_equal(send(fd, &req, sizeof(req), 0), sizeof(req));
    while (!done) {
        ssize_t len = recv(fd, buf, sizeof(buf), 0);
        int left = (int)len;
        struct nlmsghdr *h;

        assert_true(len > 0);
        count++;
        for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
                done = 1;
    }
    close(fd);
    return count;
}

static void make_pairs(void)
{
    char a[IFNAMSIZ], b[IFNAMSIZ];
    int i;

    for (i = 0; i < PAIRS; i++) {
        snprintf(a, sizeof(a), "va%d", i);
        snprintf(b, sizeof(b), "vb%d", i);
        if (nbc_veth_add(nbc, a, b))
            fail_msg("veth %s: %s", a, nbc_errmsg(nbc));
    }
}

static void link_dump_spans_datagrams(void **state)
{
    struct nbc_link *l = NULL;
    unsigned char seen[2][PAIRS] = { { 0 } };
    int n = 0, i, k;

    make_pairs();
    assert_true(dump_datagrams(RTM_GETLINK) > 2);
    assert_int_equal(nbc_link_list(nbc, &l, &n), 0);
    assert_int_equal(n, 2 * PAIRS + 1);     /* and lo */
    for (i = 0; i < n; i++) {
        char side;
        if (!strcmp(l[i].name, "lo"))
            continue;
        assert_int_equal(sscanf(l[i].name, "v%c%d", &side, &k), 2);
        assert_true(k >= 0 && k < PAIRS && (side == 'a' || side == 'b'));
        assert_string_equal(l[i].kind, "veth");
        assert_true(l[i].has_mac);
        assert_false(seen[side == 'b'][k]);
        seen[side == 'b'][k] = 1;
    }
    free(l);
}

static void route_and_addr_dumps_span_datagrams(void **state)
{
    struct nbc_link eth;
    struct nbc_route *r = NULL;
    struct nbc_addr *a = NULL;
    int n = 0, i, ours = 0;

    testns_nic(nbc, "eth0", "peer0", "10.0.0.1/16");
    assert_int_equal(nbc_link_get(nbc, "eth0", &eth), 0);
    for (i = 0; i < ROUTES; i++) {
        struct nbc_route rt = { .family = AF_INET, .dst_len = 32, .oif = eth.ifindex };
        rt.dst[0] = 10;
        rt.dst[1] = 1;
        rt.dst[2] = (unsigned char)(i >> 8);
        rt.dst[3] = (unsigned char)i;
        if (nbc_route_add(nbc, &rt))
            fail_msg("route %d: %s", i, nbc_errmsg(nbc));
    }
    for (i = 0; i < ADDRS; i++) {
        struct nbc_addr ad = { .family = AF_INET, .prefixlen = 32, .ifindex = eth.ifindex };
        ad.addr[0] = 10;
        ad.addr[1] = 2;
        ad.addr[2] = (unsigned char)(i >> 8);
        ad.addr[3] = (unsigned char)i;
        if (nbc_addr_add(nbc, &ad))
            fail_msg("address %d: %s", i, nbc_errmsg(nbc));
    }
    assert_true(dump_datagrams(RTM_GETROUTE) > 2);
    assert_true(dump_datagrams(RTM_GETADDR) > 1);

    assert_int_equal(nbc_route_list(nbc, AF_INET, &r, &n), 0);
    for (i = 0; i < n; i++) {
        if (r[i].dst[0] != 10 || r[i].dst[1] != 1)
            continue;
        assert_int_equal(r[i].dst_len, 32);
        assert_int_equal(r[i].oif, eth.ifindex);
        /* Each once: its index is its low 16 bits, and they come sorted. */
        assert_int_equal((r[i].dst[2] << 8) | r[i].dst[3], ours);
        ours++;
    }
    assert_int_equal(ours, ROUTES);
    free(r);

    assert_int_equal(nbc_addr_list(nbc, eth.ifindex, &a, &n), 0);
    for (i = ours = 0; i < n; i++)
        if (a[i].family == AF_INET && a[i].addr[0] == 10 && a[i].addr[1] == 2)
            ours++;
    assert_int_equal(ours, ADDRS);
    free(a);
}

static int fail_on_first(const struct nlmsghdr *nlh, void *data)
{
    ++*(int *)data;
    return -ECANCELED;
}

static void failed_dump_callback_leaves_session_usable(void **state)
{
    struct {
        struct nlmsghdr h;
        struct ifinfomsg ifi;
    } req = {
        .h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
    };
    struct nbc_link *l = NULL, one;
    int calls = 0, n = 0;

    make_pairs();
    /* The callback gives up on the first of ~200 links: the error is the
     * exchange's, it is called no more, and the rest of the dump does not
     * get in the way of what follows. */
    assert_int_equal(nbc_exchange(nbc, nbc->nl, &req.h, fail_on_first, &calls),
                     -ECANCELED);
    assert_int_equal(calls, 1);
    assert_int_equal(nbc_link_list(nbc, &l, &n), 0);
    assert_int_equal(n, 2 * PAIRS + 1);
    free(l);
    assert_int_equal(nbc_link_get(nbc, "vb42", &one), 0);
    assert_string_equal(one.name, "vb42");
}

static void kernel_errno_comes_through(void **state)
{
    struct nbc_route rt = { .family = AF_INET, .dst_len = 32, .oif = 9999 };

    /* Not libnl's NLE_* codes (which fold several errnos into one), the
     * kernel's own, which callers and messages rely on. */
    assert_int_equal(nbc_link_add(nbc, "x0", "nosuchkind"), -EOPNOTSUPP);
    assert_non_null(strstr(nbc_errmsg(nbc), "cannot create nosuchkind x0: "));
    assert_non_null(strstr(nbc_errmsg(nbc), strerror(EOPNOTSUPP)));
    rt.dst[0] = 10;
    assert_int_equal(nbc_route_add(nbc, &rt), -ENODEV);
    assert_int_equal(nbc_link_get(nbc, "nosuch0", &(struct nbc_link){ 0 }), -ENODEV);
}

int main(void)
{
    const struct CMUnitTest ns[] = {
        cmocka_unit_test_setup_teardown(link_dump_spans_datagrams, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(route_and_addr_dumps_span_datagrams, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(failed_dump_callback_leaves_session_usable, testns_setup, testns_teardown),
        cmocka_unit_test_setup_teardown(kernel_errno_comes_through, testns_setup, testns_teardown),
    };

    if (!testns_available())
        return 0;
    return cmocka_run_group_tests_name("nbc_dump", ns, NULL, NULL);
}
