/* Split-driver block (vbd) and network (vif) devices, without hotplug
 * scripts.
 *
 * This is the API the domain builder (pv_dom_create) and the xl device
 * commands call.  It writes the frontend/backend/libxl xenstore nodes exactly
 * as libxl 4.17 does, then does in-process what Xen's block and vif-* hotplug
 * scripts did: loop devices for image files (libxl/loopdev.h), and for vifs
 * bridge membership, MTU and link state by netlink (netback-config/nbc.h).
 * A `script=` other than Xen's stock ones is still run, with the environment
 * and arguments libxl gives it.
 *
 * Invariants:
 *  - An add either succeeds or leaves nothing: no xenstore node, loop device
 *    or bridge port.  pv_devices_add() is all-or-nothing over all devices.
 *  - Removal is tolerant: parts already gone (domain dead, backend vanished,
 *    loop device autocleared) are not errors.
 *  - Errors name the domain, the device (vdev or vif devid) and, for a
 *    backend that did not come up, the xenstore path and state reached.
 */
#ifndef PV_DEVICES_H
#define PV_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "libxl/domcfg.h"

struct xs_handle;
struct xc_interface_core;

/* Xenbus states, as xen/io/xenbus.h. */
enum {
    PV_XENBUS_UNKNOWN = 0,
    PV_XENBUS_INITIALISING = 1,
    PV_XENBUS_INITWAIT = 2,
    PV_XENBUS_INITIALISED = 3,
    PV_XENBUS_CONNECTED = 4,
    PV_XENBUS_CLOSING = 5,
    PV_XENBUS_CLOSED = 6,
};

#define PV_DEV_TIMEOUT_MS 10000

struct pv_dev_opts {
    /* Backend state to wait for: PV_XENBUS_INITWAIT while creating (the
     * guest is paused, its frontends cannot connect yet; libxl waits for the
     * same), PV_XENBUS_CONNECTED when hot-plugging into a running guest. */
    int wait_state;
    int timeout_ms;             /* 0: PV_DEV_TIMEOUT_MS */
    const uint8_t *uuid;        /* domain uuid for default MACs, or NULL */
};

/* ---- virtual device names ---- */
/* xvdX[N], hdX[N], sdX[N], dN[pM] or a plain number -> the device number
 * libxl uses as devid (e.g. xvda = 51712); -1 if invalid.  *DISK and
 * *PARTITION (may be NULL) get the decoded parts. */
int pv_vdev_to_devid(const char *vdev, int *disk, int *partition);
/* Devid -> "xvdX[N]" (what block-detach accepts besides the number). */
const char *pv_devid_to_vdev(int devid, char *buf, size_t len);

/* ---- disks ---- */
int pv_disk_add(struct xs_handle *xsh, struct xc_interface_core *xch,
                uint32_t domid, struct pv_device_disk *disk,
                const struct pv_dev_opts *o);
/* FORCE: don't ask the frontend to close first (xl block-detach -f, and
 * destroy).  DEVID as from pv_vdev_to_devid. */
int pv_disk_remove(struct xs_handle *xsh, uint32_t domid, int devid, int force);

/* ---- nics ---- */
/* Fills in the defaults as libxl does (devid: next free; mac: 00:16:3e
 * derived from uuid and devid; bridge xenbr0; nictype vif), so the caller
 * can report what was used. */
int pv_nic_add(struct xs_handle *xsh, struct xc_interface_core *xch,
               uint32_t domid, struct pv_device_nic *nic,
               const struct pv_dev_opts *o);
int pv_nic_remove(struct xs_handle *xsh, uint32_t domid, int devid, int force);
/* The default MAC for (UUID, DEVID): 00:16:3e and 23 bits from both. */
void pv_nic_default_mac(const uint8_t *uuid, int devid, uint8_t mac[6]);

/* ---- whole domains ---- */
/* Add all disks, then all nics; on failure remove what was added. */
int pv_devices_add(struct xs_handle *xsh, struct xc_interface_core *xch,
                   uint32_t domid, struct pv_device_disk *disks, int num_disks,
                   struct pv_device_nic *nics, int num_nics,
                   const struct pv_dev_opts *o);
