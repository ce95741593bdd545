/* netback-config core: rtnetlink requests through libmnl, the undo log and
 * sysctls.  The composite operations built on these live in nbc_ops.c. */
#include "netback-config/nbc.h"
#include "netback-config/nbc_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Dumps of a busy host's routes come in pages this size. */
#define NBC_RXBUF 32768

int nbc_open(struct nbc **out)
{
    struct nbc *n = calloc(1, sizeof(*n));
    int rc;

    *out = NULL;
    if (!n)
        return -ENOMEM;
    n->nl = mnl_socket_open(NETLINK_ROUTE);
    if (!n->nl) {
        rc = -errno;
        goto out_free;
    }
    if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        rc = -errno;
        goto out_close;
    }
    n->portid = mnl_socket_get_portid(n->nl);
    n->seq = (unsigned)getpid() << 8;
    *out = n;
    return 0;

out_close:
    mnl_socket_close(n->nl);
out_free:
    free(n);
    return rc;
}

void nbc_close(struct nbc *n)
{
    if (!n)
        return;
    mnl_socket_close(n->nl);
    nbc_nf_close(n);
    free(n->undo);
    free(n);
}

const char *nbc_errmsg(const struct nbc *n)
{
    return n->err;
}

int nbc_fail(struct nbc *n, int rc, const char *fmt, ...)
{
    va_list ap;
    int len;

    /* During rollback the first message (the cause) is what matters. */
    if (n->rolling_back)
        return rc;
    va_start(ap, fmt);
    len = vsnprintf(n->err, sizeof(n->err), fmt, ap);
    va_end(ap);
    if (rc && len >= 0 && (size_t)len < sizeof(n->err))
        snprintf(n->err + len, sizeof(n->err) - len, ": %s", strerror(-rc));
    return rc;
}

/* Every change to the host passes here first, so tests can make the Nth
 * change fail and check that rollback restores the state exactly. */
int nbc_gate(struct nbc *n)
{
    if (n->rolling_back || n->fail_at <= 0)
        return 0;
    if (--n->fail_at == 0)
        return -EIO;
    return 0;
}

void nbc_debug_fail_at(struct nbc *n, int nth)
{
    n->fail_at = nth;
}

/* ---- undo log ---- */

void nbc_tx_begin(struct nbc *n)
{
    n->tx_depth++;
}

void nbc_tx_commit(struct nbc *n)
{
    if (n->tx_depth > 0 && --n->tx_depth == 0)
        n->n_undo = 0;
}

int nbc_undo_push(struct nbc *n, const struct nbc_undo *u)
{
    if (!n->tx_depth || n->rolling_back)
        return 0;
    if (n->n_undo == n->cap_undo) {
        int cap = n->cap_undo ? n->cap_undo * 2 : 16;
        struct nbc_undo *p = realloc(n->undo, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        n->undo = p;
        n->cap_undo = cap;
    }
    n->undo[n->n_undo++] = *u;
    return 0;
}

static int link_set_idx(struct nbc *n, int ifindex, int attr, const void *val,
                        int len, int up);

static void nbc_undo_one(struct nbc *n, const struct nbc_undo *u)
{
    switch (u->op) {
    case NBC_UNDO_LINK_DEL:
        nbc_link_del_index(n, u->ifindex);
        break;
    case NBC_UNDO_SET_MASTER: {
        uint32_t m = (uint32_t)u->ival;
        link_set_idx(n, u->ifindex, IFLA_MASTER, &m, sizeof(m), -1);
        break;
    }
    case NBC_UNDO_SET_MTU: {
        uint32_t mtu = (uint32_t)u->ival;
        link_set_idx(n, u->ifindex, IFLA_MTU, &mtu, sizeof(mtu), -1);
        break;
    }
    case NBC_UNDO_SET_UP:
        link_set_idx(n, u->ifindex, 0, NULL, 0, u->ival);
        break;
    case NBC_UNDO_SET_MAC:
        link_set_idx(n, u->ifindex, IFLA_ADDRESS, u->mac, 6, -1);
        break;
    case NBC_UNDO_ADDR_ADD:
        nbc_addr_add(n, &u->addr);
        break;
    case NBC_UNDO_ADDR_DEL:
        nbc_addr_del(n, &u->addr);
        break;
    case NBC_UNDO_ROUTE_ADD:
        nbc_route_add(n, &u->route);
        break;
    case NBC_UNDO_ROUTE_DEL:
        nbc_route_del(n, &u->route);
        break;
    case NBC_UNDO_SYSCTL:
        nbc_sysctl_set(n, u->path, u->val);
        break;
    case NBC_UNDO_MASQ_ADD:
        nbc_masq_add(n, u->path, &u->addr);
        break;
    case NBC_UNDO_MASQ_DEL:
        nbc_masq_del(n, u->path, &u->addr);
        break;
    }
}

void nbc_tx_rollback(struct nbc *n)
{
    n->rolling_back = 1;
    while (n->n_undo > 0)
        nbc_undo_one(n, &n->undo[--n->n_undo]);
    n->rolling_back = 0;
    n->tx_depth = 0;
}

/* ---- request/response ---- */

/* Send NLH on SOCK and run CB over the replies to SEQ until the exchange
 * ends (MNL_CB_STOP: the ACK or DONE) or fails (-errno; a failed request
 * still ends with its own message consumed, nothing more arrives for SEQ).
 * Shared by rtnetlink and nfnetlink queries. */
int nbc_exchange(struct mnl_socket *sock, unsigned portid,
                 struct nlmsghdr *nlh, unsigned seq, mnl_cb_t cb, void *data)
{
    char *buf = malloc(NBC_RXBUF);
    int rc = 0;

    if (!buf)
        return -ENOMEM;
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
        rc = -errno;
        goto out;
    }
    for (;;) {
        ssize_t len = mnl_socket_recvfrom(sock, buf, NBC_RXBUF);
        int r;

        if (len < 0) {
            rc = -errno;
            goto out;
        }
        errno = 0;
        r = mnl_cb_run(buf, len, seq, portid, cb, data);
        if (r == MNL_CB_ERROR) {
            rc = errno ? -errno : -EIO;
            goto out;
        }
        if (r == MNL_CB_STOP)
            break;
    }
out:
    free(buf);
    return rc;
}

