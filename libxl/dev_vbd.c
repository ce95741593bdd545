/* Block devices (vbd): libxl's xenstore nodes plus, in-process, what Xen's
 * block hotplug script did -- a loop device for image files and the
 * physical-device node blkback waits for. */
#include "libxl/dev_internal.h"
#include "libxl/log.h"
#include "libxl/loopdev.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstore.h>

struct vbd_ready {
    uint32_t domid;
    int devid;
    int check;      /* /sys/bus/xen-backend is there to tell us */
};

/* blkback creates this attribute right after opening the physical device:
 * from then on it holds the loop device and our hold can go. */
static int vbd_opened(void *arg)
{
    struct vbd_ready *r = arg;
    char p[128];

    if (!r->check)
        return 1;
    snprintf(p, sizeof(p), "/sys/bus/xen-backend/devices/vbd-%u-%d/physical_device",
             r->domid, r->devid);
    return access(p, F_OK) == 0;
}

/* The message blkback/netback leave with xenbus_dev_fatal, if any. */
static char *backend_error(struct xs_handle *xsh, uint32_t be_domid,
                           const char *kind, uint32_t domid, int devid)
{
    return pv_dev_xs_read(xsh, "/local/domain/%u/error/backend/%s/%u/%d/error",
                          be_domid, kind, domid, devid);
}

static void remove_error_node(struct xs_handle *xsh, uint32_t be_domid,
                              const char *kind, uint32_t domid, int devid)
{
    char p[160];
    snprintf(p, sizeof(p), "/local/domain/%u/error/backend/%s/%u/%d",
             be_domid, kind, domid, devid);
    xs_rm(xsh, XBT_NULL, p);
}

static const char *native_protocol(struct xc_interface_core *xch, uint32_t domid)
{
    xc_dominfo_t info;

    if (!xch)
        return NULL;
    if (xc_domain_getinfo((xc_interface *)xch, domid, 1, &info) != 1 ||
        info.domid != domid || info.hvm)
        return NULL;
    return xc_domain_get_native_protocol((xc_interface *)xch, domid);
}

/* Report a backend that did not come up, naming device, path and state. */
int pv_dev_report_wait(struct xs_handle *xsh, uint32_t domid, const char *what,
                       const char *kind, int devid, const char *be, int want,
                       int state, int rc, int timeout_ms, uint32_t be_domid)
{
    char *err = backend_error(xsh, be_domid, kind, domid, devid);

    if (rc == -ETIMEDOUT)
        PV_ERR((int)domid, "%s: backend %s did not reach state %d (%s) within "
               "%d ms; it is in state %d (%s)%s%s%s", what, be, want,
               pv_xenbus_state_name(want), timeout_ms, state,
               pv_xenbus_state_name(state),
               state < PV_XENBUS_INITWAIT ? " -- is the backend driver (xen-" : "",
               state < PV_XENBUS_INITWAIT ? (strcmp(kind, "vbd") ? "netback" : "blkback") : "",
               state < PV_XENBUS_INITWAIT ? ") loaded in the backend domain?" : "");
    else
        PV_ERR((int)domid, "%s: backend %s failed (state %d %s)%s%s", what, be,
               state, pv_xenbus_state_name(state), err ? ": " : "", err ? err : "");
    free(err);
    return rc;
}

