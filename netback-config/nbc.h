/* netback-config: the host side of Xen networking, by netlink.
 *
 * Replaces what Xen's bash hotplug scripts do with ip/brctl (vif-bridge,
 * vif-route, vif-nat and the bridge set-up people do by hand) with rtnetlink
 * messages through libnl-3 and sysctl writes under /proc/sys, and what
 * network-nat did with iptables with nf_tables messages (libnftnl, see
 * nbc_nat.c).  No fork, no lock files, no 40 s timeouts.
 *
 * Invariants:
 *  - Every mutating call first reads the current state and does nothing when
 *    it already holds, so repeating a command is harmless (idempotent).
 *  - Between nbc_tx_begin() and nbc_tx_commit() every change actually made is
 *    recorded with its inverse; nbc_tx_rollback() replays the inverses newest
 *    first.  The composite operations (uplink enslave, vif set-up) run inside
 *    a transaction and roll back on their own failure, so a failed command
 *    leaves the host as it found it.
 *  - Errors are negative errno values; nbc_errmsg() says which object and
 *    which step failed, in words a user can act on.
 *
 * The library has no global state: one struct nbc per netlink socket, and it
 * works in whatever network namespace the calling thread is in (the unit
 * tests rely on that). */
#ifndef NBC_NBC_H
#define NBC_NBC_H

#include <net/if.h>
#include <stdint.h>

struct nbc;

struct nbc_link {
    int ifindex;
    char name[IFNAMSIZ];
    char kind[16];          /* "bridge", "veth", "dummy", "vif" ... or "" */
    int master;             /* ifindex of the bridge it is enslaved to, or 0 */
    unsigned mtu;
    unsigned flags;         /* IFF_* */
    unsigned char mac[6];
    int has_mac;
};

struct nbc_addr {
    int family;             /* AF_INET or AF_INET6 */
    int prefixlen;
    unsigned char addr[16];
    int ifindex;
    int scope;
    unsigned flags;
};

struct nbc_route {
    int family;
    int dst_len;            /* 0 for a default route */
    unsigned char dst[16];
    unsigned char gw[16];
    int has_gw;
    unsigned char src[16];
    int has_src;
    int oif;
    uint32_t metric;
    int has_metric;
    int table;              /* RT_TABLE_MAIN unless read otherwise */
    int protocol;
    int scope;
    int type;
};

int nbc_open(struct nbc **out);
void nbc_close(struct nbc *n);
/* The message of the last failure on N ("" if none). */
const char *nbc_errmsg(const struct nbc *n);

/* ---- transactions ---- */
void nbc_tx_begin(struct nbc *n);
void nbc_tx_commit(struct nbc *n);
/* Undo everything recorded since nbc_tx_begin; keeps the first error
 * message (the cause) rather than what rollback may hit. */
void nbc_tx_rollback(struct nbc *n);

/* ---- links ---- */
/* 0 and *OUT filled; -ENODEV when there is no such link. */
int nbc_link_get(struct nbc *n, const char *name, struct nbc_link *out);
int nbc_link_get_index(struct nbc *n, int ifindex, struct nbc_link *out);
/* All links; *OUT is malloc'd (free it). */
int nbc_link_list(struct nbc *n, struct nbc_link **out, int *count);
/* Create a link of KIND ("bridge", "dummy"); idempotent when a link NAME of
 * the same kind exists, -EEXIST when one of another kind does. */
int nbc_link_add(struct nbc *n, const char *name, const char *kind);
/* A veth pair (tests use it as a stand-in for vifs and NICs). */
int nbc_veth_add(struct nbc *n, const char *name, const char *peer);
/* Idempotent: a missing link is not an error. */
int nbc_link_del(struct nbc *n, const char *name);
/* Enslave NAME to bridge MASTER; MASTER NULL releases it. */
int nbc_link_set_master(struct nbc *n, const char *name, const char *master);
int nbc_link_set_mtu(struct nbc *n, const char *name, unsigned mtu);
int nbc_link_set_up(struct nbc *n, const char *name, int up);
/* Rename (the link must be down); not recorded for rollback. */
int nbc_link_rename(struct nbc *n, const char *name, const char *newname);
int nbc_link_set_mac(struct nbc *n, const char *name, const unsigned char mac[6]);

/* ---- addresses and routes ---- */
/* Addresses of IFINDEX (0: all); *OUT malloc'd. */
int nbc_addr_list(struct nbc *n, int ifindex, struct nbc_addr **out, int *count);
int nbc_addr_add(struct nbc *n, const struct nbc_addr *a);
int nbc_addr_del(struct nbc *n, const struct nbc_addr *a);
/* Routes of the main table, FAMILY AF_UNSPEC for both; *OUT malloc'd. */
int nbc_route_list(struct nbc *n, int family, struct nbc_route **out, int *count);
int nbc_route_add(struct nbc *n, const struct nbc_route *r);
int nbc_route_del(struct nbc *n, const struct nbc_route *r);

