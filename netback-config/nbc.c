/* netback-config core: rtnetlink requests through libnl-3's message and
 * socket API, the undo log and sysctls.  The composite operations built on
 * these live in nbc_ops.c.
 *
 * Only libnl-3 itself, no libnl-route objects and nothing of nbc_nat.c
 * (libnftnl): Debian ships libnl-3.a, so xl can link all of this
 * statically. */
#include "netback-config/nbc.h"
#include "netback-config/nbc_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

/* The socket receive buffer: the kernel's usual default (libnl's own is
 * 32 KiB).  Dumps are paced by our reads, so this bounds nothing. */
#define NBC_RCVBUF 212992

int nbc_open(struct nbc **out)
{
    struct nbc *n = calloc(1, sizeof(*n));
    int rc;

    *out = NULL;
    if (!n)
        return -ENOMEM;
    rc = nbc_socket(NETLINK_ROUTE, &n->nl);
    if (rc) {
        free(n);
        return rc;
    }
    n->seq = (unsigned)getpid() << 8;
    *out = n;
    return 0;
}

void nbc_close(struct nbc *n)
{
    if (!n)
        return;
    nl_socket_free(n->nl);
    nl_socket_free(n->nf);
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
    case NBC_UNDO_MASQ_DEL:
        if (n->masq_undo)
            n->masq_undo(n, u);
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

/* The state of one exchange, shared by its libnl callbacks. */
struct exchange {
    uint32_t seq;
    nbc_msg_cb cb;
    void *data;
    int done;
    int err;
};

/* Replies to an earlier exchange that ended early (a receive error) may
 * still be queued: they are skipped, never taken for replies to this one. */
static int exchange_seq(struct nl_msg *msg, void *arg)
{
    struct exchange *x = arg;
    return nlmsg_hdr(msg)->nlmsg_seq == x->seq ? NL_OK : NL_SKIP;
}

/* A failing callback does not end the exchange: the rest of a dump is read
 * and dropped, or the kernel would answer the session's next dump with
 * EBUSY while this one is still running. */
static int exchange_valid(struct nl_msg *msg, void *arg)
{
    struct exchange *x = arg;

    if (x->cb && !x->err)
        x->err = x->cb(nlmsg_hdr(msg), x->data);
    return NL_OK;
}

/* NLMSG_DONE ends a dump; a dump the kernel could not finish says why in
 * its payload. */
static int exchange_done(struct nl_msg *msg, void *arg)
{
    struct exchange *x = arg;
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    int e;

    if (nlmsg_datalen(nlh) >= (int)sizeof(e) && !x->err) {
        memcpy(&e, nlmsg_data(nlh), sizeof(e));
        if (e < 0)
            x->err = e;
    }
    x->done = 1;
    return NL_STOP;
}

static int exchange_ack(struct nl_msg *msg, void *arg)
{
    struct exchange *x = arg;
    x->done = 1;
    return NL_STOP;
}

/* The kernel's errno as it is, not folded into libnl's NLE_* codes:
 * callers tell -ENODEV from -ESRCH from -EADDRNOTAVAIL. */
static int exchange_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
    struct exchange *x = arg;
    if (!x->err)
        x->err = e->error < 0 ? e->error : -e->error;
    x->done = 1;
    return NL_STOP;
}

/* A libnl call failed: the errno of the system call behind it when there
 * was one (errno is cleared before each call). */
static int nle_errno(int nle)
{
    if (errno)
        return -errno;
    return nle == -NLE_NOMEM ? -ENOMEM : -EIO;
}

int nbc_socket(int protocol, struct nl_sock **out)
{
    struct nl_sock *sk = nl_socket_alloc();
    int r;

    *out = NULL;
    if (!sk)
        return -ENOMEM;
    /* Read each datagram whole, however large a dump page the kernel
     * sends (libnl peeks at its size first). */
    nl_socket_enable_msg_peek(sk);
    errno = 0;
    r = nl_connect(sk, protocol);
    if (r < 0) {
        r = nle_errno(r);
        nl_socket_free(sk);
        return r;
    }
    /* libnl would shrink the receive buffer to 32 KiB. */
    nl_socket_set_buffer_size(sk, NBC_RCVBUF, 0);
    *out = sk;
    return 0;
}