static int nbc_request(struct nbc *n, struct nlmsghdr *nlh, mnl_cb_t cb,
                       void *data)
{
    unsigned seq;
    int is_dump;

    nlh->nlmsg_seq = seq = ++n->seq;
    /* NLM_F_DUMP shares bits with NLM_F_EXCL, so only a GET is a dump.
     * Everything else asks for an ACK: that is what ends the exchange. */
    is_dump = (nlh->nlmsg_type - RTM_BASE) % 4 == 2 &&
              (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!is_dump)
        nlh->nlmsg_flags |= NLM_F_ACK;
    return nbc_exchange(n->nl, n->portid, nlh, seq, cb, data);
}

static struct nlmsghdr *nbc_msg(char *buf, int type, int flags)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    return nlh;
}

/* ---- links ---- */

static void parse_linkinfo(const struct nlattr *li, struct nbc_link *l)
{
    const struct nlattr *a;

    mnl_attr_for_each_nested(a, li) {
        if (mnl_attr_get_type(a) == IFLA_INFO_KIND) {
            snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(a));
        }
    }
}

static int link_parse(const struct nlmsghdr *nlh, struct nbc_link *l)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;

    memset(l, 0, sizeof(*l));
    l->ifindex = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
        switch (mnl_attr_get_type(a)) {
        case IFLA_IFNAME:
            snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
            break;
        case IFLA_MTU:
            l->mtu = mnl_attr_get_u32(a);
            break;
        case IFLA_MASTER:
            l->master = (int)mnl_attr_get_u32(a);
            break;
        case IFLA_ADDRESS:
            if (mnl_attr_get_payload_len(a) == 6) {
                memcpy(l->mac, mnl_attr_get_payload(a), 6);
                l->has_mac = 1;
            }
            break;
        case IFLA_LINKINFO:
            parse_linkinfo(a, l);
            break;
        }
    }
    return 0;
}

static int link_one_cb(const struct nlmsghdr *nlh, void *data)
{
    if (nlh->nlmsg_type == RTM_NEWLINK)
        link_parse(nlh, data);
    return MNL_CB_OK;
}

static int link_get(struct nbc *n, const char *name, int ifindex,
                    struct nbc_link *out)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, RTM_GETLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    int rc;

    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    if (name) {
        if (strlen(name) >= IFNAMSIZ || !*name)
            return -EINVAL;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    }
    memset(out, 0, sizeof(*out));
    rc = nbc_request(n, nlh, link_one_cb, out);
    if (rc == -ENODEV || (!rc && !out->ifindex))
        return -ENODEV;
    return rc;
}

