/* netback-config host NAT (network-nat's MASQUERADE) through nf_tables, in a
 * private network namespace: the rule is made once and only once, teardown
 * removes exactly what was added (our table included), the user's own
 * tables are left alone, a failure at any change rolls everything back, and
 * the rule really rewrites the source of packets leaving by the uplink. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/unit/nbc_testns.h"

static void sysctl_is(const char *path, const char *want)
{
    char val[32];
    assert_int_equal(nbc_sysctl_get(path, val, sizeof(val)), 0);
    assert_string_equal(val, want);
}

static void forwarding_off(void)
{
    assert_int_equal(nbc_sysctl_set(nbc, "net/ipv4/ip_forward", "0"), 0);
}

static void up_masquerades_the_subnet_and_forwards(void **state)
{
    struct nbc_masq *m = NULL;
    char txt[64];
    int count = 0;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    forwarding_off();
    assert_int_equal(nbc_nat_table_exists(nbc), 0);
    assert_int_equal(nbc_nat_up(nbc, "eth0", NULL), 0);
    assert_int_equal(nbc_nat_table_exists(nbc), 1);
    assert_int_equal(nbc_nat_list(nbc, &m, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(m[0].uplink, "eth0");
    assert_string_equal(nbc_addr_format(&m[0].subnet, txt, sizeof(txt)),
                        NBC_NAT_DEFAULT_SUBNET);
    assert_true(m[0].handle > 0);
    free(m);
    sysctl_is("net/ipv4/ip_forward", "1");

    /* Host bits of a given subnet are cleared: same rule as .0/24. */
    assert_int_equal(nbc_nat_up(nbc, "eth0", "192.168.9.77/24"), 0);
    assert_int_equal(nbc_nat_list(nbc, &m, &count), 0);
    assert_int_equal(count, 2);
    assert_string_equal(nbc_addr_format(&m[1].subnet, txt, sizeof(txt)),
                        "192.168.9.0/24");
    free(m);
}

static void up_twice_changes_nothing(void **state)
{
    struct nbc_masq *m1 = NULL, *m2 = NULL;
    int c1 = 0, c2 = 0;
    char *s1, *s2;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    assert_int_equal(nbc_nat_up(nbc, "eth0", "10.0.0.0/8"), 0);
    s1 = testns_snapshot(nbc);
    assert_int_equal(nbc_nat_list(nbc, &m1, &c1), 0);
    /* A changing step would fail here: nothing may be attempted. */
    nbc_debug_fail_at(nbc, 1);
    assert_int_equal(nbc_nat_up(nbc, "eth0", "10.0.0.0/8"), 0);
    assert_int_equal(nbc_nat_up(nbc, "eth0", "10.1.2.3/8"), 0);
    nbc_debug_fail_at(nbc, 0);
    s2 = testns_snapshot(nbc);
    assert_string_equal(s1, s2);
    assert_int_equal(nbc_nat_list(nbc, &m2, &c2), 0);
    assert_int_equal(c1, 1);
    assert_int_equal(c2, 1);
    assert_true(m1[0].handle == m2[0].handle);   /* the same rule, not a new one */
    free(m1);
    free(m2);
    free(s1);
    free(s2);
}