int nbc_exchange(struct nbc *n, struct nl_sock *sk, struct nlmsghdr *nlh,
                 nbc_msg_cb cb, void *data)
{
    struct exchange x = { .cb = cb, .data = data };
    struct nl_cb *h = nl_cb_alloc(NL_CB_CUSTOM);
    int rc = 0, r;

    if (!h)
        return -ENOMEM;
    x.seq = nlh->nlmsg_seq = ++n->seq;
    nl_cb_set(h, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, exchange_seq, &x);
    nl_cb_set(h, NL_CB_VALID, NL_CB_CUSTOM, exchange_valid, &x);
    nl_cb_set(h, NL_CB_FINISH, NL_CB_CUSTOM, exchange_done, &x);
    nl_cb_set(h, NL_CB_ACK, NL_CB_CUSTOM, exchange_ack, &x);
    nl_cb_err(h, NL_CB_CUSTOM, exchange_error, &x);
    errno = 0;
    r = nl_sendto(sk, nlh, nlh->nlmsg_len);
    if (r < 0) {
        rc = nle_errno(r);
        goto out;
    }
    /* One nl_recvmsgs reads a multi-part dump to its end, but a reply
     * that is not multi-part (a GET's answer, then its ACK) ends a call:
     * go on until the exchange's own end. */
    while (!x.done) {
        errno = 0;
        r = nl_recvmsgs(sk, h);
        if (r < 0 && !x.done) {
            rc = nle_errno(r);
            goto out;
        }
    }
    rc = x.err;
out:
    nl_cb_put(h);
    return rc;
}

/* Send M (freed here) and collect its replies; BAD says that building M
 * failed somewhere (a NULL M too). */
static int nbc_request(struct nbc *n, struct nl_msg *m, int bad, nbc_msg_cb cb,
                       void *data)
{
    struct nlmsghdr *nlh;
    int is_dump, rc;

    if (!m || bad) {
        nlmsg_free(m);
        return -ENOMEM;
    }
    nlh = nlmsg_hdr(m);
    /* NLM_F_DUMP shares bits with NLM_F_EXCL, so only a GET is a dump.
     * Everything else asks for an ACK: that is what ends the exchange. */
    is_dump = (nlh->nlmsg_type - RTM_BASE) % 4 == 2 &&
              (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!is_dump)
        nlh->nlmsg_flags |= NLM_F_ACK;
    rc = nbc_exchange(n, n->nl, nlh, cb, data);
    nlmsg_free(m);
    return rc;
}

/* A request of TYPE with FLAGS, starting with the family header HDR. */
static struct nl_msg *nbc_msg(int type, int flags, void *hdr, size_t len)
{
    struct nl_msg *m = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);

    if (m && nlmsg_append(m, hdr, len, NLMSG_ALIGNTO) < 0) {
        nlmsg_free(m);
        return NULL;
    }
    return m;
}

/* ---- links ---- */

/* Attribute A's payload as a string of at most its own length (the kernel
 * NUL-terminates names, but we do not rely on it). */
static void attr_str(const struct nlattr *a, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", nla_len(a), (const char *)nla_data(a));
}

static void parse_linkinfo(const struct nlattr *li, struct nbc_link *l)
{
    const struct nlattr *a;
    int rem;

    nla_for_each_nested(a, li, rem) {
        if (nla_type(a) == IFLA_INFO_KIND)
            attr_str(a, l->kind, sizeof(l->kind));
    }
}