int nbc_link_get(struct nbc *n, const char *name, struct nbc_link *out)
{
    return link_get(n, name, 0, out);
}

int nbc_link_get_index(struct nbc *n, int ifindex, struct nbc_link *out)
{
    return link_get(n, NULL, ifindex, out);
}

struct link_vec { struct nbc_link *v; int n, cap; };

static int link_list_cb(const struct nlmsghdr *nlh, void *data)
{
    struct link_vec *lv = data;

    if (nlh->nlmsg_type != RTM_NEWLINK)
        return MNL_CB_OK;
    if (lv->n == lv->cap) {
        int cap = lv->cap ? lv->cap * 2 : 16;
        struct nbc_link *p = realloc(lv->v, cap * sizeof(*p));
        if (!p) {
            errno = ENOMEM;
            return MNL_CB_ERROR;
        }
        lv->v = p;
        lv->cap = cap;
    }
    link_parse(nlh, &lv->v[lv->n++]);
    return MNL_CB_OK;
}

int nbc_link_list(struct nbc *n, struct nbc_link **out, int *count)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, RTM_GETLINK, NLM_F_DUMP);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    struct link_vec lv = { 0 };
    int rc;

    ifi->ifi_family = AF_UNSPEC;
    rc = nbc_request(n, nlh, link_list_cb, &lv);
    if (rc) {
        free(lv.v);
        return nbc_fail(n, rc, "cannot list network interfaces");
    }
    *out = lv.v;
    *count = lv.n;
    return 0;
}

int nbc_link_add(struct nbc *n, const char *name, const char *kind)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifi;
    struct nlattr *li;
    struct nbc_link l;
    struct nbc_undo u = { .op = NBC_UNDO_LINK_DEL };
    int rc;

    if (!name || !*name || strlen(name) >= IFNAMSIZ || strchr(name, '/') ||
        strchr(name, ' '))
        return nbc_fail(n, -EINVAL, "invalid interface name '%s'",
                        name ? name : "");
    rc = nbc_link_get(n, name, &l);
    if (!rc) {
        if (strcmp(l.kind, kind))
            return nbc_fail(n, -EEXIST, "%s exists and is not a %s (it is %s)",
                            name, kind, l.kind[0] ? l.kind : "a physical device");
        return 0;
    }
    if (rc != -ENODEV)
        return nbc_fail(n, rc, "cannot look up %s", name);

    nlh = nbc_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
    mnl_attr_nest_end(nlh, li);
    rc = nbc_gate(n);
    if (!rc)
        rc = nbc_request(n, nlh, NULL, NULL);
    if (rc)
        return nbc_fail(n, rc, "cannot create %s %s", kind, name);
    rc = nbc_link_get(n, name, &l);
    if (rc)
        return nbc_fail(n, rc, "%s %s vanished after creation", kind, name);
    u.ifindex = l.ifindex;
    return nbc_undo_push(n, &u);
}

int nbc_veth_add(struct nbc *n, const char *name, const char *peer)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifi, *pifi;
    struct nlattr *li, *data, *pe;
    struct nbc_link l;
    struct nbc_undo u = { .op = NBC_UNDO_LINK_DEL };
    int rc;

    if (!nbc_link_get(n, name, &l))
        return strcmp(l.kind, "veth") ? nbc_fail(n, -EEXIST, "%s exists", name) : 0;
    nlh = nbc_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    pe = mnl_attr_nest_start(nlh, 1 /* VETH_INFO_PEER */);
    pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
    memset(pifi, 0, sizeof(*pifi));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    mnl_attr_nest_end(nlh, pe);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    rc = nbc_request(n, nlh, NULL, NULL);
    if (rc)
        return nbc_fail(n, rc, "cannot create veth pair %s/%s", name, peer);
    if (nbc_link_get(n, name, &l))
        return 0;
    u.ifindex = l.ifindex;
    return nbc_undo_push(n, &u);
}

int nbc_link_del_index(struct nbc *n, int ifindex)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, RTM_DELLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    int rc;

    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    rc = nbc_gate(n);
    if (!rc)
        rc = nbc_request(n, nlh, NULL, NULL);
    return rc == -ENODEV ? 0 : rc;
}

