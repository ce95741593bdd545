/* Private to netback-config/: the session and its undo log. */
#ifndef NBC_INTERNAL_H
#define NBC_INTERNAL_H

#include "netback-config/nbc.h"

enum nbc_undo_op {
    NBC_UNDO_LINK_DEL,
    NBC_UNDO_SET_MASTER,
    NBC_UNDO_SET_MTU,
    NBC_UNDO_SET_UP,
    NBC_UNDO_SET_MAC,
    NBC_UNDO_ADDR_ADD,
    NBC_UNDO_ADDR_DEL,
    NBC_UNDO_ROUTE_ADD,
    NBC_UNDO_ROUTE_DEL,
    NBC_UNDO_SYSCTL,
    NBC_UNDO_MASQ_ADD,      /* path: uplink, addr: subnet */
    NBC_UNDO_MASQ_DEL,
};

/* The inverse of one change that was actually made.  Links are named by
 * ifindex so a rename in between cannot redirect the undo. */
struct nbc_undo {
    enum nbc_undo_op op;
    int ifindex;
    int ival;
    unsigned char mac[6];
    struct nbc_addr addr;
    struct nbc_route route;
    char path[96];
    char val[32];
};

struct nl_sock;
struct nlmsghdr;

struct nbc {
    struct nl_sock *nl;     /* rtnetlink (libnl-3) */
    struct nl_sock *nf;     /* nfnetlink, opened on first use (nbc_nat.c) */
    /* Replays a NBC_UNDO_MASQ_* entry.  Set by the NAT code when it records
     * one, so the rtnetlink part (all that xl links) never references
     * nbc_nat.o and with it libnftnl. */
    void (*masq_undo)(struct nbc *n, const struct nbc_undo *u);
    unsigned seq;
    int tx_depth;
    int rolling_back;
    int fail_at;            /* tests: the Nth change fails with EIO */
    struct nbc_undo *undo;
    int n_undo, cap_undo;
    char err[512];
};

/* Record MSG (printf) with strerror(-RC) appended; returns RC. */
int nbc_fail(struct nbc *n, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int nbc_link_del_index(struct nbc *n, int ifindex);
/* Set the MAC even when it already holds (marks it administratively set). */
int nbc_link_pin_mac(struct nbc *n, int ifindex, const unsigned char mac[6]);
/* Tests: make the NTH change from now on fail (0: never). */
void nbc_debug_fail_at(struct nbc *n, int nth);
/* The gate every change passes (see nbc.c); -EIO when a test says so. */
int nbc_gate(struct nbc *n);
/* Called for each reply of an exchange; 0 to go on, or a negative errno
 * that ends the exchange with it. */
typedef int (*nbc_msg_cb)(const struct nlmsghdr *nlh, void *data);
/* A netlink socket of PROTOCOL (NETLINK_ROUTE, NETLINK_NETFILTER). */
int nbc_socket(int protocol, struct nl_sock **out);
/* Send request NLH (given the session's next sequence number) on SK and
 * run CB over the replies until the ACK or the end of the dump; -errno of
 * a failure, the kernel's or CB's.  Shared by rtnetlink and nfnetlink. */
int nbc_exchange(struct nbc *n, struct nl_sock *sk, struct nlmsghdr *nlh,
                 nbc_msg_cb cb, void *data);
/* Record an undo entry (no-op outside a transaction). */
int nbc_undo_push(struct nbc *n, const struct nbc_undo *u);

/* The single-rule steps of nbc_nat_up/down, each one atomic batch and
 * recorded for rollback; SUBNET is normalised (host bits clear). */
int nbc_masq_add(struct nbc *n, const char *uplink, const struct nbc_addr *subnet);
int nbc_masq_del(struct nbc *n, const char *uplink, const struct nbc_addr *subnet);

#endif
