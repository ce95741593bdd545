/* Network devices (vif): libxl's xenstore nodes, then in-process what Xen's
 * vif-bridge / vif-route / vif-nat hotplug scripts did, by netlink, once
 * netback has created vifD.N. */
#include "libxl/dev_internal.h"
#include "libxl/log.h"
#include "netback-config/nbc.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

enum vif_mode { VIF_BRIDGE, VIF_ROUTE, VIF_NAT, VIF_USER };

static enum vif_mode vif_mode_of(const char *script)
{
    const char *stock;

    if (!script)
        return VIF_BRIDGE;
    stock = pv_dev_script_stock(script);
    if (!stock)
        return VIF_USER;
    if (!strcmp(stock, "vif-route"))
        return VIF_ROUTE;
    if (!strcmp(stock, "vif-nat"))
        return VIF_NAT;
    return VIF_BRIDGE;
}

/* libxl__device_nextid: one past the highest devid in use. */
static int next_devid(struct xs_handle *xsh, uint32_t domid)
{
    char path[96];
    char **ents;
    unsigned num, i;
    int best = -1;
    const char *fmts[] = { "/local/domain/%u/device/vif", "/libxl/%u/device/vif" };
    size_t f;

    for (f = 0; f < 2; f++) {
        snprintf(path, sizeof(path), fmts[f], domid);
        ents = xs_directory(xsh, XBT_NULL, path, &num);
        if (!ents)
            continue;
        for (i = 0; i < num; i++)
            if (atoi(ents[i]) > best)
                best = atoi(ents[i]);
        free(ents);
    }
    return best + 1;
}

struct vif_ready {
    struct nbc *nbc;
    char name[IFNAMSIZ];
};

/* Netback registers vifD.N right after its probe reaches InitWait. */
static int vif_netdev_exists(void *arg)
{
    struct vif_ready *r = arg;
    struct nbc_link l;
    return nbc_link_get(r->nbc, r->name, &l) == 0;
}

static int vif_online(struct nbc *nbc, enum vif_mode mode, const char *vif,
                      uint32_t domid, const struct pv_device_nic *nic)
{
    switch (mode) {
    case VIF_BRIDGE:
        return nbc_vif_bridge_online(nbc, vif, nic->bridge,
                                     nic->mtu > 0 ? (unsigned)nic->mtu : 0);
    case VIF_ROUTE:
        return nbc_vif_route_online(nbc, vif, nic->gatewaydev, nic->ip);
    case VIF_NAT:
        return nbc_vif_nat_online(nbc, vif, (int)domid, nic->devid, nic->ip);
    case VIF_USER:
        break;
    }
    return 0;
}

static void vif_offline(struct nbc *nbc, enum vif_mode mode, const char *vif,
                        const char *netdev, const char *ip)
{
    switch (mode) {
    case VIF_BRIDGE: nbc_vif_bridge_offline(nbc, vif); break;
    case VIF_ROUTE: nbc_vif_route_offline(nbc, vif, netdev, ip); break;
    case VIF_NAT: nbc_vif_nat_offline(nbc, vif); break;
    case VIF_USER: break;
    }
}

