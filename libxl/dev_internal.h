/* Internal to the device code (dev_*.c): xenstore node sets and the helpers
 * shared by vbd and vif.  Node building is pure so unit tests can check the
 * exact layout without a hypervisor. */
#ifndef PV_DEV_INTERNAL_H
#define PV_DEV_INTERNAL_H

#include "libxl/devices.h"

#include <stdarg.h>
#include <yajl/yajl_tree.h>

#define PV_XEN_SCRIPT_DIR "/etc/xen/scripts"

struct pv_xs_kv {
    char *key;
    char *val;
};

#define PV_DEV_MAX_NODES 40

/* Everything one device writes, in libxl's order. */
struct pv_dev_nodes {
    const char *kind;               /* "vbd" or "vif" */
    uint32_t domid, backend_domid;
    int devid;
    char fe_path[96], be_path[128], libxl_path[96];
    struct pv_xs_kv back[PV_DEV_MAX_NODES];
    int nback;
    struct pv_xs_kv front[PV_DEV_MAX_NODES];
    int nfront;
    struct pv_xs_kv ro_front[4];
    int nro;
};

void pv_dev_nodes_init(struct pv_dev_nodes *n, const char *kind, uint32_t domid,
                       uint32_t backend_domid, int devid);
void pv_dev_nodes_dispose(struct pv_dev_nodes *n);
/* Append KEY=printf(FMT) to ARR; -ENOMEM/-E2BIG on failure. */
int pv_kv_add(struct pv_xs_kv *arr, int *n, int max, const char *key,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define PV_BACK(ns, k, ...) pv_kv_add((ns)->back, &(ns)->nback, PV_DEV_MAX_NODES, k, __VA_ARGS__)
#define PV_FRONT(ns, k, ...) pv_kv_add((ns)->front, &(ns)->nfront, PV_DEV_MAX_NODES, k, __VA_ARGS__)
#define PV_ROFRONT(ns, k, ...) pv_kv_add((ns)->ro_front, &(ns)->nro, 4, k, __VA_ARGS__)
/* The value of KEY in ARR, or NULL. */
const char *pv_kv_get(const struct pv_xs_kv *arr, int n, const char *key);

/* vbd/vif node sets as libxl 4.17's device_disk_add / libxl__set_xenstore_nic
 * (PROTOCOL: the PV guest's native protocol, NULL for PVH/HVM). */
int pv_vbd_nodes(struct pv_dev_nodes *n, uint32_t domid,
                 const struct pv_device_disk *disk, const char *protocol);
int pv_vif_nodes(struct pv_dev_nodes *n, uint32_t domid,
                 const struct pv_device_nic *nic);

/* "/etc/xen/scripts/NAME" for a relative NAME; BUF is PATH_MAX. */
const char *pv_dev_script_path(const char *script, char *buf, size_t len);
/* Whether SCRIPT is one of Xen's stock scripts we replace in-process:
 * returns its basename ("block", "vif-bridge", "vif-route", "vif-nat") or
 * NULL for a user's own script. */
const char *pv_dev_script_stock(const char *script);

/* ---- xenstore (dev_xs.c) ---- */
/* Write the node set in one transaction (retried on EAGAIN) with libxl's
 * permissions; -EEXIST when the device already exists. */
int pv_dev_nodes_write(struct xs_handle *xsh, const struct pv_dev_nodes *n);
/* Remove frontend, backend and libxl paths in one transaction. */
int pv_dev_xs_remove(struct xs_handle *xsh, const char *fe, const char *be,
                     const char *libxl_path);
/* malloc'd value or NULL. */
char *pv_dev_xs_read(struct xs_handle *xsh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int pv_dev_xs_write(struct xs_handle *xsh, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Wait until BE/state reaches WANT (or more, below Closing); READY (may be
 * NULL) is an extra condition polled alongside.  Returns 0, -ETIMEDOUT or
 * -EIO (backend closing/closed: it failed), with *STATE the last state. */
int pv_dev_wait_backend(struct xs_handle *xsh, const char *be, int want,
                        int timeout_ms, int (*ready)(void *), void *arg,
                        int *state);
/* Ask the backend to close (online=0, state=Closing) and wait for Closed. */
int pv_dev_backend_close(struct xs_handle *xsh, const char *be, int timeout_ms);
/* libxl's forced removal (destroy, detach -f): the frontend nodes go, the
 * backend is told to close, and we wait until the backend driver has let
 * go of the device (its xen-backend sysfs device KIND-DOMID-DEVID is gone,
 * or without sysfs, state Closed).  0, or -ETIMEDOUT (the caller removes
 * the rest anyway, as libxl does after LIBXL_DESTROY_TIMEOUT). */
#define PV_DEV_DESTROY_TIMEOUT_MS 10000
int pv_dev_backend_force_close(struct xs_handle *xsh, const char *fe,
                               const char *be, const char *kind,
                               uint32_t domid, int devid, int timeout_ms);
const char *pv_xenbus_state_name(int state);
/* Log why a backend did not come up (timeout or failure, the state reached,
 * the driver's own error node); returns RC. */
int pv_dev_report_wait(struct xs_handle *xsh, uint32_t domid, const char *what,
                       const char *kind, int devid, const char *be, int want,
                       int state, int rc, int timeout_ms, uint32_t be_domid);

/* Run a user's hotplug script as libxl does: SCRIPT ACTION [EXTRA] with
 * script, XENBUS_TYPE, XENBUS_PATH, XENBUS_BASE_PATH (and for vifs netdev,
 * vif) in the environment; waits for it.  0 or -errno / -ECHILD on a
 * non-zero exit (logged with its status). */
int pv_dev_run_script(uint32_t domid, const char *script, const char *action,
                      const char *extra, const char *kind, int devid,
                      const char *vifname, const char *netdev, int timeout_ms);

/* A flat device struct (disk, nic) from its libxl JSON object; unknown
 * keys are ignored.  P is initialised first; 0 or -EINVAL. */
struct pv_struct_desc;
int pv_dev_struct_from_json(const struct pv_struct_desc *d, yajl_val obj,
                            void *p);

#endif
