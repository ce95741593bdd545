/* xl block-attach/-detach/-list and network-attach/-detach/-list: the
 * device work behind them (the spec parsing front is xl/devices_spec.c). */
#include "xl/devices_spec.h"
#include "xl/xl.h"

#include "libxl/devices.h"
#include "libxl/log.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenstore.h>

struct dev_handles {
    struct xs_handle *xsh;
    xc_interface *xch;
};

static int handles_open(struct dev_handles *h)
{
    h->xch = NULL;
    h->xsh = xs_open(0);
    if (!h->xsh) {
        fprintf(stderr, "xl: cannot connect to xenstore: %s (is xenstored "
                "running, and are you root?)\n", strerror(errno));
        return -1;
    }
    h->xch = xc_interface_open(NULL, NULL, 0);
    if (!h->xch) {
        fprintf(stderr, "xl: cannot open the hypervisor interface: %s\n",
                strerror(errno));
        xs_close(h->xsh);
        return -1;
    }
    return 0;
}

static void handles_close(struct dev_handles *h)
{
    if (h->xch)
        xc_interface_close(h->xch);
    if (h->xsh)
        xs_close(h->xsh);
}

/* Name -> domid by xenstore's /local/domain/N/name; 0 or -1. */
static int lookup_name(struct xs_handle *xsh, const char *q, uint32_t *domid)
{
    char **doms, *name, path[64];
    unsigned num, i, len;
    int found = 0;

    doms = xs_directory(xsh, XBT_NULL, "/local/domain", &num);
    for (i = 0; doms && i < num && !found; i++) {
        snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
        name = xs_read(xsh, XBT_NULL, path, &len);
        if (name && !strcmp(name, q)) {
            *domid = (uint32_t)strtoul(doms[i], NULL, 10);
            found = 1;
        }
        free(name);
    }
    free(doms);
    return found ? 0 : -1;
}

/* The hook xl/devices_spec.c uses for block-attach/network-attach (weak: a
 * domain family's own definition wins). */
int xl_domain_qualifier_to_domid(const char *q, uint32_t *domid)
{
    struct xs_handle *xsh = xs_open(0);
    int rc;

    if (!xsh) {
        fprintf(stderr, "xl: cannot connect to xenstore: %s\n", strerror(errno));
        return -1;
    }
    rc = lookup_name(xsh, q, domid);
    xs_close(xsh);
    return rc;
}

/* A domain number or name, as libxl_domain_qualifier_to_domid.  RC_NOTE:
 * the commands where xl uses its find_domain, whose message carries
 * libxl's error code. */
static int find_domain(struct dev_handles *h, const char *q, uint32_t *domid,
                       int rc_note)
{
    char *name, path[64];
    unsigned len;
    unsigned long v;
    char *end;

    errno = 0;
    v = strtoul(q, &end, 10);
    if (*q && isdigit((unsigned char)*q) && !*end && !errno && v < 0x7FF0) {
        *domid = (uint32_t)v;
        snprintf(path, sizeof(path), "/local/domain/%u/name", *domid);
        name = xs_read(h->xsh, XBT_NULL, path, &len);
        if (name) {
            free(name);
            return 0;
        }
        goto invalid;
    }
    if (!xl_domain_qualifier_to_domid(q, domid))
        return 0;
invalid:
    fprintf(stderr, "%s is an invalid domain identifier%s\n", q,
            rc_note ? " (rc=-6)" : "");
    return -1;
}

/* Hot-plugged into a running guest, the device is done when the frontend
 * has connected; a paused guest can't connect, so then the backend being
 * ready (InitWait) is as far as it goes -- as in libxl. */
static int hotplug_wait_state(struct dev_handles *h, uint32_t domid)
{
    xc_dominfo_t info;

    if (xc_domain_getinfo(h->xch, domid, 1, &info) == 1 && info.domid == domid &&
        !info.paused)
        return PV_XENBUS_CONNECTED;
    return PV_XENBUS_INITWAIT;
}

static void log_setup(void)
{
    pv_log_set_prog("xl");
    if (xl_g.verbose)
        pv_log_set_level(xl_g.verbose > 1 ? PV_LOG_DEBUG : PV_LOG_INFO);
}

/* Every hot-plug and unplug runs under the domain's userdata lock, as
 * libxl's device add/remove: concurrent attaches then pick distinct devids
 * and none loses another's entry in the stored config. */
#define XCH(h) ((struct xc_interface_core *)(h)->xch)