int pv_nic_add(struct xs_handle *xsh, struct xc_interface_core *xch,
               uint32_t domid, struct pv_device_nic *nic,
               const struct pv_dev_opts *o)
{
    static const uint8_t zero_mac[6];
    struct pv_dev_nodes n;
    struct nbc *nbc = NULL;
    struct vif_ready ready;
    struct nbc_link l;
    enum vif_mode mode = vif_mode_of(nic->script);
    int want = o && o->wait_state ? o->wait_state : PV_XENBUS_INITWAIT;
    int timeout = o && o->timeout_ms > 0 ? o->timeout_ms : PV_DEV_TIMEOUT_MS;
    int wrote = 0, plugged = 0, state = -1, rc;
    char what[48], vif[IFNAMSIZ];

    pv_dev_nodes_init(&n, "vif", domid, 0, 0);
    if (nic->backend_domid) {
        PV_ERR((int)domid, "vif: backend in domain %u: driver domains are not "
               "supported yet", nic->backend_domid);
        return -ENOTSUP;
    }
    if (nic->nictype == PV_NIC_TYPE_VIF_IOEMU) {
        PV_ERR((int)domid, "trying to create PV or PVH guest with an emulated "
               "interface (type=ioemu)");
        return -EINVAL;
    }
    /* Defaults, as libxl__device_nic_setdefault. */
    nic->nictype = PV_NIC_TYPE_VIF;
    if (nic->devid < 0)
        nic->devid = next_devid(xsh, domid);
    if (!memcmp(nic->mac, zero_mac, 6))
        pv_nic_default_mac(o ? o->uuid : NULL, nic->devid, nic->mac);
    if (!nic->bridge && !(nic->bridge = strdup("xenbr0")))
        return -ENOMEM;
    snprintf(what, sizeof(what), "vif %d", nic->devid);
    snprintf(vif, sizeof(vif), "vif%u.%d", domid, nic->devid);
    if (nic->ifname && (strlen(nic->ifname) >= IFNAMSIZ || !*nic->ifname)) {
        PV_ERR((int)domid, "%s: vifname '%s' is not a valid interface name "
               "(at most %d characters)", what, nic->ifname, IFNAMSIZ - 1);
        return -EINVAL;
    }

    rc = nbc_open(&nbc);
    if (rc) {
        PV_ERR((int)domid, "%s: cannot open rtnetlink: %s", what, strerror(-rc));
        return rc;
    }
    /* Check the host side before touching xenstore, so a typo in bridge=
     * fails fast and leaves nothing behind. */
    if (mode == VIF_BRIDGE) {
        rc = nbc_link_get(nbc, nic->bridge, &l);
        if (rc || strcmp(l.kind, "bridge")) {
            PV_ERR((int)domid, "%s: bridge %s %s (create it with "
                   "`netback-config addbr %s`, or set bridge= in the vif spec)",
                   what, nic->bridge, rc ? "does not exist" : "is not a bridge",
                   nic->bridge);
            rc = -ENODEV;
            goto out;
        }
    }
    if (nic->ifname && !nbc_link_get(nbc, nic->ifname, &l)) {
        PV_ERR((int)domid, "%s: vifname %s is already in use by another "
               "interface", what, nic->ifname);
        rc = -EEXIST;
        goto out;
    }

    rc = pv_vif_nodes(&n, domid, nic);
    if (rc)
        goto out;
    rc = pv_dev_nodes_write(xsh, &n);
    if (rc == -EEXIST) {
        PV_ERR((int)domid, "%s already exists in domain %u", what, domid);
        goto out;
    }
    if (rc) {
        PV_ERR((int)domid, "%s: writing xenstore nodes: %s", what, strerror(-rc));
        goto out;
    }
    wrote = 1;

    ready.nbc = nbc;
    snprintf(ready.name, sizeof(ready.name), "%s", vif);
    rc = pv_dev_wait_backend(xsh, n.be_path, PV_XENBUS_INITWAIT, timeout,
                             vif_netdev_exists, &ready, &state);
    if (rc) {
        pv_dev_report_wait(xsh, domid, what, "vif", nic->devid, n.be_path,
                           PV_XENBUS_INITWAIT, state, rc, timeout, 0);
        goto out;
    }
    if (nic->ifname && mode != VIF_USER) {
        if ((rc = nbc_link_set_up(nbc, vif, 0)) ||
            (rc = nbc_link_rename(nbc, vif, nic->ifname))) {
            PV_ERR((int)domid, "%s: %s", what, nbc_errmsg(nbc));
            goto out;
        }
        snprintf(vif, sizeof(vif), "%s", nic->ifname);
    }
    if (mode == VIF_USER) {
        rc = pv_dev_run_script(domid, nic->script, "online", "type_if=vif",
                               "vif", nic->devid, vif, nic->gatewaydev, timeout);
    } else {
        rc = vif_online(nbc, mode, vif, domid, nic);
        if (rc)
            PV_ERR((int)domid, "%s: %s", what, nbc_errmsg(nbc));
    }
    if (rc)
        goto out;
    plugged = 1;
    /* Netback goes Connected only after this (see pv_vif_nodes). */
    rc = pv_dev_xs_write(xsh, "connected", "%s/hotplug-status", n.be_path);
    if (rc)
        goto out;
    if (want > PV_XENBUS_INITWAIT) {
        rc = pv_dev_wait_backend(xsh, n.be_path, want, timeout, NULL, NULL, &state);
        if (rc) {
            pv_dev_report_wait(xsh, domid, what, "vif", nic->devid, n.be_path,
                               want, state, rc, timeout, 0);
            goto out;
        }
    }
    PV_DEBUG((int)domid, "%s is %s on %s", what, vif,
             mode == VIF_BRIDGE ? nic->bridge : "a routed link");
    rc = 0;
out:
    if (rc && plugged) {
        if (mode == VIF_USER)
            pv_dev_run_script(domid, nic->script, "offline", "type_if=vif", "vif",
                              nic->devid, vif, nic->gatewaydev, timeout);
        else
            vif_offline(nbc, mode, vif, nic->gatewaydev, nic->ip);
    }
    if (rc && wrote) {
        char p[160];
        snprintf(p, sizeof(p), "/local/domain/0/error/backend/vif/%u/%d",
                 domid, nic->devid);
        xs_rm(xsh, XBT_NULL, p);
        pv_dev_xs_remove(xsh, n.fe_path, n.be_path, n.libxl_path);
    }
    pv_dev_nodes_dispose(&n);
    nbc_close(nbc);
    return rc;
}