static void down_removes_exactly_what_up_added(void **state)
{
    char *before, *between, *after;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    testns_nic(nbc, "eth1", "peer1", "198.51.100.1/24");
    /* ip_forward stays on after down (vifs may need it), so start with it
     * on to compare everything else. */
    assert_int_equal(nbc_sysctl_set(nbc, "net/ipv4/ip_forward", "1"), 0);
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_nat_up(nbc, "eth0", NULL), 0);
    between = testns_snapshot(nbc);
    assert_int_equal(nbc_nat_up(nbc, "eth1", "172.16.0.0/12"), 0);

    /* One of two goes: the table and the other rule stay. */
    assert_int_equal(nbc_nat_down(nbc, "eth1", "172.16.0.0/12"), 0);
    after = testns_snapshot(nbc);
    assert_string_equal(between, after);
    free(after);
    assert_non_null(strstr(between, "nft masquerade 10.0.0.0/8 out eth0\n"));
    assert_non_null(strstr(between, "nft table ip pvstack\n"));

    /* The last one takes our table with it. */
    assert_int_equal(nbc_nat_down(nbc, "eth0", NULL), 0);
    assert_int_equal(nbc_nat_table_exists(nbc), 0);
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    free(after);

    /* Down of what is not there (any more) is not an error and changes
     * nothing; nor is an uplink that has vanished. */
    nbc_debug_fail_at(nbc, 1);
    assert_int_equal(nbc_nat_down(nbc, "eth0", NULL), 0);
    assert_int_equal(nbc_nat_down(nbc, "gone0", NULL), 0);
    nbc_debug_fail_at(nbc, 0);
    free(before);
    free(between);
}

/* ---- the user's own nf_tables state, made here with libnftnl directly ---- */

static int nft_batch_talk(void (*fill)(struct mnl_nlmsg_batch *, uint32_t *, const char *),
                          const char *name)
{
    char buf[2 * MNL_SOCKET_BUFFER_SIZE], rx[MNL_SOCKET_BUFFER_SIZE];
    struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
    struct mnl_nlmsg_batch *b;
    uint32_t seq = 1;
    ssize_t len;
    int rc = 0;

    assert_non_null(nl);
    assert_int_equal(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
    b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
    nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
    mnl_nlmsg_batch_next(b);
    fill(b, &seq, name);
    nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
    mnl_nlmsg_batch_next(b);
    assert_true(mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b),
                                  mnl_nlmsg_batch_size(b)) > 0);
    while ((len = recv(mnl_socket_get_fd(nl), rx, sizeof(rx), MSG_DONTWAIT)) > 0)
        if (mnl_cb_run(rx, len, 0, mnl_socket_get_portid(nl), NULL, NULL) < 0)
            rc = -errno;
    mnl_nlmsg_batch_stop(b);
    mnl_socket_close(nl);
    return rc;
}

/* table ip NAME { chain postrouting { type nat hook postrouting priority
 * srcnat; counter } }: the same hook and chain name as ours, to show the
 * two never mix. */
static void fill_user_table(struct mnl_nlmsg_batch *b, uint32_t *seq, const char *name)
{
    struct nftnl_table *t = nftnl_table_alloc();
    struct nftnl_chain *c = nftnl_chain_alloc();
    struct nftnl_rule *r = nftnl_rule_alloc();
    struct nlmsghdr *nlh;

    nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
    nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWTABLE,
                                NFPROTO_IPV4, NLM_F_CREATE, (*seq)++);
    nftnl_table_nlmsg_build_payload(nlh, t);
    mnl_nlmsg_batch_next(b);
    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, name);
    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "postrouting");
    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
    nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
    nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 100);
    nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWCHAIN,
                                NFPROTO_IPV4, NLM_F_CREATE, (*seq)++);
    nftnl_chain_nlmsg_build_payload(nlh, c);
    mnl_nlmsg_batch_next(b);
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, name);
    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "postrouting");
    nftnl_rule_add_expr(r, nftnl_expr_alloc("counter"));
    nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWRULE,
                                NFPROTO_IPV4, NLM_F_CREATE | NLM_F_APPEND, (*seq)++);
    nftnl_rule_nlmsg_build_payload(nlh, r);
    mnl_nlmsg_batch_next(b);
    nftnl_table_free(t);
    nftnl_chain_free(c);
    nftnl_rule_free(r);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
    ++*(int *)data;
    return MNL_CB_OK;
}

