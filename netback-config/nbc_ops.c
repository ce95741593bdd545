/* netback-config composite operations: bridges with uplinks and the three
 * vif modes (bridge, route, nat) with the semantics of Xen 4.17's
 * tools/hotplug/Linux/vif-bridge, vif-route and vif-nat.  Each one is a
 * transaction: on failure nbc_tx_rollback() undoes what it had done. */
#include "netback-config/nbc.h"
#include "netback-config/nbc_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define STEP(expr) do { rc = (expr); if (rc) goto out_rollback; } while (0)

static int lookup(struct nbc *n, const char *name, struct nbc_link *l,
                  const char *what)
{
    int rc;

    if (!name || !*name)
        return nbc_fail(n, -EINVAL, "no %s name given", what);
    rc = nbc_link_get(n, name, l);
    if (rc == -ENODEV || rc == -EINVAL)
        return nbc_fail(n, -ENODEV, "%s %s does not exist", what, name);
    if (rc)
        return nbc_fail(n, rc, "cannot look up %s %s", what, name);
    return 0;
}

static int lookup_bridge(struct nbc *n, const char *name, struct nbc_link *l)
{
    int rc = lookup(n, name, l, "bridge");
    if (rc)
        return rc;
    if (strcmp(l->kind, "bridge"))
        return nbc_fail(n, -EINVAL, "%s is not a bridge", name);
    return 0;
}

/* Addresses worth moving between an uplink and its bridge: not link-local
 * (the kernel makes those per device) and not host scope. */
static int movable_addr(const struct nbc_addr *a)
{
    return a->scope != RT_SCOPE_LINK && a->scope != RT_SCOPE_HOST;
}

/* Move the addresses and default routes of FROM onto TO (both ifindexes),
 * recording every step.  Routes go first because deleting an address makes
 * the kernel silently drop the routes that used it, which rollback could
 * then not restore. */
struct moved_routes { struct nbc_route *v; int n; };

static int move_begin(struct nbc *n, int from, int to, struct moved_routes *mr)
{
    struct nbc_addr *addrs = NULL;
    struct nbc_route *routes = NULL;
    int n_addrs = 0, n_routes = 0, i, rc;

    mr->v = NULL;
    mr->n = 0;
    rc = nbc_route_list(n, AF_UNSPEC, &routes, &n_routes);
    if (rc)
        goto out;
    mr->v = calloc(n_routes ? n_routes : 1, sizeof(*mr->v));
    if (!mr->v) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < n_routes; i++) {
        if (routes[i].oif != from || routes[i].dst_len)
            continue;
        rc = nbc_route_del(n, &routes[i]);
        if (rc)
            goto out;
        mr->v[mr->n] = routes[i];
        mr->v[mr->n++].oif = to;
    }
    rc = nbc_addr_list(n, from, &addrs, &n_addrs);
    if (rc)
        goto out;
    for (i = 0; i < n_addrs; i++) {
        struct nbc_addr a = addrs[i];
        if (!movable_addr(&a))
            continue;
        a.ifindex = to;
        rc = nbc_addr_add(n, &a);
        if (rc)
            goto out;
        rc = nbc_addr_del(n, &addrs[i]);
        if (rc)
            goto out;
    }
out:
    free(addrs);
    free(routes);
    return rc;
}

/* The default routes go back once TO carries the addresses (and, for a
 * bridge, its port) so their gateways are reachable. */
static int move_finish(struct nbc *n, struct moved_routes *mr)
{
    int i, rc = 0;

    for (i = 0; i < mr->n && !rc; i++)
        rc = nbc_route_add(n, &mr->v[i]);
    return rc;
}

int nbc_bridge_ensure(struct nbc *n, const char *br, unsigned mtu)
{
    struct nbc_link l;
    int rc, existed = nbc_link_get(n, br, &l) == 0;

    nbc_tx_begin(n);
    STEP(nbc_link_add(n, br, "bridge"));
    if (!existed) {
        /* Give it a MAC of its own (random, locally administered): a bridge
         * whose address was never set takes its ports' addresses as vifs
         * come and go, and guests' ARP caches for dom0 go stale.  It must
         * differ from the current one, or the kernel ignores the request
         * and keeps treating the address as its own to change. */
        unsigned char mac[6];
        STEP(lookup_bridge(n, br, &l));
        do {
            if (getrandom(mac, sizeof(mac), 0) != (ssize_t)sizeof(mac))
                STEP(nbc_fail(n, -EIO, "no random bytes for %s's MAC", br));
            mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02);
        } while (!memcmp(mac, l.mac, 6));
        STEP(nbc_link_pin_mac(n, l.ifindex, mac));
    }
    if (mtu)
        STEP(nbc_link_set_mtu(n, br, mtu));
    STEP(nbc_link_set_up(n, br, 1));
    nbc_tx_commit(n);
    return 0;