static int link_parse(const struct nlmsghdr *nlh, struct nbc_link *l)
{
    const struct ifinfomsg *ifi = nlmsg_data(nlh);
    const struct nlattr *a;
    int rem;

    memset(l, 0, sizeof(*l));
    l->ifindex = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    nlmsg_for_each_attr(a, nlh, sizeof(*ifi), rem) {
        switch (nla_type(a)) {
        case IFLA_IFNAME:
            attr_str(a, l->name, sizeof(l->name));
            break;
        case IFLA_MTU:
            l->mtu = nla_get_u32(a);
            break;
        case IFLA_MASTER:
            l->master = (int)nla_get_u32(a);
            break;
        case IFLA_ADDRESS:
            if (nla_len(a) == 6) {
                memcpy(l->mac, nla_data(a), 6);
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
    return 0;
}

static int link_get(struct nbc *n, const char *name, int ifindex,
                    struct nbc_link *out)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
    struct nl_msg *m;
    int rc, bad = 0;

    if (name && (strlen(name) >= IFNAMSIZ || !*name))
        return -EINVAL;
    m = nbc_msg(RTM_GETLINK, 0, &ifi, sizeof(ifi));
    if (m && name)
        bad = nla_put_string(m, IFLA_IFNAME, name);
    memset(out, 0, sizeof(*out));
    rc = nbc_request(n, m, bad, link_one_cb, out);
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
        return 0;
    if (lv->n == lv->cap) {
        int cap = lv->cap ? lv->cap * 2 : 16;
        struct nbc_link *p = realloc(lv->v, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        lv->v = p;
        lv->cap = cap;
    }
    link_parse(nlh, &lv->v[lv->n++]);
    return 0;
}

int nbc_link_list(struct nbc *n, struct nbc_link **out, int *count)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    struct link_vec lv = { 0 };
    int rc;

    rc = nbc_request(n, nbc_msg(RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi)), 0,
                     link_list_cb, &lv);
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
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    struct nl_msg *m;
    struct nlattr *li = NULL;
    struct nbc_link l;
    struct nbc_undo u = { .op = NBC_UNDO_LINK_DEL };
    int rc, bad;

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

    rc = nbc_gate(n);
    if (!rc) {
        m = nbc_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
        bad = !m || nla_put_string(m, IFLA_IFNAME, name) ||
              !(li = nla_nest_start(m, IFLA_LINKINFO)) ||
              nla_put_string(m, IFLA_INFO_KIND, kind) || nla_nest_end(m, li);
        rc = nbc_request(n, m, bad, NULL, NULL);
    }
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
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC }, pifi = { 0 };
    struct nl_msg *m;
    struct nlattr *li = NULL, *data = NULL, *pe = NULL;
    struct nbc_link l;
    struct nbc_undo u = { .op = NBC_UNDO_LINK_DEL };
    int rc, bad;

    if (!nbc_link_get(n, name, &l))
        return strcmp(l.kind, "veth") ? nbc_fail(n, -EEXIST, "%s exists", name) : 0;
    m = nbc_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
    /* The peer is described by an ifinfomsg of its own inside the nest. */
    bad = !m || nla_put_string(m, IFLA_IFNAME, name) ||
          !(li = nla_nest_start(m, IFLA_LINKINFO)) ||
          nla_put_string(m, IFLA_INFO_KIND, "veth") ||
          !(data = nla_nest_start(m, IFLA_INFO_DATA)) ||
          !(pe = nla_nest_start(m, 1 /* VETH_INFO_PEER */)) ||
          nlmsg_append(m, &pifi, sizeof(pifi), NLMSG_ALIGNTO) ||
          nla_put_string(m, IFLA_IFNAME, peer) ||
          nla_nest_end(m, pe) || nla_nest_end(m, data) || nla_nest_end(m, li);
    rc = nbc_request(n, m, bad, NULL, NULL);
    if (rc)
        return nbc_fail(n, rc, "cannot create veth pair %s/%s", name, peer);
    if (nbc_link_get(n, name, &l))
        return 0;
    u.ifindex = l.ifindex;
    return nbc_undo_push(n, &u);
}

int nbc_link_del_index(struct nbc *n, int ifindex)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
    int rc;

    rc = nbc_gate(n);
    if (!rc)
        rc = nbc_request(n, nbc_msg(RTM_DELLINK, 0, &ifi, sizeof(ifi)), 0,
                         NULL, NULL);
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
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
    struct nl_msg *m;
    int bad = 0;

    if (up >= 0) {
        ifi.ifi_change = IFF_UP;
        ifi.ifi_flags = up ? IFF_UP : 0;
    }
    if (nbc_gate(n))
        return -EIO;
    m = nbc_msg(RTM_NEWLINK, 0, &ifi, sizeof(ifi));
    if (m && attr)
        bad = nla_put(m, attr, len, val);
    return nbc_request(n, m, bad, NULL, NULL);
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
    const struct ifaddrmsg *ifa = nlmsg_data(nlh);
    const struct nlattr *a;
    struct nbc_addr ad = { 0 };
    int have_local = 0, have_addr = 0, rem;
    unsigned char addr[16];

    if (nlh->nlmsg_type != RTM_NEWADDR)
        return 0;
    if (av->ifindex && (int)ifa->ifa_index != av->ifindex)
        return 0;
    ad.family = ifa->ifa_family;
    ad.prefixlen = ifa->ifa_prefixlen;
    ad.ifindex = (int)ifa->ifa_index;
    ad.scope = ifa->ifa_scope;
    ad.flags = ifa->ifa_flags;
    nlmsg_for_each_attr(a, nlh, sizeof(*ifa), rem) {
        int t = nla_type(a);
        int len = nla_len(a);
        if (len != addr_len(ad.family))
            continue;
        if (t == IFA_LOCAL) {
            memcpy(ad.addr, nla_data(a), len);
            have_local = 1;
        } else if (t == IFA_ADDRESS) {
            memcpy(addr, nla_data(a), len);
            have_addr = 1;
        }
    }
    /* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
     * point-to-point links and the same otherwise. */
    if (!have_local && have_addr)
        memcpy(ad.addr, addr, addr_len(ad.family));
    else if (!have_local)
        return 0;
    if (av->n == av->cap) {
        int cap = av->cap ? av->cap * 2 : 8;
        struct nbc_addr *p = realloc(av->v, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        av->v = p;
        av->cap = cap;
    }
    av->v[av->n++] = ad;
    return 0;
}

