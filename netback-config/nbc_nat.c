/* netback-config host NAT: what Xen's network-nat did with
 *     iptables -t nat -A POSTROUTING -o NETDEV -j MASQUERADE
 * done with nf_tables messages: libnftnl builds and parses them, and they
 * travel through the same libnl-3 socket code as rtnetlink's (nbc.c).
 *
 * Invariants:
 *  - We only ever touch the table NBC_NAT_TABLE of family ip, which is ours
 *    alone: its chain, and the rules in it that carry our comment.  A host's
 *    own firewall (iptables-nft or nftables tables) is never read or changed.
 *  - Every change is ONE nf_tables batch, which the kernel commits or
 *    rejects as a whole, so a table without its chain or a chain without its
 *    rule never exists.  Within a transaction each batch is recorded with its
 *    inverse (nbc_undo), so nbc_nat_up's later failures take it back.
 *  - State is read before anything is written: a change that already holds
 *    sends nothing (idempotent), and the last rule takes our table with it,
 *    so nothing we made outlives the last nbc_nat_down.
 *  - The rule is found again by its comment, "pvstack masquerade SUBNET out
 *    UPLINK", which `nft list ruleset` shows to an administrator too. */
#include "netback-config/nbc.h"
#include "netback-config/nbc_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#define NAT_PRIO_SRCNAT 100     /* NF_IP_PRI_NAT_SRC, nft's "srcnat" */
#define NAT_COMMENT "pvstack masquerade"
#define NF_RXBUF 32768
/* One request, or one whole batch: a table, a chain and a rule of ours
 * come to well under 1 KiB. */
#define NF_MSGBUF 8192

/* ---- the nfnetlink socket ---- */

static int nf_open(struct nbc *n)
{
    int rc;

    if (n->nf)
        return 0;
    rc = nbc_socket(NETLINK_NETFILTER, &n->nf);
    if (rc)
        return nbc_fail(n, rc, "cannot open nfnetlink (is nf_tables in the kernel?)");
    return 0;
}

/* A GET (single object, ended by its ACK) or a dump (ended by DONE). */
static int nf_query(struct nbc *n, struct nlmsghdr *nlh, nbc_msg_cb cb, void *data)
{
    int rc;

    if ((rc = nf_open(n)))
        return rc;
    return nbc_exchange(n, n->nf, nlh, cb, data);
}

/* One batch: nf_batch_start, then batch_msg + payload + batch_next per
 * message, then nf_batch_send, which closes it, sends it and collects the
 * kernel's verdict.  The messages lie back to back in BUF.  nfnetlink
 * processes a batch synchronously inside sendmsg, so by the time it returns
 * every error message is queued: drain without blocking.  Messages carry no
 * NLM_F_ACK, so silence is success. */
struct nf_batch {
    char *buf;
    size_t len;
    unsigned seq;
};

static struct nlmsghdr *batch_msg(struct nf_batch *nb, int type, int flags)
{
    return nftnl_nlmsg_build_hdr(nb->buf + nb->len, (uint16_t)type, NFPROTO_IPV4,
                                 (uint16_t)flags, ++nb->seq);
}

/* The message just built is complete: the next one starts after it. */
static void batch_next(struct nf_batch *nb)
{
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)(nb->buf + nb->len);
    nb->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static int nf_batch_send(struct nbc *n, struct nf_batch *nb)
{
    char *rx = NULL;
    int rc = 0, first_err = 0;

    nftnl_batch_end(nb->buf + nb->len, ++nb->seq);
    batch_next(nb);
    n->seq = nb->seq;
    if ((rc = nbc_gate(n)))
        return rc;
    errno = 0;
    if (nl_sendto(n->nf, nb->buf, nb->len) < 0)
        return errno ? -errno : -EIO;
    rx = malloc(NF_RXBUF);
    if (!rx)
        return -ENOMEM;
    for (;;) {
        ssize_t len = recv(nl_socket_get_fd(n->nf), rx, NF_RXBUF, MSG_DONTWAIT);
        struct nlmsghdr *nlh = (struct nlmsghdr *)rx;
        int left = (int)len;

        if (len < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && !first_err)
                first_err = -errno;
            break;
        }
        for (; nlmsg_ok(nlh, left) && !first_err; nlh = nlmsg_next(nlh, &left)) {
            const struct nlmsgerr *e = nlmsg_data(nlh);
            if (nlh->nlmsg_type != NLMSG_ERROR)
                continue;
            if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                first_err = -EBADMSG;
            else if (e->error)
                first_err = e->error < 0 ? e->error : -e->error;
        }
    }
    free(rx);
    return first_err;
}

