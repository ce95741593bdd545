/* Shared by the netback-config unit tests: a private network namespace and
 * a textual snapshot of everything the library may change in it, so a test
 * can assert "exactly as before" after a rollback. */
#ifndef TESTS_NBC_TESTNS_H
#define TESTS_NBC_TESTNS_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "netback-config/nbc.h"
#include "netback-config/nbc_internal.h"

/* Enter a fresh network namespace (root only) and check veth and bridge
 * links can be made there.  Returns NULL with a reason in WHY to skip. */
static inline struct nbc *testns_enter(const char **why)
{
    struct nbc *n = NULL;
    int rc;

    if (unshare(CLONE_NEWNET)) {
        *why = "cannot unshare(CLONE_NEWNET) (not root?)";
        return NULL;
    }
    if (nbc_open(&n)) {
        *why = "cannot open rtnetlink";
        return NULL;
    }
    rc = nbc_veth_add(n, "probe0", "probe1");
    if (!rc)
        rc = nbc_link_add(n, "probebr", "bridge");
    if (rc) {
        *why = "kernel lacks veth or bridge support";
        nbc_close(n);
        return NULL;
    }
    nbc_link_del(n, "probe0");
    nbc_link_del(n, "probebr");
    return n;
}

/* The handle the running test works on.  Each test enters a namespace of its
 * own (testns_setup), so nothing one test leaves behind is seen by the next. */
static struct nbc *nbc;

static inline int testns_setup(void **state)
{
    const char *why = "";

    (void)state;
    nbc = testns_enter(&why);
    return nbc ? 0 : -1;
}

static inline int testns_teardown(void **state)
{
    (void)state;
    nbc_close(nbc);
    nbc = NULL;
    return 0;
}

/* Whether the namespace tests can run on this machine; if not, says why on
 * stdout so the run shows them as skipped rather than passed. */
