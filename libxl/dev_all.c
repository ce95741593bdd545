/* All of a domain's devices at once (create and destroy), and listing. */
#include "libxl/dev_internal.h"
#include "libxl/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

int pv_devices_add(struct xs_handle *xsh, struct xc_interface_core *xch,
                   uint32_t domid, struct pv_device_disk *disks, int num_disks,
                   struct pv_device_nic *nics, int num_nics,
                   const struct pv_dev_opts *o)
{
    int i, d = 0, v = 0, rc = 0;

    for (d = 0; d < num_disks; d++) {
        rc = pv_disk_add(xsh, xch, domid, &disks[d], o);
        if (rc)
            goto undo;
    }
    for (v = 0; v < num_nics; v++) {
        rc = pv_nic_add(xsh, xch, domid, &nics[v], o);
        if (rc)
            goto undo;
    }
    /* As libxl's domcreate_complete: the stored config learns the devid,
     * nictype and MAC the defaults chose, so a restart (and `xl list -l`)
     * sees the guest's real MACs. */
    if (num_nics && xch) {
        struct pv_dev_lock lk;

        rc = pv_dev_lock(xch, domid, &lk);
        if (!rc) {
            rc = pv_dev_config_update_nics(xch, domid, nics, num_nics);
            pv_dev_unlock(&lk);
        }
        if (rc) {
            PV_ERR((int)domid, "cannot record the nics in the stored config");
            goto undo;
        }
    }
    return 0;
undo:
    for (i = v - 1; i >= 0; i--)
        pv_nic_remove(xsh, domid, nics[i].devid, 1);
    for (i = d - 1; i >= 0; i--)
        pv_disk_remove(xsh, domid, pv_vdev_to_devid(disks[i].vdev, NULL, NULL), 1);
    return rc;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* Devids recorded for KIND under /libxl/DOMID/device, sorted. */
static int devids(struct xs_handle *xsh, uint32_t domid, const char *kind,
                  int **out, int *count)
{
    char path[96];
    char **ents;
    unsigned num, i;
    int *ids;

    *out = NULL;
    *count = 0;
    snprintf(path, sizeof(path), "/libxl/%u/device/%s", domid, kind);
    ents = xs_directory(xsh, XBT_NULL, path, &num);
    if (!ents)
        return 0;
    ids = calloc(num ? num : 1, sizeof(int));
    if (!ids) {
        free(ents);
        return -ENOMEM;
    }
    for (i = 0; i < num; i++)
        ids[i] = atoi(ents[i]);
    free(ents);
    qsort(ids, num, sizeof(int), cmp_int);
    *out = ids;
    *count = (int)num;
    return 0;
}

int pv_devices_remove_all(struct xs_handle *xsh, uint32_t domid, int force)
{
    int *ids = NULL, n = 0, i, rc = 0, r;

    /* Network first: a guest losing its disk before its network is the
     * order xl uses too, and either way nothing depends on the other. */
    if (!devids(xsh, domid, "vif", &ids, &n))
        for (i = 0; i < n; i++)
            if ((r = pv_nic_remove(xsh, domid, ids[i], force)) && r != -ENOENT)
                rc = r;
    free(ids);
    if (!devids(xsh, domid, "vbd", &ids, &n))
        for (i = 0; i < n; i++)
            if ((r = pv_disk_remove(xsh, domid, ids[i], force)) && r != -ENOENT)
                rc = r;
    free(ids);
    return rc;
}

static int read_int(struct xs_handle *xsh, const char *dir, const char *key)
{
    char *v = dir ? pv_dev_xs_read(xsh, "%s/%s", dir, key) : NULL;
    int r = v ? (int)strtoul(v, NULL, 10) : -1;
    free(v);
    return r;
}

int pv_dev_list(struct xs_handle *xsh, uint32_t domid, const char *kind,
                struct pv_dev_info **out, int *count)
{
    struct pv_dev_info *v;
    int *ids = NULL, n = 0, i, k = 0, rc;

    *out = NULL;
    *count = 0;
    rc = devids(xsh, domid, kind, &ids, &n);
    if (rc)
        return rc;
    v = calloc(n ? n : 1, sizeof(*v));
    if (!v) {
        free(ids);
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        char *be = pv_dev_xs_read(xsh, "/libxl/%u/device/%s/%d/backend", domid,
                                  kind, ids[i]);
        char *fe = pv_dev_xs_read(xsh, "/libxl/%u/device/%s/%d/frontend", domid,
                                  kind, ids[i]);
        struct pv_dev_info *d = &v[k];
        unsigned bd;

        if (!be) {
            free(fe);
            continue;
        }
        d->devid = ids[i];
        d->frontend_id = (int)domid;
        d->backend_id = sscanf(be, "/local/domain/%u/", &bd) == 1 ? (int)bd : 0;
        snprintf(d->backend, sizeof(d->backend), "%s", be);
        d->state = read_int(xsh, fe, "state");
        d->evtch = read_int(xsh, fe, "event-channel");
        if (!strcmp(kind, "vif")) {
            char *mac = pv_dev_xs_read(xsh, "/libxl/%u/device/vif/%d/mac", domid, ids[i]);
            snprintf(d->mac, sizeof(d->mac), "%s", mac ? mac : "00:00:00:00:00:00");
            free(mac);
            d->rref = read_int(xsh, fe, "tx-ring-ref");
            d->rref_rx = read_int(xsh, fe, "rx-ring-ref");
        } else {
            d->rref = read_int(xsh, fe, "ring-ref");
        }
        free(be);
        free(fe);
        k++;
    }
    free(ids);
    *out = v;
    *count = k;
    return 0;
}