static int nf_batch_start(struct nbc *n, struct nf_batch *nb, char *buf)
{
    int rc = nf_open(n);

    if (rc)
        return rc;
    nb->buf = buf;
    nb->len = 0;
    nb->seq = n->seq;
    nftnl_batch_begin(nb->buf, ++nb->seq);
    batch_next(nb);
    return 0;
}

/* ---- reading our table ---- */

static void put_table_name(struct nlmsghdr *nlh)
{
    struct nftnl_table *t = nftnl_table_alloc();
    if (!t)
        return;
    nftnl_table_set_str(t, NFTNL_TABLE_NAME, NBC_NAT_TABLE);
    nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
    nftnl_table_nlmsg_build_payload(nlh, t);
    nftnl_table_free(t);
}

int nbc_nat_table_exists(struct nbc *n)
{
    char buf[NF_MSGBUF];
    struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE,
                                                 NFPROTO_IPV4, NLM_F_ACK, 0);
    int rc;

    put_table_name(nlh);
    rc = nf_query(n, nlh, NULL, NULL);
    if (rc == -ENOENT)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot read nf_tables table ip %s", NBC_NAT_TABLE);
    return 1;
}

struct chain_info { int found; uint32_t hook; int32_t prio; char type[16]; };

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
    struct chain_info *ci = data;
    struct nftnl_chain *c = nftnl_chain_alloc();

    if (!c)
        return -ENOMEM;
    if (nftnl_chain_nlmsg_parse(nlh, c) == 0) {
        const char *type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
        ci->found = 1;
        ci->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
        ci->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
        snprintf(ci->type, sizeof(ci->type), "%s", type ? type : "");
    }
    nftnl_chain_free(c);
    return 0;
}

static int chain_get(struct nbc *n, struct chain_info *ci)
{
    char buf[NF_MSGBUF];
    struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN,
                                                 NFPROTO_IPV4, NLM_F_ACK, 0);
    struct nftnl_chain *c = nftnl_chain_alloc();
    int rc;

    memset(ci, 0, sizeof(*ci));
    if (!c)
        return -ENOMEM;
    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NBC_NAT_TABLE);
    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, NBC_NAT_CHAIN);
    nftnl_chain_nlmsg_build_payload(nlh, c);
    nftnl_chain_free(c);
    rc = nf_query(n, nlh, chain_cb, ci);
    if (rc == -ENOENT)
        return 0;
    return rc;
}

/* Parse our comment back: "pvstack masquerade SUBNET out UPLINK". */
static int comment_cb(const struct nftnl_udata *attr, void *data)
{
    if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT) {
        const char *s = nftnl_udata_get(attr);
        uint8_t len = nftnl_udata_len(attr);
        char *out = data;
        if (len && len < 128 && s[len - 1] == '\0')
            memcpy(out, s, len);
    }
    return 0;
}

static int parse_comment(const char *c, struct nbc_masq *m)
{
    char subnet[64], uplink[IFNAMSIZ + 1];

    memset(m, 0, sizeof(*m));
    if (sscanf(c, NAT_COMMENT " %63s out %16s", subnet, uplink) != 2 ||
        strlen(uplink) >= IFNAMSIZ || nbc_addr_parse(subnet, &m->subnet))
        return -1;
    strcpy(m->uplink, uplink);
    return 0;
}

/* Our rules (parsed from their comments) and how many rules the chain has
 * in all, ours or not. */
struct masq_vec { struct nbc_masq *v; int n, cap; int all; };

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
    struct masq_vec *mv = data;
    struct nftnl_rule *r = nftnl_rule_alloc();
    char comment[128] = "";
    struct nbc_masq m;
    const void *ud;
    uint32_t udlen = 0;

    if (!r)
        goto oom;
    if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
        nftnl_rule_free(r);
        return 0;
    }
    mv->all++;
    ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen);
    if (ud)
        nftnl_udata_parse(ud, udlen, comment_cb, comment);
    if (!parse_comment(comment, &m)) {
        m.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
        if (mv->n == mv->cap) {
            int cap = mv->cap ? mv->cap * 2 : 4;
            struct nbc_masq *p = realloc(mv->v, cap * sizeof(*p));
            if (!p) {
                nftnl_rule_free(r);
                goto oom;
            }
            mv->v = p;
            mv->cap = cap;
        }
        mv->v[mv->n++] = m;
    }
    nftnl_rule_free(r);
    return 0;