out_rollback:
    nbc_tx_rollback(n);
    return rc;
}

int nbc_uplink_enslave(struct nbc *n, const char *br, const char *nic)
{
    struct nbc_link nl, bl;
    struct moved_routes mr = { 0 };
    int rc;

    nbc_tx_begin(n);
    STEP(lookup(n, nic, &nl, "network interface"));
    if (!strcmp(nl.kind, "bridge"))
        STEP(nbc_fail(n, -EINVAL, "%s is itself a bridge, not an uplink", nic));
    STEP(nbc_link_add(n, br, "bridge"));
    STEP(lookup_bridge(n, br, &bl));
    if (nl.master == bl.ifindex) {
        /* Already done: just make sure both are up. */
        STEP(nbc_link_set_up(n, br, 1));
        STEP(nbc_link_set_up(n, nic, 1));
        goto out_commit;
    }
    if (nl.master) {
        struct nbc_link other;
        if (nbc_link_get_index(n, nl.master, &other))
            snprintf(other.name, sizeof(other.name), "#%d", nl.master);
        STEP(nbc_fail(n, -EBUSY, "%s is already a port of %s", nic, other.name));
    }
    /* The bridge takes the uplink's identity so DHCP leases, ARP caches
     * and switch port security keep working. */
    STEP(nbc_link_set_mtu(n, br, nl.mtu));
    if (nl.has_mac)
        STEP(nbc_link_set_mac(n, br, nl.mac));
    STEP(nbc_link_set_up(n, br, 1));
    STEP(move_begin(n, nl.ifindex, bl.ifindex, &mr));
    STEP(nbc_link_set_master(n, nic, br));
    STEP(nbc_link_set_up(n, nic, 1));
    STEP(move_finish(n, &mr));
out_commit:
    free(mr.v);
    nbc_tx_commit(n);
    return 0;
out_rollback:
    free(mr.v);
    nbc_tx_rollback(n);
    return rc;
}

int nbc_bridge_delete(struct nbc *n, const char *br, const char *uplink)
{
    struct nbc_link bl, ul = { 0 };
    struct nbc_link *links = NULL;
    struct moved_routes mr = { 0 };
    char busy[256] = "";
    int n_links = 0, i, rc;

    rc = nbc_link_get(n, br, &bl);
    if (rc == -ENODEV)
        return 0;
    nbc_tx_begin(n);
    STEP(lookup_bridge(n, br, &bl));
    if (uplink)
        STEP(lookup(n, uplink, &ul, "uplink"));
    STEP(nbc_link_list(n, &links, &n_links));
    for (i = 0; i < n_links; i++) {
        if (links[i].master != bl.ifindex || links[i].ifindex == ul.ifindex)
            continue;
        if (strlen(busy) + strlen(links[i].name) + 2 < sizeof(busy)) {
            strcat(busy, " ");
            strcat(busy, links[i].name);
        }
    }
    if (busy[0])
        STEP(nbc_fail(n, -EBUSY, "bridge %s still has ports:%s", br, busy));
    if (uplink) {
        if (ul.master != bl.ifindex)
            STEP(nbc_fail(n, -EINVAL, "%s is not a port of %s", uplink, br));
        STEP(move_begin(n, bl.ifindex, ul.ifindex, &mr));
        STEP(nbc_link_set_master(n, uplink, NULL));
        STEP(move_finish(n, &mr));
    }
    rc = nbc_link_del_index(n, bl.ifindex);
    if (rc)
        STEP(nbc_fail(n, rc, "cannot delete bridge %s", br));
    free(links);
    free(mr.v);
    nbc_tx_commit(n);
    return 0;
out_rollback:
    free(links);
    free(mr.v);
    nbc_tx_rollback(n);
    return rc;
}