static inline int testns_available(void)
{
    const char *why = "";
    struct nbc *probe = testns_enter(&why);

    if (!probe) {
        printf("SKIPPED netlink tests: %s\n", why);
        return 0;
    }
    nbc_close(probe);
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *ifname_of(const struct nbc_link *links, int n, int idx)
{
    int i;
    for (i = 0; i < n; i++)
        if (links[i].ifindex == idx)
            return links[i].name;
    return idx ? "?" : "-";
}

/* One line per link, non-link-local address, IPv4 main-table route,
 * relevant sysctl and piece of our nf_tables table, sorted; malloc'd. */
static inline char *testns_snapshot(struct nbc *n)
{
    struct nbc_link *l = NULL;
    struct nbc_addr *a = NULL;
    struct nbc_route *r = NULL;
    struct nbc_masq *m = NULL;
    int nl = 0, na = 0, nr = 0, nm = 0, has_table = 0, i, k = 0, total;
    char **lines, *out;
    size_t len = 1;
    char buf[256], txt[64], val[32], saved_err[sizeof(n->err)];

    if (nbc_link_list(n, &l, &nl) || nbc_addr_list(n, 0, &a, &na) ||
        nbc_route_list(n, AF_INET, &r, &nr))
        return strdup("snapshot failed");
    /* Our nf_tables table and its masquerade rules (nbc_nat.c); none on a
     * kernel without nf_tables, whose failure must not replace the message
     * of the operation under test. */
    memcpy(saved_err, n->err, sizeof(saved_err));
    if (nbc_nat_table_exists(n) > 0 && !nbc_nat_list(n, &m, &nm))
        has_table = 1;
    memcpy(n->err, saved_err, sizeof(saved_err));
    total = nl * 2 + na + nr + 2 + nm;
    lines = calloc(total, sizeof(char *));
    if (has_table)
        lines[k++] = strdup("nft table ip " NBC_NAT_TABLE);
    for (i = 0; i < nm; i++) {
        snprintf(buf, sizeof(buf), "nft masquerade %s out %s",
                 nbc_addr_format(&m[i].subnet, txt, sizeof(txt)), m[i].uplink);
        lines[k++] = strdup(buf);
    }
    for (i = 0; i < nl; i++) {
        /* A bridge's MAC follows its ports (the kernel's choice, not ours),
         * so it is left out; tests that set one check it directly. */
        if (!strcmp(l[i].kind, "bridge"))
            memset(l[i].mac, 0, 6);
        snprintf(buf, sizeof(buf),
                 "link %s kind=%s master=%s mtu=%u up=%d mac=%02x%02x%02x%02x%02x%02x",
                 l[i].name, l[i].kind, ifname_of(l, nl, l[i].master), l[i].mtu,
                 !!(l[i].flags & 1), l[i].mac[0], l[i].mac[1], l[i].mac[2],
                 l[i].mac[3], l[i].mac[4], l[i].mac[5]);
        lines[k++] = strdup(buf);
        snprintf(buf, sizeof(buf), "net/ipv4/conf/%s/proxy_arp", l[i].name);
        if (!nbc_sysctl_get(buf, val, sizeof(val))) {
            snprintf(txt, sizeof(txt), "sysctl %s=%s", l[i].name, val);
            lines[k++] = strdup(txt);
        }
    }
    for (i = 0; i < na; i++) {
        if (a[i].scope == RT_SCOPE_LINK)
            continue;
        snprintf(buf, sizeof(buf), "addr %s %s", ifname_of(l, nl, a[i].ifindex),
                 nbc_addr_format(&a[i], txt, sizeof(txt)));
        lines[k++] = strdup(buf);
    }
    for (i = 0; i < nr; i++) {
        char dst[64], gw[64] = "-", src[64] = "-";
        inet_ntop(AF_INET, r[i].dst, dst, sizeof(dst));
        if (r[i].has_gw)
            inet_ntop(AF_INET, r[i].gw, gw, sizeof(gw));
        if (r[i].has_src)
            inet_ntop(AF_INET, r[i].src, src, sizeof(src));
        snprintf(buf, sizeof(buf), "route %s/%d dev %s via %s src %s metric %u",
                 dst, r[i].dst_len, ifname_of(l, nl, r[i].oif), gw, src,
                 r[i].metric);
        lines[k++] = strdup(buf);
    }
    if (!nbc_sysctl_get("net/ipv4/ip_forward", val, sizeof(val))) {
        snprintf(buf, sizeof(buf), "sysctl ip_forward=%s", val);
        lines[k++] = strdup(buf);
    }
    qsort(lines, k, sizeof(char *), cmp_str);
    for (i = 0; i < k; i++)
        len += strlen(lines[i]) + 1;
    out = malloc(len);
    out[0] = '\0';
    for (i = 0; i < k; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
        free(lines[i]);
    }
    free(lines);
    free(l);
    free(a);
    free(r);
    free(m);
    return out;
}

/* A veth standing in for a physical NIC or a vif, with its peer up so the
 * link has carrier. */
static inline void testns_nic(struct nbc *n, const char *name, const char *peer,
                              const char *addr)
{
    struct nbc_link l;
    struct nbc_addr a;

    if (nbc_veth_add(n, name, peer) || nbc_link_set_up(n, name, 1) ||
        nbc_link_set_up(n, peer, 1) || nbc_link_get(n, name, &l)) {
        fprintf(stderr, "testns_nic %s: %s\n", name, nbc_errmsg(n));
        abort();
    }
    if (addr) {
        if (nbc_addr_parse(addr, &a))
            abort();
        a.ifindex = l.ifindex;
        if (nbc_addr_add(n, &a)) {
            fprintf(stderr, "testns_nic %s: %s\n", name, nbc_errmsg(n));
            abort();
        }
    }
}

static inline void testns_default_route(struct nbc *n, const char *dev,
                                        const char *gw)
{
    struct nbc_link l;
    struct nbc_route r = { .family = AF_INET, .has_gw = 1 };

    if (nbc_link_get(n, dev, &l) || inet_pton(AF_INET, gw, r.gw) != 1)
        abort();
    r.oif = l.ifindex;
    if (nbc_route_add(n, &r)) {
        fprintf(stderr, "default route: %s\n", nbc_errmsg(n));
        abort();
    }
}

/* Make the 1st, 2nd, ... change fail until the operation gets through (it
 * must within MAX - 1 tries); after each failure the namespace must be
 * exactly as before.  Returns how many changes were made to fail. */
static inline int testns_failures_rolled_back(int (*op)(void *), void *arg,
                                              int max)
{
    char *before = testns_snapshot(nbc), *after;
    int k, rc = -1;

    for (k = 1; k < max; k++) {
        nbc_debug_fail_at(nbc, k);
        rc = op(arg);
        nbc_debug_fail_at(nbc, 0);
        if (!rc)
            break;
        assert_int_equal(rc, -EIO);
        after = testns_snapshot(nbc);
        if (strcmp(before, after))
            fail_msg("failure at change %d left:\n%s\nexpected:\n%s", k, after, before);
        free(after);
    }
    free(before);
    assert_int_equal(rc, 0);
    return k - 1;
}

#endif