int nbc_link_del(struct nbc *n, const char *name)
{
    struct nbc_link l;
    int rc = nbc_link_get(n, name, &l);

    if (rc == -ENODEV)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot look up %s", name);
    rc = nbc_link_del_index(n, l.ifindex);
    if (rc)
        return nbc_fail(n, rc, "cannot delete %s", name);
    return 0;
}

/* One RTM_NEWLINK on an existing link: an attribute, and/or (UP >= 0) the
 * IFF_UP flag. */
static int link_set_idx(struct nbc *n, int ifindex, int attr, const void *val,
                        int len, int up)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, RTM_NEWLINK, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    if (up >= 0) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = up ? IFF_UP : 0;
    }
    if (attr)
        mnl_attr_put(nlh, attr, len, val);
    if (nbc_gate(n))
        return -EIO;
    return nbc_request(n, nlh, NULL, NULL);
}

static int link_lookup(struct nbc *n, const char *name, struct nbc_link *l,
                       const char *what)
{
    int rc = nbc_link_get(n, name, l);
    if (rc == -ENODEV)
        return nbc_fail(n, rc, "%s %s does not exist", what, name);
    if (rc)
        return nbc_fail(n, rc, "cannot look up %s %s", what, name);
    return 0;
}

int nbc_link_set_master(struct nbc *n, const char *name, const char *master)
{
    struct nbc_link l, m = { 0 };
    struct nbc_undo u = { .op = NBC_UNDO_SET_MASTER };
    uint32_t idx;
    int rc;

    if ((rc = link_lookup(n, name, &l, "interface")))
        return rc;
    if (master) {
        if ((rc = link_lookup(n, master, &m, "bridge")))
            return rc;
        if (strcmp(m.kind, "bridge"))
            return nbc_fail(n, -EINVAL, "%s is not a bridge", master);
    }
    if (l.master == m.ifindex)
        return 0;
    idx = (uint32_t)m.ifindex;
    rc = link_set_idx(n, l.ifindex, IFLA_MASTER, &idx, sizeof(idx), -1);
    if (rc) {
        if (master)
            return nbc_fail(n, rc, "cannot add %s to bridge %s", name, master);
        return nbc_fail(n, rc, "cannot release %s from its bridge", name);
    }
    u.ifindex = l.ifindex;
    u.ival = l.master;
    return nbc_undo_push(n, &u);
}

int nbc_link_set_mtu(struct nbc *n, const char *name, unsigned mtu)
{
    struct nbc_link l;
    struct nbc_undo u = { .op = NBC_UNDO_SET_MTU };
    uint32_t v = mtu;
    int rc;

    if ((rc = link_lookup(n, name, &l, "interface")))
        return rc;
    if (l.mtu == mtu)
        return 0;
    rc = link_set_idx(n, l.ifindex, IFLA_MTU, &v, sizeof(v), -1);
    if (rc)
        return nbc_fail(n, rc, "cannot set MTU %u on %s", mtu, name);
    u.ifindex = l.ifindex;
    u.ival = (int)l.mtu;
    return nbc_undo_push(n, &u);
}

int nbc_link_set_up(struct nbc *n, const char *name, int up)
{
    struct nbc_link l;
    struct nbc_undo u = { .op = NBC_UNDO_SET_UP };
    int rc;

    up = !!up;
    if ((rc = link_lookup(n, name, &l, "interface")))
        return rc;
    if (!!(l.flags & IFF_UP) == up)
        return 0;
    rc = link_set_idx(n, l.ifindex, 0, NULL, 0, up);
    if (rc)
        return nbc_fail(n, rc, "cannot bring %s %s", name, up ? "up" : "down");
    u.ifindex = l.ifindex;
    u.ival = !up;
    return nbc_undo_push(n, &u);
}

int nbc_link_pin_mac(struct nbc *n, int ifindex, const unsigned char mac[6])
{
    int rc = link_set_idx(n, ifindex, IFLA_ADDRESS, mac, 6, -1);
    return rc ? nbc_fail(n, rc, "cannot set the MAC address of #%d", ifindex) : 0;
}

int nbc_link_rename(struct nbc *n, const char *name, const char *newname)
{
    struct nbc_link l;
    int rc;

    if (!newname || !*newname || strlen(newname) >= IFNAMSIZ ||
        strchr(newname, '/') || strchr(newname, ' '))
        return nbc_fail(n, -EINVAL, "invalid interface name '%s'",
                        newname ? newname : "");
    if (!strcmp(name, newname))
        return 0;
    if ((rc = link_lookup(n, name, &l, "interface")))
        return rc;
    rc = link_set_idx(n, l.ifindex, IFLA_IFNAME, newname, (int)strlen(newname) + 1, -1);
    if (rc)
        return nbc_fail(n, rc, "cannot rename %s to %s", name, newname);
    return 0;
}