/* Remove every vbd and vif recorded under /libxl/DOMID/device (for destroy:
 * call before the domain's xenstore tree is removed).  FORCE as above. */
int pv_devices_remove_all(struct xs_handle *xsh, uint32_t domid, int force);

/* ---- listing (xl block-list / network-list) ---- */
struct pv_dev_info {
    int devid;
    int backend_id;
    int frontend_id;
    int state;          /* frontend state, -1 if unknown */
    int evtch;
    int rref;           /* vbd ring-ref, vif tx-ring-ref */
    int rref_rx;        /* vif rx-ring-ref */
    char backend[128];
    char mac[18];       /* vif only */
};
/* KIND "vbd" or "vif"; *OUT malloc'd, sorted by devid. */
int pv_dev_list(struct xs_handle *xsh, uint32_t domid, const char *kind,
                struct pv_dev_info **out, int *count);

/* ---- the stored config (userdata "libxl-json"), dev_config.c ---- */
/* libxl's per-domain userdata lock (libxl__lock_domain_userdata):
 * /var/lib/xen/userdata-l.<domid>.<uuid>.domain-userdata-lock, flock'd.
 * Held around every read-modify-write of the stored config and, as libxl
 * does, around the whole hot-plug of a device (devid choice, xenstore,
 * JSON).  Fails if the domain does not exist (or stops existing while we
 * wait). */
struct pv_dev_lock {
    int fd;
    char *path;
};
int pv_dev_lock(struct xc_interface_core *xch, uint32_t domid,
                struct pv_dev_lock *lk);
void pv_dev_unlock(struct pv_dev_lock *lk);
char *pv_userdata_lock_path(uint32_t domid, const uint8_t uuid[16]);

/* Record a hot-plugged device (replacing one with the same vdev/devid), or
 * drop one, in DOMID's stored config.  Caller holds the userdata lock.  A
 * domain without a stored config is left as it is (0). */
int pv_dev_config_add_disk(struct xc_interface_core *xch, uint32_t domid,
                           const struct pv_device_disk *saved);
int pv_dev_config_add_nic(struct xc_interface_core *xch, uint32_t domid,
                          const struct pv_device_nic *saved);
int pv_dev_config_remove(struct xc_interface_core *xch, uint32_t domid,
                         const char *kind, int devid);
/* libxl__update_domain_configuration for nics: element I of the stored
 * "nics" gets NICS[I]'s devid, nictype and mac (what defaults chose). */
int pv_dev_config_update_nics(struct xc_interface_core *xch, uint32_t domid,
                              const struct pv_device_nic *nics, int num);

/* The same edits on JSON text (malloc'd result, NULL on error). */
char *pv_dev_json_add_disk(const char *json, const struct pv_device_disk *d);
char *pv_dev_json_add_nic(const char *json, const struct pv_device_nic *n);
char *pv_dev_json_remove(const char *json, const char *kind, int devid);
char *pv_dev_json_update_nics(const char *json, const struct pv_device_nic *nics,
                              int num);

/* Deep copy of a device struct (D: &pv_desc_device_disk or _nic, from
 * libxl/domcfg_desc.h); DST is initialised first. */
struct pv_struct_desc;
int pv_dev_struct_copy(const struct pv_struct_desc *d, void *dst, const void *src);

/* The devices of a stored config, for a restart. */
struct pv_dev_config {
    struct pv_device_disk *disks;
    int num_disks;
    struct pv_device_nic *nics;
    int num_nics;
};
int pv_dev_config_parse(const char *json, struct pv_dev_config *c);
/* Under the userdata lock: DOMID's stored config, its devices parsed into
 * *C and the text into *JSON (malloc'd). */
int pv_dev_config_load(struct xc_interface_core *xch, uint32_t domid,
                       struct pv_dev_config *c, char **json);
void pv_dev_config_dispose(struct pv_dev_config *c);

#endif
