/* Pure device logic: virtual device numbers, default MACs, and the xenstore
 * node sets libxl 4.17 writes for vbd and vif devices. */
#include "libxl/dev_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ---- vdev <-> devid ---- */

/* PREFIX then a drive "letter" in bijective base 26 (a..z, aa..) and an
 * optional partition without leading zeroes. */
static int vdev_match(const char *v, const char *prefix, int max_disk,
                      int max_part, int *disk, int *part)
{
    size_t pl = strlen(prefix);
    long d = -1, p = 0;
    const char *s;
    char *end;

    if (strncmp(v, prefix, pl))
        return 0;
    for (s = v + pl; *s >= 'a' && *s <= 'z'; s++) {
        d = (d + 1) * 26 + (*s - 'a');
        if (d > max_disk)
            return 0;
    }
    if (d < 0)
        return 0;
    if (*s) {
        if (*s < '1' || *s > '9')
            return 0;
        errno = 0;
        p = strtol(s, &end, 10);
        if (errno || *end || p > max_part)
            return 0;
    }
    *disk = (int)d;
    *part = (int)p;
    return 1;
}

int pv_vdev_to_devid(const char *vdev, int *pdisk, int *ppart)
{
    int disk, part, used = -1;
    unsigned long ul;
    char *end;

    if (!vdev || !*vdev)
        return -1;
    if ((sscanf(vdev, "d%ip%i%n", &disk, &part, &used) >= 2 &&
         used == (int)strlen(vdev) && disk >= 0 && disk < (1 << 20) &&
         part >= 0 && part < 256) ||
        vdev_match(vdev, "xvd", (1 << 20) - 1, 255, &disk, &part)) {
        if (pdisk) *pdisk = disk;
        if (ppart) *ppart = part;
        if (disk <= 15 && part <= 15)
            return (202 << 8) | (disk << 4) | part;
        return (1 << 28) | (disk << 8) | part;
    }
    /* A bare device number: accepted as is, but it names no disk/part. */
    if (*vdev >= '0' && *vdev <= '9') {
        errno = 0;
        ul = strtoul(vdev, &end, 0);
        if (!errno && !*end && ul <= INT_MAX)
            return (pdisk || ppart) ? -1 : (int)ul;
        return -1;
    }
    if (vdev_match(vdev, "hd", 3, 63, &disk, &part)) {
        if (pdisk) *pdisk = disk;
        if (ppart) *ppart = part;
        return ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
    }
    if (vdev_match(vdev, "sd", 15, 15, &disk, &part)) {
        if (pdisk) *pdisk = disk;
        if (ppart) *ppart = part;
        return (8 << 8) | (disk << 4) | part;
    }
    return -1;
}

static char *disk_letters(char *p, unsigned n)
{
    if (n >= 26)
        p = disk_letters(p, n / 26 - 1);
    *p = (char)('a' + n % 26);
    return p + 1;
}

const char *pv_devid_to_vdev(int devid, char *buf, size_t len)
{
    char name[40] = "xvd", *p;
    unsigned disk, part;

    if (devid < 0) {
        snprintf(buf, len, "%d", devid);
        return buf;
    }
    if (devid & (1 << 28)) {
        disk = ((unsigned)devid & ~(1u << 28)) >> 8;
        part = (unsigned)devid & 0xff;
    } else if ((devid >> 8) == 202) {
        disk = ((unsigned)devid & 0xff) >> 4;
        part = (unsigned)devid & 0xf;
    } else {
        snprintf(buf, len, "%d", devid);
        return buf;
    }
    p = disk_letters(name + 3, disk);
    if (part)
        snprintf(p, sizeof(name) - (size_t)(p - name), "%u", part);
    else
        *p = '\0';
    snprintf(buf, len, "%s", name);
    return buf;
}

/* ---- default MAC ---- */

void pv_nic_default_mac(const uint8_t *uuid, int devid, uint8_t mac[6])
{
    uint8_t r[3];
    uint32_t h = 2166136261u;
    int i;

    if (uuid) {
        /* Stable per (domain, devid), so a guest keeps its MAC -- and its
         * DHCP lease -- across reboots and re-creates from the same config;
         * xl draws it at random from a fresh uuid each time. */
        for (i = 0; i < 16; i++)
            h = (h ^ uuid[i]) * 16777619u;
        for (i = 0; i < 4; i++)
            h = (h ^ (uint8_t)((unsigned)devid >> (8 * i))) * 16777619u;
        h ^= h >> 15;
        h *= 0x2c1b3c6dU;
        h ^= h >> 12;
        r[0] = (uint8_t)(h >> 16);
        r[1] = (uint8_t)(h >> 8);
        r[2] = (uint8_t)h;
    } else if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        r[0] = (uint8_t)rand(); r[1] = (uint8_t)rand(); r[2] = (uint8_t)rand();
    }
    mac[0] = 0x00;
    mac[1] = 0x16;
    mac[2] = 0x3e;
    mac[3] = r[0] & 0x7f;   /* as xl: keeps clear of 00:16:3e:80+ */
    mac[4] = r[1];
    mac[5] = r[2];
}