int pv_disk_add(struct xs_handle *xsh, struct xc_interface_core *xch,
                uint32_t domid, struct pv_device_disk *disk,
                const struct pv_dev_opts *o)
{
    struct pv_dev_nodes n;
    struct pv_loop lo = PV_LOOP_INIT;
    struct vbd_ready ready = { .domid = domid };
    const char *vdev = disk->vdev ? disk->vdev : "(none)";
    int want = o && o->wait_state ? o->wait_state : PV_XENBUS_INITWAIT;
    int timeout = o && o->timeout_ms > 0 ? o->timeout_ms : PV_DEV_TIMEOUT_MS;
    int user_script = disk->script && !pv_dev_script_stock(disk->script);
    int have_media = disk->pdev_path && *disk->pdev_path &&
                     disk->format != PV_DISK_FORMAT_EMPTY;
    unsigned major = 0, minor = 0;
    char what[64];
    struct stat st;
    int devid, wrote = 0, state = -1, rc;

    pv_dev_nodes_init(&n, "vbd", domid, 0, 0);
    snprintf(what, sizeof(what), "disk %s", vdev);
    devid = pv_vdev_to_devid(disk->vdev, NULL, NULL);
    if (devid < 0) {
        PV_ERR((int)domid, "invalid or unsupported virtual disk identifier %s", vdev);
        return -EINVAL;
    }
    if (disk->specification == PV_DISK_SPECIFICATION_VIRTIO) {
        PV_ERR((int)domid, "%s: specification=virtio is not supported", what);
        return -ENOTSUP;
    }
    if (disk->backend_domid) {
        PV_ERR((int)domid, "%s: backend in domain %u: driver domains are not "
               "supported yet", what, disk->backend_domid);
        return -ENOTSUP;
    }
    if (disk->format != PV_DISK_FORMAT_RAW && disk->format != PV_DISK_FORMAT_EMPTY &&
        disk->format != PV_DISK_FORMAT_UNKNOWN) {
        PV_ERR((int)domid, "%s: format=%s needs the userspace block backend "
               "(tapdisk), which this pvstack does not have yet; use a raw image "
               "(e.g. `qemu-img convert -O raw %s out.img`)", what,
               pv_disk_format_to_string(disk->format),
               disk->pdev_path ? disk->pdev_path : "IMAGE");
        return -ENOTSUP;
    }
    if (disk->backend == PV_DISK_BACKEND_QDISK || disk->backend == PV_DISK_BACKEND_TAP ||
        disk->backend == PV_DISK_BACKEND_STANDALONE) {
        PV_ERR((int)domid, "%s: backendtype=%s is not supported (no QEMU or "
               "tapdisk); leave it out to use blkback", what,
               pv_disk_backend_to_string(disk->backend));
        return -ENOTSUP;
    }

    if (have_media && !user_script) {
        if (stat(disk->pdev_path, &st)) {
            rc = -errno;
            PV_ERR((int)domid, "%s: %s: %s", what, disk->pdev_path, strerror(errno));
            return rc;
        }
        if (S_ISBLK(st.st_mode)) {
            major = major(st.st_rdev);
            minor = minor(st.st_rdev);
        } else if (S_ISREG(st.st_mode)) {
            rc = pv_loop_attach((int)domid, disk->pdev_path, !disk->readwrite, &lo);
            if (rc)
                return rc;
            major = lo.major;
            minor = lo.minor;
        } else {
            PV_ERR((int)domid, "%s: %s is neither a block device nor a regular "
                   "file", what, disk->pdev_path);
            return -EINVAL;
        }
    }

    rc = pv_vbd_nodes(&n, domid, disk, native_protocol(xch, domid));
    if (rc)
        goto out;
    if (have_media && !user_script) {
        /* What the block script would have written once it had the device;
         * blkback opens the device as soon as it sees physical-device. */
        if ((rc = PV_BACK(&n, "physical-device", "%x:%x", major, minor)) ||
            (rc = PV_BACK(&n, "physical-device-path", "%s",
                          lo.nr >= 0 ? lo.path : disk->pdev_path)))
            goto out;
        if (lo.nr >= 0 && (rc = PV_BACK(&n, "node", "%s", lo.path)))
            goto out;
        if ((rc = PV_BACK(&n, "hotplug-status", "connected")))
            goto out;
    }
    rc = pv_dev_nodes_write(xsh, &n);
    if (rc == -EEXIST) {
        PV_ERR((int)domid, "%s (device %d) already exists in domain %u", what,
               devid, domid);
        goto out;
    }
    if (rc) {
        PV_ERR((int)domid, "%s: writing xenstore nodes: %s", what, strerror(-rc));
        goto out;
    }
    wrote = 1;
    if (user_script) {
        rc = pv_dev_run_script(domid, disk->script, "add", NULL, "vbd", devid,
                               NULL, NULL, timeout);
        if (rc)
            goto out;
    }
    ready.devid = devid;
    ready.check = lo.nr >= 0 && access("/sys/bus/xen-backend", F_OK) == 0;
    rc = pv_dev_wait_backend(xsh, n.be_path, want, timeout, vbd_opened, &ready,
                             &state);
    if (rc) {
        pv_dev_report_wait(xsh, domid, what, "vbd", devid, n.be_path, want,
                           state, rc, timeout, 0);
        goto out;
    }
    /* blkback holds the loop device now; autoclear frees it when it lets go
     * (on detach, destroy, or our own failure paths). */
    pv_loop_release_hold(&lo);
    PV_DEBUG((int)domid, "%s connected (backend state %d)", what, state);
    rc = 0;
out:
    if (rc) {
        if (wrote) {
            remove_error_node(xsh, 0, "vbd", domid, devid);
            pv_dev_xs_remove(xsh, n.fe_path, n.be_path, n.libxl_path);
            if (user_script)
                pv_dev_run_script(domid, disk->script, "remove", NULL, "vbd",
                                  devid, NULL, NULL, timeout);
        }
        pv_loop_detach(&lo);
    }
    pv_dev_nodes_dispose(&n);
    return rc;
}