/* "10.0.0.1/24", "fe80::1/64"; a missing prefix is the full length. */
int nbc_addr_parse(const char *text, struct nbc_addr *a);
/* Writes "addr/prefix" into BUF. */
const char *nbc_addr_format(const struct nbc_addr *a, char *buf, int len);

/* ---- sysctls ---- */
/* Write VALUE to /proc/sys/PATH (e.g. "net/ipv4/ip_forward"), recording the
 * old value for rollback; no write when it already holds VALUE. */
int nbc_sysctl_set(struct nbc *n, const char *path, const char *value);
int nbc_sysctl_get(const char *path, char *buf, int len);

/* ---- composite operations (each one transactional) ---- */
/* Create bridge BR if missing and bring it up; MTU 0 leaves it alone. */
int nbc_bridge_ensure(struct nbc *n, const char *br, unsigned mtu);
/* Delete bridge BR.  With UPLINK, first give the uplink back the addresses
 * and default routes the bridge carries (undoing nbc_uplink_enslave). */
int nbc_bridge_delete(struct nbc *n, const char *br, const char *uplink);
/* Make NIC the bridge's uplink: create BR if needed, give it NIC's MAC and
 * MTU, move NIC's addresses and the default routes through NIC onto BR,
 * enslave NIC and bring both up. */
int nbc_uplink_enslave(struct nbc *n, const char *br, const char *nic);

/* vif-bridge: enslave VIF to BR, set MTU (0: the bridge's), bring it up.
 * -ENODEV naming the bridge when BR does not exist (we never invent a
 * bridge behind the user's back). */
int nbc_vif_bridge_online(struct nbc *n, const char *vif, const char *br,
                          unsigned mtu);
/* Release VIF from its bridge and take it down; a vanished VIF is fine. */
int nbc_vif_bridge_offline(struct nbc *n, const char *vif);

/* vif-route: VIF up with NETDEV's first IPv4 address as /32, proxy_arp on
 * VIF, a host route per guest address in IPS (space separated) via VIF with
 * that source and metric 2; ip_forward on. */
int nbc_vif_route_online(struct nbc *n, const char *vif, const char *netdev,
                         const char *ips);
int nbc_vif_route_offline(struct nbc *n, const char *vif, const char *netdev,
                          const char *ips);

/* vif-nat: the guest address is IP or 10.<domid/256>.<domid%256>.<devid+1>,
 * the router address on VIF that plus 127 in the last octet; host route to
 * the guest via VIF, proxy_arp, ip_forward. */
int nbc_vif_nat_addrs(int domid, int devid, const char *ip,
                      struct nbc_addr *guest, struct nbc_addr *router);
int nbc_vif_nat_online(struct nbc *n, const char *vif, int domid, int devid,
                       const char *ip);
int nbc_vif_nat_offline(struct nbc *n, const char *vif);

/* Host modes: routed enables ip_forward and proxy_arp on NETDEV; nat without
 * an uplink only enables ip_forward (nbc_nat_up does the masquerading). */
int nbc_host_routed(struct nbc *n, const char *netdev);
int nbc_host_nat(struct nbc *n);

/* ---- host NAT (network-nat: MASQUERADE out of the uplink), nf_tables ----
 * Everything lives in one table of our own, "ip pvstack", with one chain
 * "postrouting" (type nat, hook postrouting, priority srcnat) holding one
 * rule per (uplink, subnet):
 *     oifname UPLINK ip saddr SUBNET masquerade comment "pvstack masquerade ..."
 * The user's own tables and rules are never read or touched.  Each change is
 * one nf_tables batch, which the kernel applies atomically. */
#define NBC_NAT_TABLE "pvstack"
#define NBC_NAT_CHAIN "postrouting"
/* vif-nat's derived guest addresses, 10.<domid/256>.<domid%256>.<devid+1>,
 * all lie in this. */
#define NBC_NAT_DEFAULT_SUBNET "10.0.0.0/8"

struct nbc_masq {
    char uplink[IFNAMSIZ];
    struct nbc_addr subnet;
    uint64_t handle;        /* the rule's nf_tables handle */
};

/* Masquerade traffic from SUBNET (NULL: the default) leaving by UPLINK, and
 * enable ip_forward.  Idempotent; transactional (a failure undoes the rule
 * and the table it may have created). */
int nbc_nat_up(struct nbc *n, const char *uplink, const char *subnet);
/* Remove that rule, and our table with it when it was the last one.
 * ip_forward stays on: routed and NAT vifs may still need it.  Removing
 * what is not there succeeds. */
int nbc_nat_down(struct nbc *n, const char *uplink, const char *subnet);
/* Our masquerade rules, in chain order; none (count 0) without our table.
 * *OUT malloc'd. */
int nbc_nat_list(struct nbc *n, struct nbc_masq **out, int *count);
/* 1 when our table exists, 0 when not, or a negative errno. */
int nbc_nat_table_exists(struct nbc *n);

#endif