int nbc_vif_bridge_online(struct nbc *n, const char *vif, const char *br,
                          unsigned mtu)
{
    struct nbc_link bl, vl;
    int rc;

    nbc_tx_begin(n);
    STEP(lookup_bridge(n, br, &bl));
    STEP(lookup(n, vif, &vl, "vif"));
    STEP(nbc_link_set_mtu(n, vif, mtu ? mtu : bl.mtu));
    STEP(nbc_link_set_master(n, vif, br));
    STEP(nbc_link_set_up(n, vif, 1));
    nbc_tx_commit(n);
    return 0;
out_rollback:
    nbc_tx_rollback(n);
    return rc;
}

int nbc_vif_bridge_offline(struct nbc *n, const char *vif)
{
    struct nbc_link vl;
    int rc = nbc_link_get(n, vif, &vl);

    if (rc == -ENODEV)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot look up vif %s", vif);
    if (vl.master && (rc = nbc_link_set_master(n, vif, NULL)))
        return rc;
    return nbc_link_set_up(n, vif, 0);
}

static int first_ipv4(struct nbc *n, const char *dev, struct nbc_addr *out)
{
    struct nbc_link l;
    struct nbc_addr *addrs = NULL;
    int count = 0, i, rc;

    rc = lookup(n, dev, &l, "network interface");
    if (rc)
        return rc;
    rc = nbc_addr_list(n, l.ifindex, &addrs, &count);
    if (rc)
        return rc;
    for (i = 0; i < count; i++)
        if (addrs[i].family == AF_INET && addrs[i].scope != RT_SCOPE_HOST)
            break;
    if (i == count) {
        free(addrs);
        return nbc_fail(n, -EADDRNOTAVAIL,
                        "%s has no IPv4 address; bring it up or name another "
                        "interface with netdev=", dev);
    }
    *out = addrs[i];
    free(addrs);
    return 0;
}

/* Host routes to the guest's addresses, for vif-route (metric 2, as the
 * script uses for vifs). */
static int guest_routes(struct nbc *n, int ifindex, const struct nbc_addr *src,
                        const char *ips, int add)
{
    char buf[512], *save = NULL, *tok;
    int rc = 0;

    if (!ips)
        return 0;
    if (strlen(ips) >= sizeof(buf))
        return nbc_fail(n, -EINVAL, "ip list too long");
    strcpy(buf, ips);
    for (tok = strtok_r(buf, " ,", &save); tok && !rc;
         tok = strtok_r(NULL, " ,", &save)) {
        struct nbc_addr a;
        struct nbc_route r = { 0 };

        if (nbc_addr_parse(tok, &a) || a.family != AF_INET)
            return nbc_fail(n, -EINVAL, "invalid guest address '%s'", tok);
        r.family = AF_INET;
        r.dst_len = a.prefixlen;
        memcpy(r.dst, a.addr, 4);
        memcpy(r.src, src->addr, 4);
        r.has_src = 1;
        r.oif = ifindex;
        r.metric = 2;
        r.has_metric = 1;
        rc = add ? nbc_route_add(n, &r) : nbc_route_del(n, &r);
    }
    return rc;
}

static int proxy_arp_path(char *buf, size_t len, const char *dev)
{
    return snprintf(buf, len, "net/ipv4/conf/%s/proxy_arp", dev);
}

int nbc_vif_route_online(struct nbc *n, const char *vif, const char *netdev,
                         const char *ips)
{
    struct nbc_link vl;
    struct nbc_addr main_ip, a;
    char path[96];
    int rc;

    nbc_tx_begin(n);
    STEP(lookup(n, vif, &vl, "vif"));
    STEP(first_ipv4(n, netdev ? netdev : "eth0", &main_ip));
    STEP(nbc_link_set_up(n, vif, 1));
    a = main_ip;
    a.prefixlen = 32;
    a.scope = RT_SCOPE_UNIVERSE;
    a.ifindex = vl.ifindex;
    STEP(nbc_addr_add(n, &a));
    proxy_arp_path(path, sizeof(path), vif);
    STEP(nbc_sysctl_set(n, path, "1"));
    STEP(nbc_sysctl_set(n, "net/ipv4/ip_forward", "1"));
    STEP(guest_routes(n, vl.ifindex, &main_ip, ips, 1));
    nbc_tx_commit(n);
    return 0;
out_rollback:
    nbc_tx_rollback(n);
    return rc;
}