/* Autoclear frees the loop device once blkback closes it, which happens a
 * moment after the backend goes away: wait for it, so that when a remove
 * (or destroy) returns, the image is free for the next user -- such as the
 * same domain restarted. */
static void loop_wait_free(uint32_t domid, const char *node, const char *file)
{
    char sys[96];
    int i;

    if (strncmp(node, "/dev/loop", 9))
        return;
    snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", node + 5);
    for (i = 0; i < 2500 && access(sys, F_OK) == 0; i++)
        usleep(2000);
    if (access(sys, F_OK) == 0)
        PV_WARN((int)domid, "%s (%s) is still in use 5 s after its disk was "
                "removed", node, file);
}

int pv_disk_remove(struct xs_handle *xsh, uint32_t domid, int devid, int force)
{
    char libxl_path[96], vdev[40];
    char *be = NULL, *fe = NULL, *node = NULL, *params = NULL, *script = NULL;
    char *state = NULL;
    int rc, script_rc = 0;

    snprintf(libxl_path, sizeof(libxl_path), "/libxl/%u/device/vbd/%d", domid, devid);
    pv_devid_to_vdev(devid, vdev, sizeof(vdev));
    be = pv_dev_xs_read(xsh, "%s/backend", libxl_path);
    fe = pv_dev_xs_read(xsh, "%s/frontend", libxl_path);
    if (!be) {
        rc = -ENOENT;
        goto out;
    }
    node = pv_dev_xs_read(xsh, "%s/node", be);
    if (!node)
        node = pv_dev_xs_read(xsh, "%s/node", libxl_path);
    params = pv_dev_xs_read(xsh, "%s/params", libxl_path);
    script = pv_dev_xs_read(xsh, "%s/script", libxl_path);
    if (force) {
        if (pv_dev_backend_force_close(xsh, fe, be, "vbd", domid, devid,
                                       PV_DEV_DESTROY_TIMEOUT_MS) == -ETIMEDOUT)
            PV_WARN((int)domid, "disk %s: the backend did not let go within "
                    "%d s; removing it anyway", vdev,
                    PV_DEV_DESTROY_TIMEOUT_MS / 1000);
    } else {
        rc = pv_dev_backend_close(xsh, be, PV_DEV_TIMEOUT_MS);
        if (rc) {
            state = fe ? pv_dev_xs_read(xsh, "%s/state", fe) : NULL;
            PV_ERR((int)domid, "disk %s: the guest did not release it within "
                   "%d s (frontend state %s); is it mounted? (block-detach -f "
                   "forces)", vdev, PV_DEV_TIMEOUT_MS / 1000, state ? state : "?");
            goto out;
        }
    }
    /* As libxl: the script runs while its xenstore nodes still exist, and
     * its failure is reported but does not keep the device alive. */
    if (script && !pv_dev_script_stock(script) &&
        (script_rc = pv_dev_run_script(domid, script, "remove", NULL, "vbd",
                                       devid, NULL, NULL, PV_DEV_TIMEOUT_MS)))
        PV_ERR((int)domid, "disk %s: its hotplug script failed to remove it; "
               "removing the device anyway", vdev);
    remove_error_node(xsh, 0, "vbd", domid, devid);
    rc = pv_dev_xs_remove(xsh, fe, be, libxl_path);
    if (rc) {
        PV_ERR((int)domid, "disk %s: removing xenstore nodes: %s", vdev, strerror(-rc));
        goto out;
    }
    if (node && params) {
        pv_loop_detach_if_backing((int)domid, node, params);
        loop_wait_free(domid, node, params);
    }
    /* Gone, but the caller hears that the script failed (as libxl). */
    rc = script_rc;
out:
    free(be);
    free(fe);
    free(node);
    free(params);
    free(script);
    free(state);
    return rc;
}