oom:
    return -ENOMEM;
}

static int rules_get(struct nbc *n, struct masq_vec *mv)
{
    char buf[NF_MSGBUF];
    struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE,
                                                 NFPROTO_IPV4, NLM_F_DUMP, 0);
    struct nftnl_rule *r = nftnl_rule_alloc();
    int rc;

    memset(mv, 0, sizeof(*mv));
    if (!r)
        return -ENOMEM;
    /* The kernel filters a dump by table and chain. */
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NBC_NAT_TABLE);
    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NBC_NAT_CHAIN);
    nftnl_rule_nlmsg_build_payload(nlh, r);
    nftnl_rule_free(r);
    rc = nf_query(n, nlh, rule_cb, mv);
    if (rc == -ENOENT)
        rc = 0;
    if (rc) {
        free(mv->v);
        mv->v = NULL;
        mv->n = mv->all = 0;
    }
    return rc;
}

int nbc_nat_list(struct nbc *n, struct nbc_masq **out, int *count)
{
    struct masq_vec mv;
    int rc;

    *out = NULL;
    *count = 0;
    rc = nbc_nat_table_exists(n);
    if (rc <= 0)
        return rc;
    rc = rules_get(n, &mv);
    if (rc)
        return nbc_fail(n, rc, "cannot list the rules of table ip %s", NBC_NAT_TABLE);
    *out = mv.v;
    *count = mv.n;
    return 0;
}

/* ---- building ---- */

static void subnet_text(const struct nbc_addr *s, char *buf, int len)
{
    nbc_addr_format(s, buf, len);
}

static int find_masq(const struct masq_vec *mv, const char *uplink,
                     const struct nbc_addr *subnet)
{
    int i;

    for (i = 0; i < mv->n; i++)
        if (!strcmp(mv->v[i].uplink, uplink) &&
            mv->v[i].subnet.prefixlen == subnet->prefixlen &&
            !memcmp(mv->v[i].subnet.addr, subnet->addr, 4))
            return i;
    return -1;
}

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
    if (!e)
        return -ENOMEM;
    nftnl_rule_add_expr(r, e);
    return 0;
}

/* oifname UPLINK ip saddr SUBNET masquerade comment "..." */
static struct nftnl_rule *masq_rule(const char *uplink, const struct nbc_addr *subnet)
{
    struct nftnl_rule *r = nftnl_rule_alloc();
    struct nftnl_udata_buf *ud = NULL;
    struct nftnl_expr *e;
    char ifname[IFNAMSIZ] = { 0 }, comment[128], txt[64];
    uint32_t mask, zero = 0;
    int bad = 0;

    if (!r)
        return NULL;
    nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NBC_NAT_TABLE);
    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NBC_NAT_CHAIN);

    /* As nft encodes oifname: the name zero-padded to IFNAMSIZ. */
    memcpy(ifname, uplink, strlen(uplink));
    e = nftnl_expr_alloc("meta");
    if (e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_OIFNAME);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
    }
    bad |= add_expr(r, e);
    e = nftnl_expr_alloc("cmp");
    if (e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
        nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, ifname, IFNAMSIZ);
    }
    bad |= add_expr(r, e);

    if (subnet->prefixlen > 0) {
        /* ip saddr: 4 bytes at offset 12 of the network header. */
        e = nftnl_expr_alloc("payload");
        if (e) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 12);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 4);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
        }
        bad |= add_expr(r, e);
        if (subnet->prefixlen < 32) {
            mask = htonl(~0u << (32 - subnet->prefixlen));
            e = nftnl_expr_alloc("bitwise");
            if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
                nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
                nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
            }
            bad |= add_expr(r, e);
        }
        e = nftnl_expr_alloc("cmp");
        if (e) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
            nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, subnet->addr, 4);
        }
        bad |= add_expr(r, e);
    }
    bad |= add_expr(r, nftnl_expr_alloc("masq"));

    subnet_text(subnet, txt, sizeof(txt));
    snprintf(comment, sizeof(comment), NAT_COMMENT " %s out %s", txt, uplink);
    ud = nftnl_udata_buf_alloc(256);
    if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment))
        bad = 1;
    else
        nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
                            nftnl_udata_buf_len(ud));
    if (ud)
        nftnl_udata_buf_free(ud);
    if (bad) {
        nftnl_rule_free(r);
        return NULL;
    }
    return r;
}