int nbc_link_set_mac(struct nbc *n, const char *name, const unsigned char mac[6])
{
    struct nbc_link l;
    struct nbc_undo u = { .op = NBC_UNDO_SET_MAC };
    int rc;

    if ((rc = link_lookup(n, name, &l, "interface")))
        return rc;
    if (l.has_mac && !memcmp(l.mac, mac, 6))
        return 0;
    rc = link_set_idx(n, l.ifindex, IFLA_ADDRESS, mac, 6, -1);
    if (rc)
        return nbc_fail(n, rc, "cannot set the MAC address of %s", name);
    u.ifindex = l.ifindex;
    memcpy(u.mac, l.mac, 6);
    return nbc_undo_push(n, &u);
}

/* ---- addresses ---- */

static int addr_len(int family)
{
    return family == AF_INET6 ? 16 : 4;
}

struct addr_vec { struct nbc_addr *v; int n, cap; int ifindex; };

static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
    struct addr_vec *av = data;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;
    struct nbc_addr ad = { 0 };
    int have_local = 0, have_addr = 0;
    unsigned char addr[16];

    if (nlh->nlmsg_type != RTM_NEWADDR)
        return MNL_CB_OK;
    if (av->ifindex && (int)ifa->ifa_index != av->ifindex)
        return MNL_CB_OK;
    ad.family = ifa->ifa_family;
    ad.prefixlen = ifa->ifa_prefixlen;
    ad.ifindex = (int)ifa->ifa_index;
    ad.scope = ifa->ifa_scope;
    ad.flags = ifa->ifa_flags;
    mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
        int t = mnl_attr_get_type(a);
        int len = mnl_attr_get_payload_len(a);
        if (len != addr_len(ad.family))
            continue;
        if (t == IFA_LOCAL) {
            memcpy(ad.addr, mnl_attr_get_payload(a), len);
            have_local = 1;
        } else if (t == IFA_ADDRESS) {
            memcpy(addr, mnl_attr_get_payload(a), len);
            have_addr = 1;
        }
    }
    /* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
     * point-to-point links and the same otherwise. */
    if (!have_local && have_addr)
        memcpy(ad.addr, addr, addr_len(ad.family));
    else if (!have_local)
        return MNL_CB_OK;
    if (av->n == av->cap) {
        int cap = av->cap ? av->cap * 2 : 8;
        struct nbc_addr *p = realloc(av->v, cap * sizeof(*p));
        if (!p) {
            errno = ENOMEM;
            return MNL_CB_ERROR;
        }
        av->v = p;
        av->cap = cap;
    }
    av->v[av->n++] = ad;
    return MNL_CB_OK;
}

int nbc_addr_list(struct nbc *n, int ifindex, struct nbc_addr **out, int *count)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, RTM_GETADDR, NLM_F_DUMP);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    struct addr_vec av = { .ifindex = ifindex };
    int rc;

    ifa->ifa_family = AF_UNSPEC;
    rc = nbc_request(n, nlh, addr_list_cb, &av);
    if (rc) {
        free(av.v);
        return nbc_fail(n, rc, "cannot list addresses");
    }
    *out = av.v;
    *count = av.n;
    return 0;
}

static int addr_msg(struct nbc *n, int type, int flags, const struct nbc_addr *a)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, type, flags);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    int len = addr_len(a->family);

    ifa->ifa_family = a->family;
    ifa->ifa_prefixlen = a->prefixlen;
    ifa->ifa_scope = a->scope;
    ifa->ifa_index = a->ifindex;
    mnl_attr_put(nlh, IFA_LOCAL, len, a->addr);
    mnl_attr_put(nlh, IFA_ADDRESS, len, a->addr);
    if (a->family == AF_INET && a->prefixlen < 31 && type == RTM_NEWADDR) {
        uint32_t ip, mask, brd;
        memcpy(&ip, a->addr, 4);
        mask = a->prefixlen ? htonl(~0u << (32 - a->prefixlen)) : 0;
        brd = ip | ~mask;
        mnl_attr_put(nlh, IFA_BROADCAST, 4, &brd);
    }
    if (nbc_gate(n))
        return -EIO;
    return nbc_request(n, nlh, NULL, NULL);
}