int xl_block_attach_real(uint32_t domid, struct pv_device_disk *disk)
{
    struct dev_handles h;
    struct pv_dev_opts o = { 0 };
    struct pv_dev_lock lk;
    int rc;

    log_setup();
    if (handles_open(&h))
        return 1;
    if (pv_dev_lock(XCH(&h), domid, &lk)) {
        handles_close(&h);
        return 1;
    }
    o.wait_state = hotplug_wait_state(&h, domid);
    rc = pv_disk_add(h.xsh, XCH(&h), domid, disk, &o);
    if (!rc && pv_dev_config_add_disk(XCH(&h), domid, disk)) {
        PV_ERR((int)domid, "cannot record disk %s in the stored config; "
               "detaching it again", disk->vdev);
        pv_disk_remove(h.xsh, domid, pv_vdev_to_devid(disk->vdev, NULL, NULL), 1);
        rc = -1;
    }
    pv_dev_unlock(&lk);
    handles_close(&h);
    return rc ? 1 : 0;
}

int xl_network_attach_real(uint32_t domid, struct pv_device_nic *nic)
{
    struct dev_handles h;
    struct pv_dev_opts o = { 0 };
    struct pv_device_nic saved;
    struct pv_dev_lock lk;
    uint8_t uuid[16];
    xen_domain_handle_t handle;
    xc_dominfo_t info;
    int rc;

    log_setup();
    if (handles_open(&h))
        return 1;
    /* What the user asked for, before defaults: libxl records that. */
    if (pv_dev_struct_copy(&pv_desc_device_nic, &saved, nic)) {
        handles_close(&h);
        return 1;
    }
    if (pv_dev_lock(XCH(&h), domid, &lk)) {
        rc = 1;
        goto out;
    }
    o.wait_state = hotplug_wait_state(&h, domid);
    if (xc_domain_getinfo(h.xch, domid, 1, &info) == 1 && info.domid == domid) {
        memcpy(handle, info.handle, sizeof(handle));
        memcpy(uuid, handle, sizeof(uuid));
        o.uuid = uuid;
    }
    rc = pv_nic_add(h.xsh, XCH(&h), domid, nic, &o);
    if (!rc) {
        /* libxl__update_config_nic */
        saved.devid = nic->devid;
        saved.nictype = nic->nictype;
        memcpy(saved.mac, nic->mac, sizeof(saved.mac));
        if (pv_dev_config_add_nic(XCH(&h), domid, &saved)) {
            PV_ERR((int)domid, "cannot record vif %d in the stored config; "
                   "detaching it again", nic->devid);
            pv_nic_remove(h.xsh, domid, nic->devid, 1);
            rc = -1;
        }
    }
    pv_dev_unlock(&lk);
out:
    pv_device_nic_dispose(&saved);
    handles_close(&h);
    return rc ? 1 : 0;
}

int main_blockdetach(int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", 0, 0, 'f' },
        { 0, 0, 0, 0 },
    };
    struct dev_handles h;
    struct pv_dev_lock lk;
    uint32_t domid;
    int opt, rc = 0, force = 0, devid, r;
    char path[96], *be;

    while ((opt = xl_getopt(argc, argv, "f", opts, "block-detach", 2, &rc)) != -1) {
        if (opt == -2)
            return rc;
        if (opt == 'f')
            force = 1;
    }
    log_setup();
    if (handles_open(&h))
        return 1;
    if (find_domain(&h, argv[optind], &domid, 1)) {
        rc = 1;
        goto out;
    }
    devid = pv_vdev_to_devid(argv[optind + 1], NULL, NULL);
    be = NULL;
    if (devid >= 0) {
        snprintf(path, sizeof(path), "/libxl/%u/device/vbd/%d/backend", domid, devid);
        be = xs_read(h.xsh, XBT_NULL, path, NULL);
    }
    if (!be) {
        fprintf(stderr, "Error: Device %s not connected.\n", argv[optind + 1]);
        rc = 1;
        goto out;
    }
    free(be);
    if (pv_dev_lock(XCH(&h), domid, &lk)) {
        rc = 1;
        goto out;
    }
    r = pv_disk_remove(h.xsh, domid, devid, force);
    if (r == -ENOENT) {
        /* someone else detached it while we waited for the lock */
        fprintf(stderr, "Error: Device %s not connected.\n", argv[optind + 1]);
        rc = 1;
    } else if (r) {
        fprintf(stderr, "libxl_device_disk_%s failed.\n",
                force ? "destroy" : "safe_remove");
        rc = 1;
    }
    if (r != -ENOENT && pv_dev_config_remove(XCH(&h), domid, "vbd", devid))
        PV_ERR((int)domid, "cannot drop disk %s from the stored config",
               argv[optind + 1]);
    pv_dev_unlock(&lk);