int nbc_vif_route_offline(struct nbc *n, const char *vif, const char *netdev,
                          const char *ips)
{
    struct nbc_link vl;
    struct nbc_addr main_ip;
    int rc;

    rc = nbc_link_get(n, vif, &vl);
    if (rc == -ENODEV)
        return 0;   /* the kernel took its routes with it */
    if (rc)
        return nbc_fail(n, rc, "cannot look up vif %s", vif);
    if (!first_ipv4(n, netdev ? netdev : "eth0", &main_ip)) {
        rc = guest_routes(n, vl.ifindex, &main_ip, ips, 0);
        if (rc)
            return rc;
    }
    return nbc_link_set_up(n, vif, 0);
}

int nbc_vif_nat_addrs(int domid, int devid, const char *ip,
                      struct nbc_addr *guest, struct nbc_addr *router)
{
    if (domid < 0 || domid > 0xffff || devid < 0)
        return -EINVAL;
    if (ip && *ip) {
        if (nbc_addr_parse(ip, guest) || guest->family != AF_INET)
            return -EINVAL;
    } else {
        char txt[32];
        if (devid + 1 > 255)
            return -EINVAL;
        snprintf(txt, sizeof(txt), "10.%d.%d.%d/16", domid / 256, domid % 256,
                 devid + 1);
        nbc_addr_parse(txt, guest);
    }
    /* The router is the guest address plus 127 in the last octet, as a
     * host address. */
    *router = *guest;
    router->prefixlen = 32;
    if (guest->addr[3] + 127 > 255)
        return -EINVAL;
    router->addr[3] = (unsigned char)(guest->addr[3] + 127);
    return 0;
}

int nbc_vif_nat_online(struct nbc *n, const char *vif, int domid, int devid,
                       const char *ip)
{
    struct nbc_link vl;
    struct nbc_addr guest, router;
    struct nbc_route r = { 0 };
    char path[96];
    int rc;

    nbc_tx_begin(n);
    STEP(lookup(n, vif, &vl, "vif"));
    if (nbc_vif_nat_addrs(domid, devid, ip, &guest, &router))
        STEP(nbc_fail(n, -EINVAL, "cannot derive NAT addresses for domain %d "
                      "vif %d from '%s'", domid, devid, ip ? ip : ""));
    STEP(nbc_link_set_up(n, vif, 1));
    router.ifindex = vl.ifindex;
    STEP(nbc_addr_add(n, &router));
    r.family = AF_INET;
    r.dst_len = 32;
    memcpy(r.dst, guest.addr, 4);
    memcpy(r.src, router.addr, 4);
    r.has_src = 1;
    r.oif = vl.ifindex;
    STEP(nbc_route_add(n, &r));
    proxy_arp_path(path, sizeof(path), vif);
    STEP(nbc_sysctl_set(n, path, "1"));
    STEP(nbc_sysctl_set(n, "net/ipv4/ip_forward", "1"));
    nbc_tx_commit(n);
    return 0;
out_rollback:
    nbc_tx_rollback(n);
    return rc;
}

int nbc_vif_nat_offline(struct nbc *n, const char *vif)
{
    struct nbc_link vl;
    int rc = nbc_link_get(n, vif, &vl);

    if (rc == -ENODEV)
        return 0;
    if (rc)
        return nbc_fail(n, rc, "cannot look up vif %s", vif);
    /* Down takes the vif's routes with it, as "ifconfig vif down" does. */
    return nbc_link_set_up(n, vif, 0);
}

int nbc_host_routed(struct nbc *n, const char *netdev)
{
    struct nbc_link l;
    char path[96];
    int rc;

    nbc_tx_begin(n);
    STEP(lookup(n, netdev, &l, "network interface"));
    STEP(nbc_sysctl_set(n, "net/ipv4/ip_forward", "1"));
    proxy_arp_path(path, sizeof(path), netdev);
    STEP(nbc_sysctl_set(n, path, "1"));
    nbc_tx_commit(n);
    return 0;
out_rollback:
    nbc_tx_rollback(n);
    return rc;
}

int nbc_host_nat(struct nbc *n)
{
    int rc = nbc_sysctl_set(n, "net/ipv4/ip_forward", "1");
    return rc;
}