int pv_nic_remove(struct xs_handle *xsh, uint32_t domid, int devid, int force)
{
    char libxl_path[96], vif[IFNAMSIZ], p[160];
    char *be = NULL, *fe = NULL, *vifname = NULL, *script = NULL;
    char *ip = NULL, *netdev = NULL;
    struct nbc *nbc = NULL;
    enum vif_mode mode;
    int rc, script_rc = 0;

    snprintf(libxl_path, sizeof(libxl_path), "/libxl/%u/device/vif/%d", domid, devid);
    be = pv_dev_xs_read(xsh, "%s/backend", libxl_path);
    fe = pv_dev_xs_read(xsh, "%s/frontend", libxl_path);
    if (!be) {
        rc = -ENOENT;
        goto out;
    }
    vifname = pv_dev_xs_read(xsh, "%s/vifname", libxl_path);
    script = pv_dev_xs_read(xsh, "%s/script", libxl_path);
    ip = pv_dev_xs_read(xsh, "%s/ip", libxl_path);
    netdev = pv_dev_xs_read(xsh, "%s/gatewaydev", libxl_path);
    mode = vif_mode_of(script);
    if (vifname)
        snprintf(vif, sizeof(vif), "%s", vifname);
    else
        snprintf(vif, sizeof(vif), "vif%u.%d", domid, devid);

    /* As libxl: ask the guest to let go; if it doesn't, remove anyway. */
    if (force) {
        if (pv_dev_backend_force_close(xsh, fe, be, "vif", domid, devid,
                                       PV_DEV_DESTROY_TIMEOUT_MS) == -ETIMEDOUT)
            PV_WARN((int)domid, "vif %d: netback did not let go within %d s; "
                    "removing it anyway", devid, PV_DEV_DESTROY_TIMEOUT_MS / 1000);
    } else if (pv_dev_backend_close(xsh, be, PV_DEV_TIMEOUT_MS) == -ETIMEDOUT) {
        PV_WARN((int)domid, "vif %d: the guest did not close it within %d s; "
                "removing it anyway", devid, PV_DEV_TIMEOUT_MS / 1000);
    }
    if (mode == VIF_USER) {
        /* libxl passes vifD.N even when vifname= renamed it: the script
         * reads vifname from xenstore itself (vif-common.sh). */
        snprintf(vif, sizeof(vif), "vif%u.%d", domid, devid);
        if ((script_rc = pv_dev_run_script(domid, script, "offline",
                                           "type_if=vif", "vif", devid, vif,
                                           netdev, PV_DEV_TIMEOUT_MS)))
            PV_ERR((int)domid, "vif %d: its hotplug script failed to take it "
                   "offline; removing the device anyway", devid);
    } else if (!nbc_open(&nbc)) {
        vif_offline(nbc, mode, vif, netdev, ip);
    }
    snprintf(p, sizeof(p), "/local/domain/0/error/backend/vif/%u/%d", domid, devid);
    xs_rm(xsh, XBT_NULL, p);
    rc = pv_dev_xs_remove(xsh, fe, be, libxl_path);
    if (rc)
        PV_ERR((int)domid, "vif %d: removing xenstore nodes: %s", devid, strerror(-rc));
    else
        rc = script_rc;     /* gone, but the script's failure is reported */
out:
    nbc_close(nbc);
    free(be);
    free(fe);
    free(vifname);
    free(script);
    free(ip);
    free(netdev);
    return rc;
}