/* How many rules table ip NAME has (-ENOENT without the table). */
static int user_rules(const char *name)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
    struct nlmsghdr *nlh;
    struct nftnl_rule *r = nftnl_rule_alloc();
    int count = 0, ret;
    ssize_t len;

    assert_int_equal(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
    nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, 7);
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, name);
    nftnl_rule_nlmsg_build_payload(nlh, r);
    nftnl_rule_free(r);
    assert_true(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) > 0);
    do {
        len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        assert_true(len > 0);
        ret = mnl_cb_run(buf, len, 7, mnl_socket_get_portid(nl), count_cb, &count);
    } while (ret > 0);
    mnl_socket_close(nl);
    return ret < 0 ? -errno : count;
}

static void users_tables_are_left_alone(void **state)
{
    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    assert_int_equal(nft_batch_talk(fill_user_table, "userfw"), 0);
    assert_int_equal(user_rules("userfw"), 1);
    assert_int_equal(nbc_nat_up(nbc, "eth0", NULL), 0);
    assert_int_equal(user_rules(NBC_NAT_TABLE), 1);
    assert_int_equal(user_rules("userfw"), 1);
    assert_int_equal(nbc_nat_down(nbc, "eth0", NULL), 0);
    assert_int_equal(user_rules("userfw"), 1);
    assert_int_equal(nbc_nat_table_exists(nbc), 0);
}

static void foreign_rule_in_our_table_keeps_it(void **state)
{
    /* Somebody added a rule of their own to our chain: the last down of
     * ours must not take it (and the table) away with it. */
    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    assert_int_equal(nbc_nat_up(nbc, "eth0", NULL), 0);
    assert_int_equal(nft_batch_talk(fill_user_table, NBC_NAT_TABLE), 0);
    assert_int_equal(user_rules(NBC_NAT_TABLE), 2);
    assert_int_equal(nbc_nat_down(nbc, "eth0", NULL), 0);
    assert_int_equal(user_rules(NBC_NAT_TABLE), 1);
    assert_int_equal(nbc_nat_table_exists(nbc), 1);
}

static void bad_input_changes_nothing(void **state)
{
    char *before, *after;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    forwarding_off();
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_nat_up(nbc, "nosuch0", NULL), -ENODEV);
    assert_non_null(strstr(nbc_errmsg(nbc), "uplink nosuch0 does not exist"));
    assert_int_equal(nbc_nat_up(nbc, "eth0", "10.0.0/8"), -EINVAL);
    assert_non_null(strstr(nbc_errmsg(nbc), "invalid NAT subnet '10.0.0/8'"));
    assert_int_equal(nbc_nat_up(nbc, "eth0", "2001:db8::/32"), -EINVAL);
    assert_int_equal(nbc_nat_up(nbc, "eth0", "10.0.0.0/33"), -EINVAL);
    assert_int_equal(nbc_nat_up(nbc, "", NULL), -EINVAL);
    assert_int_equal(nbc_nat_down(nbc, "eth0", "garbage"), -EINVAL);
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static int op_nat_up(void *arg)
{
    return nbc_nat_up(nbc, "eth0", arg);
}

static void up_rolls_back_each_change(void **state)
{
    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    forwarding_off();
    /* the nf_tables batch (table, chain and rule at once), ip_forward */
    assert_int_equal(testns_failures_rolled_back(op_nat_up, NULL, 16), 2);
    assert_int_equal(nbc_nat_table_exists(nbc), 1);
}

static void up_rolls_back_into_existing_table(void **state)
{
    char *snap;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    assert_int_equal(nbc_nat_up(nbc, "eth0", NULL), 0);
    forwarding_off();
    /* A second rule into our table: its failed ip_forward step must take
     * back the new rule only, leaving the table and the first rule. */
    assert_int_equal(testns_failures_rolled_back(op_nat_up, "192.168.0.0/16", 16), 2);
    snap = testns_snapshot(nbc);
    assert_non_null(strstr(snap, "nft masquerade 10.0.0.0/8 out eth0\n"));
    assert_non_null(strstr(snap, "nft masquerade 192.168.0.0/16 out eth0\n"));
    free(snap);
}