out:
    handles_close(&h);
    return rc;
}

int main_blocklist(int argc, char **argv)
{
    struct dev_handles h;
    struct pv_dev_info *d;
    uint32_t domid;
    int opt, rc = 0, i, n;

    while ((opt = xl_getopt(argc, argv, "", NULL, "block-list", 1, &rc)) != -1)
        if (opt == -2)
            return rc;
    if (handles_open(&h))
        return 1;
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n",
           "Vdev", "BE", "handle", "state", "evt-ch", "ring-ref", "BE-path");
    for (argv += optind, argc -= optind; argc > 0; --argc, ++argv) {
        if (find_domain(&h, *argv, &domid, 0))
            continue;
        if (pv_dev_list(h.xsh, domid, "vbd", &d, &n))
            continue;
        for (i = 0; i < n; i++)
            printf("%-5d %-3d %-6d %-5d %-6d %-8d %-30s\n", d[i].devid,
                   d[i].backend_id, d[i].frontend_id, d[i].state, d[i].evtch,
                   d[i].rref, d[i].backend);
        free(d);
    }
    handles_close(&h);
    return 0;
}

int main_networkdetach(int argc, char **argv)
{
    struct dev_handles h;
    struct pv_dev_info *d = NULL;
    struct pv_dev_lock lk;
    const char *spec;
    uint32_t domid;
    int opt, rc = 0, i, n = 0, devid = -1, r;

    while ((opt = xl_getopt(argc, argv, "", NULL, "network-detach", 2, &rc)) != -1)
        if (opt == -2)
            return rc;
    log_setup();
    if (handles_open(&h))
        return 1;
    if (find_domain(&h, argv[optind], &domid, 1)) {
        rc = 1;
        goto out;
    }
    spec = argv[optind + 1];
    if (!pv_dev_list(h.xsh, domid, "vif", &d, &n)) {
        for (i = 0; i < n; i++) {
            if (strchr(spec, ':') ? !strcasecmp(d[i].mac, spec)
                                  : d[i].devid == atoi(spec)) {
                devid = d[i].devid;
                break;
            }
        }
    }
    if (devid < 0) {
        fprintf(stderr, "Unknown device %s.\n", spec);
        rc = 1;
        goto out;
    }
    if (pv_dev_lock(XCH(&h), domid, &lk)) {
        rc = 1;
        goto out;
    }
    r = pv_nic_remove(h.xsh, domid, devid, 0);
    if (r == -ENOENT) {
        fprintf(stderr, "Unknown device %s.\n", spec);
        rc = 1;
    } else if (r) {
        fprintf(stderr, "libxl_device_nic_del failed.\n");
        rc = 1;
    }
    if (r != -ENOENT && pv_dev_config_remove(XCH(&h), domid, "vif", devid))
        PV_ERR((int)domid, "cannot drop vif %d from the stored config", devid);
    pv_dev_unlock(&lk);
out:
    free(d);
    handles_close(&h);
    return rc;
}

int main_networklist(int argc, char **argv)
{
    struct dev_handles h;
    struct pv_dev_info *d;
    uint32_t domid;
    int opt, rc = 0, i, n;

    while ((opt = xl_getopt(argc, argv, "", NULL, "network-list", 1, &rc)) != -1)
        if (opt == -2)
            return rc;
    if (handles_open(&h))
        return 1;
    printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n",
           "Idx", "BE", "Mac Addr.", "handle", "state", "evt-ch", "tx-",
           "rx-ring-ref", "BE-path");
    for (argv += optind, argc -= optind; argc > 0; --argc, ++argv) {
        /* xl's find_domain ends the command at the first unknown one */
        if (find_domain(&h, *argv, &domid, 1)) {
            fflush(stdout);
            handles_close(&h);
            return 1;
        }
        if (pv_dev_list(h.xsh, domid, "vif", &d, &n))
            continue;
        for (i = 0; i < n; i++) {
            printf("%-3d %-2d ", d[i].devid, d[i].backend_id);
            printf("%s", d[i].mac);
            printf("%6d %5d %6d %5d/%-11d %-30s\n", d[i].devid, d[i].state,
                   d[i].evtch, d[i].rref, d[i].rref_rx, d[i].backend);
        }
        free(d);
    }
    handles_close(&h);
    return 0;
}