/* ---- node sets ---- */

void pv_dev_nodes_init(struct pv_dev_nodes *n, const char *kind, uint32_t domid,
                       uint32_t backend_domid, int devid)
{
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->domid = domid;
    n->backend_domid = backend_domid;
    n->devid = devid;
    snprintf(n->fe_path, sizeof(n->fe_path), "/local/domain/%u/device/%s/%d",
             domid, kind, devid);
    snprintf(n->be_path, sizeof(n->be_path), "/local/domain/%u/backend/%s/%u/%d",
             backend_domid, kind, domid, devid);
    snprintf(n->libxl_path, sizeof(n->libxl_path), "/libxl/%u/device/%s/%d",
             domid, kind, devid);
}

static void kv_free(struct pv_xs_kv *arr, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        free(arr[i].key);
        free(arr[i].val);
    }
}

void pv_dev_nodes_dispose(struct pv_dev_nodes *n)
{
    kv_free(n->back, n->nback);
    kv_free(n->front, n->nfront);
    kv_free(n->ro_front, n->nro);
    n->nback = n->nfront = n->nro = 0;
}

int pv_kv_add(struct pv_xs_kv *arr, int *n, int max, const char *key,
              const char *fmt, ...)
{
    va_list ap;
    char *val;
    int r;

    if (*n >= max)
        return -E2BIG;
    va_start(ap, fmt);
    r = vasprintf(&val, fmt, ap);
    va_end(ap);
    if (r < 0)
        return -ENOMEM;
    arr[*n].key = strdup(key);
    if (!arr[*n].key) {
        free(val);
        return -ENOMEM;
    }
    arr[*n].val = val;
    (*n)++;
    return 0;
}

const char *pv_kv_get(const struct pv_xs_kv *arr, int n, const char *key)
{
    int i;
    for (i = n - 1; i >= 0; i--)
        if (!strcmp(arr[i].key, key))
            return arr[i].val;
    return NULL;
}

const char *pv_dev_script_path(const char *script, char *buf, size_t len)
{
    if (script[0] == '/')
        snprintf(buf, len, "%s", script);
    else
        snprintf(buf, len, "%s/%s", PV_XEN_SCRIPT_DIR, script);
    return buf;
}

const char *pv_dev_script_stock(const char *script)
{
    static const char *const stock[] = { "block", "vif-bridge", "vif-route",
                                         "vif-nat", NULL };
    const char *base;
    char buf[PATH_MAX];
    size_t dl = strlen(PV_XEN_SCRIPT_DIR);
    int i;

    if (!script)
        return NULL;
    pv_dev_script_path(script, buf, sizeof(buf));
    /* Only Xen's own copies: a user's /usr/local/bin/vif-bridge is theirs. */
    if (strncmp(buf, PV_XEN_SCRIPT_DIR, dl) || buf[dl] != '/')
        return NULL;
    base = buf + dl + 1;
    for (i = 0; stock[i]; i++)
        if (!strcmp(base, stock[i]))
            return stock[i];
    return NULL;
}

#define TRY(x) do { int r_ = (x); if (r_) return r_; } while (0)