static int op_nat_down(void *arg)
{
    return nbc_nat_down(nbc, "eth0", arg);
}

static void down_failure_keeps_the_rule(void **state)
{
    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    assert_int_equal(nbc_nat_up(nbc, "eth0", NULL), 0);
    assert_int_equal(nbc_nat_up(nbc, "eth0", "192.168.0.0/16"), 0);
    /* one batch each: a rule, then (the last rule) the whole table */
    assert_int_equal(testns_failures_rolled_back(op_nat_down, "192.168.0.0/16", 8), 1);
    assert_int_equal(testns_failures_rolled_back(op_nat_down, NULL, 8), 1);
    assert_int_equal(nbc_nat_table_exists(nbc), 0);
}

/* An undo that re-adds: nbc_masq_del inside a transaction that then rolls
 * back must bring the rule (and the table) back. */
static void rollback_of_a_down_restores_the_rule(void **state)
{
    struct nbc_addr s;
    char *before, *after;

    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    assert_int_equal(nbc_nat_up(nbc, "eth0", NULL), 0);
    before = testns_snapshot(nbc);
    assert_int_equal(nbc_addr_parse(NBC_NAT_DEFAULT_SUBNET, &s), 0);
    nbc_tx_begin(nbc);
    assert_int_equal(nbc_masq_del(nbc, "eth0", &s), 0);
    assert_int_equal(nbc_nat_table_exists(nbc), 0);
    nbc_tx_rollback(nbc);
    after = testns_snapshot(nbc);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* ---- the rule at work ----
 * In one namespace: eth0 (192.0.2.1/24) is the uplink, its veth peer peer0
 * the wire.  A UDP datagram sent from a "guest" address on lo to 192.0.2.99
 * (a permanent neighbour at peer0's MAC) leaves by eth0 and is captured on
 * peer0 with the source it had on the wire. */

static void add_neighbour(const char *dev, const char *ip, const char *lladdr_dev)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ndmsg *nd;
    struct nbc_link l, p;
    struct in_addr a;
    ssize_t len;

    assert_int_equal(nbc_link_get(nbc, dev, &l), 0);
    assert_int_equal(nbc_link_get(nbc, lladdr_dev, &p), 0);
    assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
    assert_int_equal(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
    nlh->nlmsg_type = RTM_NEWNEIGH;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
    nlh->nlmsg_seq = 1;
    nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
    nd->ndm_family = AF_INET;
    nd->ndm_ifindex = l.ifindex;
    nd->ndm_state = NUD_PERMANENT;
    mnl_attr_put(nlh, NDA_DST, 4, &a);
    mnl_attr_put(nlh, NDA_LLADDR, 6, p.mac);
    assert_true(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) > 0);
    len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
    assert_true(len > 0);
    assert_true(mnl_cb_run(buf, len, 1, mnl_socket_get_portid(nl), NULL, NULL) >= 0);
    mnl_socket_close(nl);
}

/* Send one datagram from SRC:SPORT to 192.0.2.99:9999 and return the source
 * address it had when it reached peer0 ("" if it never did). */
static void wire_source(const char *src, int sport, char *out, size_t outlen)
{
    struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(sport) };
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9999) };
    struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
    struct timeval tv = { .tv_sec = 2 };
    struct nbc_link peer;
    unsigned char pkt[2048];
    int cap, s, tries;

    out[0] = '\0';
    assert_int_equal(nbc_link_get(nbc, "peer0", &peer), 0);
    cap = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
    assert_true(cap >= 0);
    ll.sll_ifindex = peer.ifindex;
    assert_int_equal(bind(cap, (struct sockaddr *)&ll, sizeof(ll)), 0);
    assert_int_equal(setsockopt(cap, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);

    s = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(s >= 0);
    inet_pton(AF_INET, src, &from.sin_addr);
    inet_pton(AF_INET, "192.0.2.99", &to.sin_addr);
    assert_int_equal(bind(s, (struct sockaddr *)&from, sizeof(from)), 0);
    assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    for (tries = 0; tries < 20; tries++) {
        ssize_t len = recv(cap, pkt, sizeof(pkt), 0);
        const struct iphdr *ip = (const void *)pkt;
        const struct udphdr *udp;

        if (len < 0)
            break;
        if ((size_t)len < sizeof(*ip) + sizeof(*udp) || ip->protocol != IPPROTO_UDP)
            continue;
        udp = (const void *)(pkt + ip->ihl * 4);
        if (udp->dest != htons(9999))
            continue;
        inet_ntop(AF_INET, &ip->saddr, out, outlen);
        break;
    }
    close(s);
    close(cap);
}