int nbc_addr_add(struct nbc *n, const struct nbc_addr *a)
{
    struct nbc_undo u = { .op = NBC_UNDO_ADDR_DEL };
    char txt[64];
    int rc = addr_msg(n, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, a);

    if (rc == -EEXIST)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot add address %s",
                        nbc_addr_format(a, txt, sizeof(txt)));
    u.addr = *a;
    return nbc_undo_push(n, &u);
}

int nbc_addr_del(struct nbc *n, const struct nbc_addr *a)
{
    struct nbc_undo u = { .op = NBC_UNDO_ADDR_ADD };
    char txt[64];
    int rc = addr_msg(n, RTM_DELADDR, 0, a);

    if (rc == -EADDRNOTAVAIL || rc == -ENODEV)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot remove address %s",
                        nbc_addr_format(a, txt, sizeof(txt)));
    u.addr = *a;
    return nbc_undo_push(n, &u);
}

int nbc_addr_parse(const char *text, struct nbc_addr *a)
{
    char buf[64];
    char *slash, *end;
    long pl;

    memset(a, 0, sizeof(*a));
    if (!text || strlen(text) >= sizeof(buf))
        return -EINVAL;
    strcpy(buf, text);
    slash = strchr(buf, '/');
    if (slash)
        *slash++ = '\0';
    if (inet_pton(AF_INET, buf, a->addr) == 1)
        a->family = AF_INET;
    else if (inet_pton(AF_INET6, buf, a->addr) == 1)
        a->family = AF_INET6;
    else
        return -EINVAL;
    a->prefixlen = a->family == AF_INET ? 32 : 128;
    if (slash) {
        errno = 0;
        pl = strtol(slash, &end, 10);
        if (errno || *end || end == slash || pl < 0 || pl > a->prefixlen)
            return -EINVAL;
        a->prefixlen = (int)pl;
    }
    return 0;
}

const char *nbc_addr_format(const struct nbc_addr *a, char *buf, int len)
{
    char ip[INET6_ADDRSTRLEN];

    if (!inet_ntop(a->family, a->addr, ip, sizeof(ip)))
        snprintf(ip, sizeof(ip), "?");
    snprintf(buf, len, "%s/%d", ip, a->prefixlen);
    return buf;
}

/* ---- routes ---- */

struct route_vec { struct nbc_route *v; int n, cap; };

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
    struct route_vec *rv = data;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;
    struct nbc_route r = { 0 };
    int alen;

    if (nlh->nlmsg_type != RTM_NEWROUTE)
        return MNL_CB_OK;
    r.family = rtm->rtm_family;
    r.dst_len = rtm->rtm_dst_len;
    r.table = rtm->rtm_table;
    r.protocol = rtm->rtm_protocol;
    r.scope = rtm->rtm_scope;
    r.type = rtm->rtm_type;
    alen = addr_len(r.family);
    mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
        int len = mnl_attr_get_payload_len(a);
        switch (mnl_attr_get_type(a)) {
        case RTA_DST:
            if (len == alen)
                memcpy(r.dst, mnl_attr_get_payload(a), len);
            break;
        case RTA_GATEWAY:
            if (len == alen) {
                memcpy(r.gw, mnl_attr_get_payload(a), len);
                r.has_gw = 1;
            }
            break;
        case RTA_PREFSRC:
            if (len == alen) {
                memcpy(r.src, mnl_attr_get_payload(a), len);
                r.has_src = 1;
            }
            break;
        case RTA_OIF:
            r.oif = (int)mnl_attr_get_u32(a);
            break;
        case RTA_PRIORITY:
            r.metric = mnl_attr_get_u32(a);
            r.has_metric = 1;
            break;
        case RTA_TABLE:
            r.table = (int)mnl_attr_get_u32(a);
            break;
        }
    }
    if (r.table != RT_TABLE_MAIN || r.type != RTN_UNICAST)
        return MNL_CB_OK;
    if (rv->n == rv->cap) {
        int cap = rv->cap ? rv->cap * 2 : 16;
        struct nbc_route *p = realloc(rv->v, cap * sizeof(*p));
        if (!p) {
            errno = ENOMEM;
            return MNL_CB_ERROR;
        }
        rv->v = p;
        rv->cap = cap;
    }
    rv->v[rv->n++] = r;
    return MNL_CB_OK;
}