int nbc_addr_list(struct nbc *n, int ifindex, struct nbc_addr **out, int *count)
{
    struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
    struct addr_vec av = { .ifindex = ifindex };
    int rc;

    rc = nbc_request(n, nbc_msg(RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa)), 0,
                     addr_list_cb, &av);
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
    struct ifaddrmsg ifa = {
        .ifa_family = a->family, .ifa_prefixlen = a->prefixlen,
        .ifa_scope = a->scope, .ifa_index = a->ifindex,
    };
    struct nl_msg *m;
    int len = addr_len(a->family), bad;

    if (nbc_gate(n))
        return -EIO;
    m = nbc_msg(type, flags, &ifa, sizeof(ifa));
    bad = !m || nla_put(m, IFA_LOCAL, len, a->addr) ||
          nla_put(m, IFA_ADDRESS, len, a->addr);
    if (!bad && a->family == AF_INET && a->prefixlen < 31 && type == RTM_NEWADDR) {
        uint32_t ip, mask, brd;
        memcpy(&ip, a->addr, 4);
        mask = a->prefixlen ? htonl(~0u << (32 - a->prefixlen)) : 0;
        brd = ip | ~mask;
        bad = nla_put(m, IFA_BROADCAST, 4, &brd);
    }
    return nbc_request(n, m, bad, NULL, NULL);
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
    const struct rtmsg *rtm = nlmsg_data(nlh);
    const struct nlattr *a;
    struct nbc_route r = { 0 };
    int alen, rem;

    if (nlh->nlmsg_type != RTM_NEWROUTE)
        return 0;
    r.family = rtm->rtm_family;
    r.dst_len = rtm->rtm_dst_len;
    r.table = rtm->rtm_table;
    r.protocol = rtm->rtm_protocol;
    r.scope = rtm->rtm_scope;
    r.type = rtm->rtm_type;
    alen = addr_len(r.family);
    nlmsg_for_each_attr(a, nlh, sizeof(*rtm), rem) {
        int len = nla_len(a);
        switch (nla_type(a)) {
        case RTA_DST:
            if (len == alen)
                memcpy(r.dst, nla_data(a), len);
            break;
        case RTA_GATEWAY:
            if (len == alen) {
                memcpy(r.gw, nla_data(a), len);
                r.has_gw = 1;
            }
            break;
        case RTA_PREFSRC:
            if (len == alen) {
                memcpy(r.src, nla_data(a), len);
                r.has_src = 1;
            }
            break;
        case RTA_OIF:
            r.oif = (int)nla_get_u32(a);
            break;
        case RTA_PRIORITY:
            r.metric = nla_get_u32(a);
            r.has_metric = 1;
            break;
        case RTA_TABLE:
            r.table = (int)nla_get_u32(a);
            break;
        }
    }
    if (r.table != RT_TABLE_MAIN || r.type != RTN_UNICAST)
        return 0;
    if (rv->n == rv->cap) {
        int cap = rv->cap ? rv->cap * 2 : 16;
        struct nbc_route *p = realloc(rv->v, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        rv->v = p;
        rv->cap = cap;
    }
    rv->v[rv->n++] = r;
    return 0;
}

int nbc_route_list(struct nbc *n, int family, struct nbc_route **out, int *count)
{
    struct rtmsg rtm = { .rtm_family = family };
    struct route_vec rv = { 0 };
    int rc;

    rc = nbc_request(n, nbc_msg(RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm)), 0,
                     route_list_cb, &rv);
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
    struct rtmsg rtm = {
        .rtm_family = r->family,
        .rtm_dst_len = r->dst_len,
        .rtm_table = RT_TABLE_MAIN,
        .rtm_protocol = type == RTM_DELROUTE ? 0 :
            (r->protocol ? r->protocol : RTPROT_BOOT),
        /* As ip(8): a route through a gateway is universe scope, a route
         * straight out of a device is link scope. */
        .rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE :
            (r->has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK),
        .rtm_type = RTN_UNICAST,
    };
    struct nl_msg *m;
    int len = addr_len(r->family), bad;

    if (nbc_gate(n))
        return -EIO;
    m = nbc_msg(type, flags, &rtm, sizeof(rtm));
    bad = !m ||
          (r->dst_len && nla_put(m, RTA_DST, len, r->dst)) ||
          (r->has_gw && nla_put(m, RTA_GATEWAY, len, r->gw)) ||
          (r->has_src && nla_put(m, RTA_PREFSRC, len, r->src)) ||
          (r->oif && nla_put_u32(m, RTA_OIF, (uint32_t)r->oif)) ||
          (r->has_metric && nla_put_u32(m, RTA_PRIORITY, r->metric));
    return nbc_request(n, m, bad, NULL, NULL);
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