static int check_args(struct nbc *n, const char *uplink, const struct nbc_addr *subnet)
{
    if (!uplink || !*uplink || strlen(uplink) >= IFNAMSIZ || strchr(uplink, ' '))
        return nbc_fail(n, -EINVAL, "invalid uplink name '%s'", uplink ? uplink : "");
    if (subnet->family != AF_INET)
        return nbc_fail(n, -EINVAL, "NAT subnets are IPv4");
    return 0;
}

/* The rollback of our own steps (nbc_tx_rollback calls it through
 * n->masq_undo). */
static void masq_undo(struct nbc *n, const struct nbc_undo *u)
{
    if (u->op == NBC_UNDO_MASQ_ADD)
        nbc_masq_add(n, u->path, &u->addr);
    else
        nbc_masq_del(n, u->path, &u->addr);
}

int nbc_masq_add(struct nbc *n, const char *uplink, const struct nbc_addr *subnet)
{
    char buf[NF_MSGBUF], txt[64];
    struct nbc_undo u = { .op = NBC_UNDO_MASQ_DEL };
    struct chain_info ci;
    struct masq_vec mv = { 0 };
    struct nf_batch nb = { 0 };
    struct nlmsghdr *nlh;
    struct nftnl_rule *rule = NULL;
    int rc, have_table;

    subnet_text(subnet, txt, sizeof(txt));
    if ((rc = check_args(n, uplink, subnet)))
        return rc;
    have_table = nbc_nat_table_exists(n);
    if (have_table < 0)
        return have_table;
    if (have_table) {
        rc = chain_get(n, &ci);
        if (rc)
            return nbc_fail(n, rc, "cannot read chain %s of table ip %s",
                            NBC_NAT_CHAIN, NBC_NAT_TABLE);
        if (ci.found && (ci.hook != NF_INET_POST_ROUTING || strcmp(ci.type, "nat")))
            return nbc_fail(n, -EEXIST, "table ip %s has a chain %s that is not "
                            "a nat postrouting chain; delete the table (it is "
                            "netback-config's own)", NBC_NAT_TABLE, NBC_NAT_CHAIN);
        if (ci.found) {
            rc = rules_get(n, &mv);
            if (rc)
                return nbc_fail(n, rc, "cannot list the rules of table ip %s",
                                NBC_NAT_TABLE);
            rc = find_masq(&mv, uplink, subnet);
            free(mv.v);
            if (rc >= 0)
                return 0;           /* already there */
        }
    } else {
        ci.found = 0;
    }

    rule = masq_rule(uplink, subnet);
    if (!rule)
        return nbc_fail(n, -ENOMEM, "cannot build the masquerade rule");
    if ((rc = nf_batch_start(n, &nb, buf)))
        goto out;
    if (!have_table) {
        struct nftnl_table *t = nftnl_table_alloc();
        if (!t) {
            rc = -ENOMEM;
            goto out;
        }
        nftnl_table_set_str(t, NFTNL_TABLE_NAME, NBC_NAT_TABLE);
        nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
        nlh = batch_msg(&nb, NFT_MSG_NEWTABLE, NLM_F_CREATE);
        nftnl_table_nlmsg_build_payload(nlh, t);
        nftnl_table_free(t);
        batch_next(&nb);
    }
    if (!ci.found) {
        struct nftnl_chain *c = nftnl_chain_alloc();
        if (!c) {
            rc = -ENOMEM;
            goto out;
        }
        nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NBC_NAT_TABLE);
        nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, NBC_NAT_CHAIN);
        nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
        nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
        nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, NAT_PRIO_SRCNAT);
        nlh = batch_msg(&nb, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
        nftnl_chain_nlmsg_build_payload(nlh, c);
        nftnl_chain_free(c);
        batch_next(&nb);
    }
    nlh = batch_msg(&nb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
    nftnl_rule_nlmsg_build_payload(nlh, rule);
    batch_next(&nb);
    rc = nf_batch_send(n, &nb);
    if (rc)
        goto out;
    nftnl_rule_free(rule);
    snprintf(u.path, sizeof(u.path), "%s", uplink);
    u.addr = *subnet;
    n->masq_undo = masq_undo;
    return nbc_undo_push(n, &u);
out:
    nftnl_rule_free(rule);
    return nbc_fail(n, rc, "cannot add masquerading of %s out of %s to table ip %s",
                    txt, uplink, NBC_NAT_TABLE);
}