int nbc_route_list(struct nbc *n, int family, struct nbc_route **out, int *count)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    struct route_vec rv = { 0 };
    int rc;

    rtm->rtm_family = family;
    rc = nbc_request(n, nlh, route_list_cb, &rv);
    if (rc) {
        free(rv.v);
        return nbc_fail(n, rc, "cannot list routes");
    }
    *out = rv.v;
    *count = rv.n;
    return 0;
}

static int route_msg(struct nbc *n, int type, int flags, const struct nbc_route *r)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nbc_msg(buf, type, flags);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    int len = addr_len(r->family);

    rtm->rtm_family = r->family;
    rtm->rtm_dst_len = r->dst_len;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = type == RTM_DELROUTE ? 0 : (r->protocol ? r->protocol : RTPROT_BOOT);
    /* As ip(8): a route through a gateway is universe scope, a route
     * straight out of a device is link scope. */
    rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE :
        (r->has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    rtm->rtm_type = RTN_UNICAST;
    if (r->dst_len)
        mnl_attr_put(nlh, RTA_DST, len, r->dst);
    if (r->has_gw)
        mnl_attr_put(nlh, RTA_GATEWAY, len, r->gw);
    if (r->has_src)
        mnl_attr_put(nlh, RTA_PREFSRC, len, r->src);
    if (r->oif)
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
    if (r->has_metric)
        mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
    if (nbc_gate(n))
        return -EIO;
    return nbc_request(n, nlh, NULL, NULL);
}

static const char *route_text(const struct nbc_route *r, char *buf, int len)
{
    char dst[INET6_ADDRSTRLEN];

    if (!r->dst_len)
        snprintf(buf, len, "default");
    else {
        inet_ntop(r->family, r->dst, dst, sizeof(dst));
        snprintf(buf, len, "%s/%d", dst, r->dst_len);
    }
    return buf;
}

int nbc_route_add(struct nbc *n, const struct nbc_route *r)
{
    struct nbc_undo u = { .op = NBC_UNDO_ROUTE_DEL };
    char txt[64];
    int rc = route_msg(n, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);

    if (rc == -EEXIST)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot add route %s", route_text(r, txt, sizeof(txt)));
    u.route = *r;
    return nbc_undo_push(n, &u);
}

int nbc_route_del(struct nbc *n, const struct nbc_route *r)
{
    struct nbc_undo u = { .op = NBC_UNDO_ROUTE_ADD };
    char txt[64];
    int rc = route_msg(n, RTM_DELROUTE, 0, r);

    if (rc == -ESRCH || rc == -ENODEV)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot remove route %s", route_text(r, txt, sizeof(txt)));
    u.route = *r;
    return nbc_undo_push(n, &u);
}

/* ---- sysctls ---- */

int nbc_sysctl_get(const char *path, char *buf, int len)
{
    char full[256];
    ssize_t r;
    int fd;

    snprintf(full, sizeof(full), "/proc/sys/%s", path);
    fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    r = read(fd, buf, len - 1);
    close(fd);
    if (r < 0)
        return -errno;
    buf[r] = '\0';
    while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
        buf[--r] = '\0';
    return 0;
}

int nbc_sysctl_set(struct nbc *n, const char *path, const char *value)
{
    struct nbc_undo u = { .op = NBC_UNDO_SYSCTL };
    char full[256];
    int fd, rc;
    ssize_t len = (ssize_t)strlen(value);

    if (strlen(path) >= sizeof(u.path) || strlen(value) >= sizeof(u.val))
        return nbc_fail(n, -EINVAL, "sysctl %s: name or value too long", path);
    rc = nbc_sysctl_get(path, u.val, sizeof(u.val));
    if (rc)
        return nbc_fail(n, rc, "cannot read /proc/sys/%s", path);
    if (!strcmp(u.val, value))
        return 0;
    snprintf(full, sizeof(full), "/proc/sys/%s", path);
    if ((rc = nbc_gate(n)))
        return nbc_fail(n, rc, "cannot write %s", full);
    fd = open(full, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return nbc_fail(n, -errno, "cannot open %s", full);
    if (write(fd, value, len) != len) {
        rc = -errno;
        close(fd);
        return nbc_fail(n, rc ? rc : -EIO, "cannot write %s to %s", value, full);
    }
    close(fd);
    snprintf(u.path, sizeof(u.path), "%s", path);
    return nbc_undo_push(n, &u);
}