int pv_vbd_nodes(struct pv_dev_nodes *n, uint32_t domid,
                 const struct pv_device_disk *disk, const char *protocol)
{
    char script[PATH_MAX];
    int devid = pv_vdev_to_devid(disk->vdev, NULL, NULL);
    int discard;

    if (devid < 0)
        return -EINVAL;
    pv_dev_nodes_init(n, "vbd", domid, disk->backend_domid, devid);
    /* libxl__device_disk_setdefault: discard follows writability. */
    discard = pv_defbool_is_default(disk->discard_enable) ? !!disk->readwrite
                                                          : pv_defbool_val(disk->discard_enable);

    TRY(PV_BACK(n, "params", "%s", disk->pdev_path ? disk->pdev_path : ""));
    TRY(PV_BACK(n, "script", "%s",
                pv_dev_script_path(disk->script ? disk->script : "block",
                                   script, sizeof(script))));
    TRY(PV_BACK(n, "frontend-id", "%u", domid));
    TRY(PV_BACK(n, "online", "1"));
    TRY(PV_BACK(n, "removable", "%d", disk->removable ? 1 : 0));
    TRY(PV_BACK(n, "bootable", "1"));
    TRY(PV_BACK(n, "state", "%d", PV_XENBUS_INITIALISING));
    TRY(PV_BACK(n, "dev", "%s", disk->vdev));
    TRY(PV_BACK(n, "type", "phy"));
    TRY(PV_BACK(n, "mode", "%s", disk->readwrite ? "w" : "r"));
    TRY(PV_BACK(n, "device-type", "%s", disk->is_cdrom ? "cdrom" : "disk"));
    if (disk->direct_io_safe)
        TRY(PV_BACK(n, "direct-io-safe", "1"));
    TRY(PV_BACK(n, "discard-enable", "%d", discard));
    TRY(PV_BACK(n, "specification", "xen"));

    TRY(PV_FRONT(n, "backend-id", "%u", disk->backend_domid));
    TRY(PV_FRONT(n, "state", "%d", PV_XENBUS_INITIALISING));
    TRY(PV_FRONT(n, "virtual-device", "%d", devid));
    TRY(PV_FRONT(n, "device-type", "%s", disk->is_cdrom ? "cdrom" : "disk"));
    TRY(PV_FRONT(n, "trusted", "%d",
                 pv_defbool_is_default(disk->trusted) ? 1 : pv_defbool_val(disk->trusted)));
    if (protocol)
        TRY(PV_FRONT(n, "protocol", "%s", protocol));
    return 0;
}

int pv_vif_nodes(struct pv_dev_nodes *n, uint32_t domid,
                 const struct pv_device_nic *nic)
{
    char script[PATH_MAX];
    const uint8_t *m = nic->mac;
    char mac[18];
    unsigned mtu = nic->mtu > 0 ? (unsigned)nic->mtu : 1500;

    pv_dev_nodes_init(n, "vif", domid, nic->backend_domid, nic->devid);
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
             m[0], m[1], m[2], m[3], m[4], m[5]);

    TRY(PV_BACK(n, "frontend-id", "%u", domid));
    TRY(PV_BACK(n, "online", "1"));
    TRY(PV_BACK(n, "state", "%d", PV_XENBUS_INITIALISING));
    TRY(PV_BACK(n, "script", "%s",
                pv_dev_script_path(nic->script ? nic->script : "vif-bridge",
                                   script, sizeof(script))));
    if (nic->ifname)
        TRY(PV_BACK(n, "vifname", "%s", nic->ifname));
    if (nic->coloft_forwarddev)
        TRY(PV_BACK(n, "forwarddev", "%s", nic->coloft_forwarddev));
    TRY(PV_BACK(n, "mac", "%s", mac));
    if (nic->ip)
        TRY(PV_BACK(n, "ip", "%s", nic->ip));
    if (nic->gatewaydev)
        TRY(PV_BACK(n, "gatewaydev", "%s", nic->gatewaydev));
    if (nic->rate_interval_usecs > 0)
        TRY(PV_BACK(n, "rate", "%llu,%u",
                    (unsigned long long)nic->rate_bytes_per_interval,
                    nic->rate_interval_usecs));
    if (mtu != 1500)
        TRY(PV_BACK(n, "mtu", "%u", mtu));
    TRY(PV_BACK(n, "bridge", "%s", nic->bridge ? nic->bridge : "xenbr0"));
    TRY(PV_BACK(n, "handle", "%d", nic->devid));
    TRY(PV_BACK(n, "type", "vif"));
    /* Netback waits for this before going Connected: our "hotplug" work
     * (bridge, MTU, up) sets it to "connected". */
    TRY(PV_BACK(n, "hotplug-status", "%s", ""));

    TRY(PV_FRONT(n, "backend-id", "%u", nic->backend_domid));
    TRY(PV_FRONT(n, "state", "%d", PV_XENBUS_INITIALISING));
    TRY(PV_FRONT(n, "handle", "%d", nic->devid));
    TRY(PV_FRONT(n, "mac", "%s", mac));
    TRY(PV_FRONT(n, "trusted", "%d",
                 pv_defbool_is_default(nic->trusted) ? 1 : pv_defbool_val(nic->trusted)));
    TRY(PV_ROFRONT(n, "mtu", "%u", mtu));
    return 0;
}