static void masquerade_rewrites_the_source_on_the_wire(void **state)
{
    struct nbc_link lo;
    struct nbc_addr a;
    char src[64];

    testns_nic(nbc, "eth0", "peer0", "192.0.2.1/24");
    assert_int_equal(nbc_link_set_up(nbc, "lo", 1), 0);
    assert_int_equal(nbc_link_get(nbc, "lo", &lo), 0);
    assert_int_equal(nbc_addr_parse("10.9.0.5/32", &a), 0);
    a.ifindex = lo.ifindex;
    assert_int_equal(nbc_addr_add(nbc, &a), 0);
    assert_int_equal(nbc_addr_parse("172.31.0.5/32", &a), 0);
    a.ifindex = lo.ifindex;
    assert_int_equal(nbc_addr_add(nbc, &a), 0);
    add_neighbour("eth0", "192.0.2.99", "peer0");

    wire_source("10.9.0.5", 40001, src, sizeof(src));
    assert_string_equal(src, "10.9.0.5");          /* no NAT yet */

    assert_int_equal(nbc_nat_up(nbc, "eth0", "10.9.0.0/16"), 0);
    wire_source("10.9.0.5", 40002, src, sizeof(src));
    assert_string_equal(src, "192.0.2.1");         /* the uplink's address */
    wire_source("172.31.0.5", 40003, src, sizeof(src));
    assert_string_equal(src, "172.31.0.5");        /* not from the subnet */

    assert_int_equal(nbc_nat_down(nbc, "eth0", "10.9.0.0/16"), 0);
    wire_source("10.9.0.5", 40004, src, sizeof(src));
    assert_string_equal(src, "10.9.0.5");
}

/* Whether this kernel has nf_tables (in a fresh namespace). */
static int nftables_available(void)
{
    const char *why = "";
    struct nbc *probe = testns_enter(&why);
    int ok;

    if (!probe) {
        printf("SKIPPED nf_tables tests: %s\n", why);
        return 0;
    }
    ok = nbc_nat_table_exists(probe) >= 0;
    if (!ok)
        printf("SKIPPED nf_tables tests: %s\n", nbc_errmsg(probe));
    nbc_close(probe);
    return ok;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, testns_setup, testns_teardown)
    const struct CMUnitTest ns[] = {
        T(up_masquerades_the_subnet_and_forwards),
        T(up_twice_changes_nothing),
        T(down_removes_exactly_what_up_added),
        T(users_tables_are_left_alone),
        T(foreign_rule_in_our_table_keeps_it),
        T(bad_input_changes_nothing),
        T(up_rolls_back_each_change),
        T(up_rolls_back_into_existing_table),
        T(down_failure_keeps_the_rule),
        T(rollback_of_a_down_restores_the_rule),
        T(masquerade_rewrites_the_source_on_the_wire),
    };
#undef T
    if (!testns_available() || !nftables_available())
        return 0;
    return cmocka_run_group_tests_name("nbc_nat", ns, NULL, NULL);
}