int nbc_masq_del(struct nbc *n, const char *uplink, const struct nbc_addr *subnet)
{
    char buf[NF_MSGBUF], txt[64];
    struct nbc_undo u = { .op = NBC_UNDO_MASQ_ADD };
    struct masq_vec mv = { 0 };
    struct nf_batch nb = { 0 };
    struct nlmsghdr *nlh;
    int rc, i, have_table;

    subnet_text(subnet, txt, sizeof(txt));
    if ((rc = check_args(n, uplink, subnet)))
        return rc;
    have_table = nbc_nat_table_exists(n);
    if (have_table <= 0)
        return have_table;
    rc = rules_get(n, &mv);
    if (rc)
        return nbc_fail(n, rc, "cannot list the rules of table ip %s", NBC_NAT_TABLE);
    i = find_masq(&mv, uplink, subnet);
    if (i < 0) {
        free(mv.v);
        return 0;
    }
    if ((rc = nf_batch_start(n, &nb, buf)))
        goto out;
    if (mv.all == 1) {
        /* Our last rule: the table (with its chain) goes too, so nothing of
         * ours stays behind. */
        nlh = batch_msg(&nb, NFT_MSG_DELTABLE, 0);
        put_table_name(nlh);
    } else {
        struct nftnl_rule *r = nftnl_rule_alloc();
        if (!r) {
            rc = -ENOMEM;
            goto out;
        }
        nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NBC_NAT_TABLE);
        nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NBC_NAT_CHAIN);
        nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, mv.v[i].handle);
        nlh = batch_msg(&nb, NFT_MSG_DELRULE, 0);
        nftnl_rule_nlmsg_build_payload(nlh, r);
        nftnl_rule_free(r);
    }
    batch_next(&nb);
    rc = nf_batch_send(n, &nb);
    if (rc)
        goto out;
    free(mv.v);
    snprintf(u.path, sizeof(u.path), "%s", uplink);
    u.addr = *subnet;
    n->masq_undo = masq_undo;
    return nbc_undo_push(n, &u);
out:
    free(mv.v);
    return nbc_fail(n, rc, "cannot remove masquerading of %s out of %s from "
                    "table ip %s", txt, uplink, NBC_NAT_TABLE);
}

/* ---- the commands ---- */

/* SUBNET (NULL: the default) parsed, IPv4, host bits cleared. */
static int nat_subnet(struct nbc *n, const char *text, struct nbc_addr *s)
{
    uint32_t ip, mask;

    if (!text)
        text = NBC_NAT_DEFAULT_SUBNET;
    if (nbc_addr_parse(text, s) || s->family != AF_INET)
        return nbc_fail(n, -EINVAL, "invalid NAT subnet '%s' (want A.B.C.D/N)", text);
    memcpy(&ip, s->addr, 4);
    mask = s->prefixlen ? htonl(~0u << (32 - s->prefixlen)) : 0;
    ip &= mask;
    memcpy(s->addr, &ip, 4);
    return 0;
}

#define STEP(expr) do { rc = (expr); if (rc) goto out_rollback; } while (0)

int nbc_nat_up(struct nbc *n, const char *uplink, const char *subnet)
{
    struct nbc_addr s;
    struct nbc_link l;
    int rc;

    nbc_tx_begin(n);
    STEP(nat_subnet(n, subnet, &s));
    if (!uplink || !*uplink)
        STEP(nbc_fail(n, -EINVAL, "no uplink interface given"));
    rc = nbc_link_get(n, uplink, &l);
    if (rc == -ENODEV || rc == -EINVAL)
        STEP(nbc_fail(n, -ENODEV, "uplink %s does not exist", uplink));
    if (rc)
        STEP(nbc_fail(n, rc, "cannot look up uplink %s", uplink));
    /* Masquerading before forwarding: never forward guests' packets out
     * with their private source addresses, not even for a moment. */
    STEP(nbc_masq_add(n, uplink, &s));
    STEP(nbc_sysctl_set(n, "net/ipv4/ip_forward", "1"));
    nbc_tx_commit(n);
    return 0;
out_rollback:
    nbc_tx_rollback(n);
    return rc;
}

int nbc_nat_down(struct nbc *n, const char *uplink, const char *subnet)
{
    struct nbc_addr s;
    int rc;

    nbc_tx_begin(n);
    STEP(nat_subnet(n, subnet, &s));
    STEP(nbc_masq_del(n, uplink, &s));
    nbc_tx_commit(n);
    return 0;
out_rollback:
    nbc_tx_rollback(n);
    return rc;
}
