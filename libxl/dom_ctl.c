/* Operating existing domains: lookup, destroy, rename, shutdown requests,
 * memory and vcpu targets, waiting for shutdown/death.  Each works on any
 * domain on the host, whichever toolstack made it, because it relies only on
 * what Xen and the libxl xenstore layout say. */
#include "libxl/devices.h"
#include "libxl/dom.h"
#include "libxl/dom_xs.h"
#include "libxl/log.h"
#include "libxl/xs_batch.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenctrl.h>
#include <xenstore.h>

#define MAXMEM_CONSTANT_KB 1024

static xc_interface *XCH(struct pv_hv *hv) { return (xc_interface *)hv->xch; }

int pv_dom_exists(struct pv_hv *hv, uint32_t domid)
{
    xc_domaininfo_t info;

    if (xc_domain_getinfolist(XCH(hv), domid, 1, &info) != 1)
        return 0;
    return info.domain == domid;
}

char *pv_dom_name(struct pv_hv *hv, uint32_t domid)
{
    char path[64];

    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    return xs_read(hv->xsh, XBT_NULL, path, NULL);
}

/* As libxl_domain_qualifier_to_domid: all digits means a domid (which
 * must exist), anything else is a name. */
int pv_dom_lookup(struct pv_hv *hv, const char *q, uint32_t *domid)
{
    xc_domaininfo_t info[256];
    uint32_t next = 0;
    const char *c;
    int n, i;

    for (c = q; *c && *c >= '0' && *c <= '9'; c++)
        ;
    if (*q && !*c) {
        unsigned long v = strtoul(q, NULL, 10);
        if (v >= DOMID_FIRST_RESERVED || !pv_dom_exists(hv, v))
            return -1;
        *domid = v;
        return 0;
    }
    for (;;) {
        n = xc_domain_getinfolist(XCH(hv), next, 256, info);
        if (n <= 0)
            return -1;
        for (i = 0; i < n; i++) {
            char *name = pv_dom_name(hv, info[i].domain);
            int match = name && !strcmp(name, q);

            free(name);
            if (match) {
                *domid = info[i].domain;
                return 0;
            }
        }
        if (n < 256)
            return -1;
        next = info[n - 1].domain + 1;
    }
}

int pv_dom_destroy(struct pv_hv *hv, uint32_t domid)
{
    struct pv_dev_lock lk;
    int rc = 0, locked;

    if (!pv_dom_exists(hv, domid)) {
        PV_ERR((int)domid, "Non-existant domain");
        return -1;
    }
    /* Stop it first so it can't write to xenstore while we take it apart. */
    xc_domain_pause(XCH(hv), domid);
    /* Devices as libxl__devices_destroy: backends released, users' hotplug
     * scripts run, loop devices freed -- before the nodes they need go. */
    pv_devices_remove_all(hv->xsh, domid, 1);
    pv_dom_xs_remove(hv->xsh, domid);
    /* Under the domain's userdata lock, as libxl's devices_destroy_cb: a
     * hot-plug running in another xl finishes its config update first
     * instead of writing the file back after we removed it. */
    locked = pv_dev_lock(hv->xch, domid, &lk) == 0;
    pv_userdata_remove_all(domid);
    if (locked)
        pv_dev_unlock(&lk);
    if (xc_domain_destroy(XCH(hv), domid) < 0) {
        PV_ERR((int)domid, "xc_domain_destroy failed: %s", strerror(errno));
        rc = -1;
    } else {
        char dom[32];

        /* xenconsoled takes a new domain up on its own time and may write
         * console/tty into the tree removed above (a create whose devices
         * failed right after the introduce); a dying domain is not taken
         * up, so one more sweep now leaves nothing behind. */
        snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
        xs_rm(hv->xsh, XBT_NULL, dom);
    }
    return rc;
}

int pv_dom_rename(struct pv_hv *hv, uint32_t domid, const char *new_name)
{
    xc_domaininfo_t info;
    char path[64], us[37], vmpath[80];
    xs_transaction_t t;
    int tries;

    if (!*new_name) {
        PV_ERR((int)domid, "New domain name not specified");
        return -1;
    }
    if (pv_dom_xs_name_taken(hv->xsh, new_name, domid)) {
        PV_ERR((int)domid, "Domain with name \"%s\" already exists.", new_name);
        return -1;
    }
    if (xc_domain_getinfolist(XCH(hv), domid, 1, &info) != 1 ||
        info.domain != domid) {
        PV_ERR((int)domid, "Non-existant domain");
        return -1;
    }
    pv_uuid_format(info.handle, us);
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    snprintf(vmpath, sizeof(vmpath), "/vm/%s/name", us);
    for (tries = 0; tries < 20; tries++) {
        t = xs_transaction_start(hv->xsh);
        if (!t)
            break;
        if (!xs_write(hv->xsh, t, path, new_name, strlen(new_name)) ||
            !xs_write(hv->xsh, t, vmpath, new_name, strlen(new_name))) {
            xs_transaction_end(hv->xsh, t, true);
            break;
        }
        if (xs_transaction_end(hv->xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            break;
    }
    PV_ERR((int)domid, "failed to write new name `%s': %s", new_name,
           strerror(errno));
    return -1;
}

/* libxl__domain_pvcontrol_xswrite: the request goes to control/shutdown,
 * written only while the domain still exists (checked in the transaction
 * by reading a node of it). */
int pv_dom_shutdown(struct pv_hv *hv, uint32_t domid, const char *req)
{
    char path[64];
    xs_transaction_t t;
    int tries;

    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
    for (tries = 0; tries < 20; tries++) {
        char *cur;

        t = xs_transaction_start(hv->xsh);
        if (!t)
            break;
        cur = xs_read(hv->xsh, t, path, NULL);
        if (!cur && errno == ENOENT) {
            xs_transaction_end(hv->xsh, t, true);
            PV_ERR((int)domid, "PV control interface not available");
            errno = ENOENT;
            return -1;
        }
        free(cur);
        if (!xs_write(hv->xsh, t, path, req, strlen(req))) {
            xs_transaction_end(hv->xsh, t, true);
            break;
        }
        if (xs_transaction_end(hv->xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            break;
    }
    PV_ERR((int)domid, "cannot write %s: %s", path, strerror(errno));
    return -1;
}

static int read_kb(struct pv_hv *hv, uint32_t domid, const char *node,
                   uint64_t *out)
{
    char path[96], *v;

    snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, node);
    v = xs_read(hv->xsh, XBT_NULL, path, NULL);
    if (!v)
        return -1;
    *out = strtoull(v, NULL, 10);
    free(v);
    return 0;
}

static int write_kb(struct pv_hv *hv, uint32_t domid, const char *node,
                    uint64_t kb)
{
    char path[96], v[32];

    snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, node);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)kb);
    return xs_write(hv->xsh, XBT_NULL, path, v, strlen(v)) ? 0 : -1;
}

/* libxl_set_memory_target(relative=0, enforce=1) for a PV domain. */
int pv_dom_mem_set(struct pv_hv *hv, uint32_t domid, uint64_t target_kb)
{
    uint64_t static_max, videoram = 0;

    if (read_kb(hv, domid, "static-max", &static_max)) {
        PV_ERR((int)domid, "cannot get memory info from "
               "/local/domain/%u/memory/static-max", domid);
        return -1;
    }
    read_kb(hv, domid, "videoram", &videoram);
    if (target_kb > static_max) {
        PV_ERR((int)domid, "memory_dynamic_max must be less than or equal to "
               "memory_static_max");
        return -1;
    }
    if (target_kb < videoram) {
        PV_ERR((int)domid, "new target %llu for dom%u is below the minimum "
               "threshold", (unsigned long long)target_kb, domid);
        return -1;
    }
    if (xc_domain_setmaxmem(XCH(hv), domid,
                            target_kb + MAXMEM_CONSTANT_KB) < 0) {
        PV_ERR((int)domid, "xc_domain_setmaxmem memkb=%llu failed: %s",
               (unsigned long long)target_kb + MAXMEM_CONSTANT_KB,
               strerror(errno));
        return -1;
    }
    if (write_kb(hv, domid, "target", target_kb - videoram)) {
        PV_ERR((int)domid, "cannot write memory/target: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* libxl_domain_setmaxmem. */
int pv_dom_mem_max(struct pv_hv *hv, uint32_t domid, uint64_t max_kb)
{
    uint64_t target;

    if (read_kb(hv, domid, "target", &target)) {
        PV_ERR((int)domid, "cannot get memory info from "
               "/local/domain/%u/memory/target", domid);
        return -1;
    }
    if (max_kb < target) {
        PV_ERR((int)domid, "memory_static_max must be greater than or equal "
               "to memory_dynamic_max");
        return -1;
    }
    if (xc_domain_setmaxmem(XCH(hv), domid, max_kb + MAXMEM_CONSTANT_KB) < 0) {
        PV_ERR((int)domid, "xc_domain_setmaxmem domid=%u memkb=%llu failed: %s",
               domid, (unsigned long long)max_kb + MAXMEM_CONSTANT_KB,
               strerror(errno));
        return -1;
    }
    if (write_kb(hv, domid, "static-max", max_kb)) {
        PV_ERR((int)domid, "cannot write memory/static-max: %s",
               strerror(errno));
        return -1;
    }
    return 0;
}

/* libxl_set_vcpuonline for PV: the guest watches cpu/N/availability. */
int pv_dom_vcpu_set(struct pv_hv *hv, uint32_t domid, unsigned n)
{
    xc_domaininfo_t info;
    xs_transaction_t t;
    unsigned i, max;
    int tries;

    if (xc_domain_getinfolist(XCH(hv), domid, 1, &info) != 1 ||
        info.domain != domid) {
        PV_ERR((int)domid, "Non-existant domain");
        return -1;
    }
    max = info.max_vcpu_id + 1;
    if (n > max) {
        PV_ERR((int)domid, "Requested %u VCPUs, however maxcpus is %u!", n,
               max);
        return -1;
    }
    for (tries = 0; tries < 20; tries++) {
        t = xs_transaction_start(hv->xsh);
        if (!t)
            break;
        for (i = 0; i < max; i++) {
            char path[96];
            const char *v = i < n ? "online" : "offline";

            snprintf(path, sizeof(path),
                     "/local/domain/%u/cpu/%u/availability", domid, i);
            if (!xs_write(hv->xsh, t, path, v, strlen(v)))
                break;
        }
        if (i < max) {
            xs_transaction_end(hv->xsh, t, true);
            break;
        }
        if (xs_transaction_end(hv->xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            break;
    }
    PV_ERR((int)domid, "cannot set vcpu availability: %s", strerror(errno));
    return -1;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Xen fires @releaseDomain whenever a domain shuts down or dies; after each
 * firing look at the domain's state.  Without a watch connection (neither
 * xenstored's socket nor the xenbus device) look every 50 ms. */
int pv_dom_wait(struct pv_hv *hv, uint32_t domid, int timeout_ms,
                int until_death, int *reason)
{
    xc_domaininfo_t info;
    double deadline = mono_ms() + timeout_ms;
    struct xs_batch w;
    int watching, rc = -1;

    watching = xs_batch_open_watch(&w) == 0 &&
               xs_batch_watch(&w, "@releaseDomain", "pvstack-wait") == 0;
    for (;;) {
        int left;

        if (xc_domain_getinfolist(XCH(hv), domid, 1, &info) != 1 ||
            info.domain != domid || (info.flags & XEN_DOMINF_dying)) {
            rc = 0;
            break;
        }
        if (!until_death && (info.flags & XEN_DOMINF_shutdown)) {
            if (reason)
                *reason = (info.flags >> XEN_DOMINF_shutdownshift) &
                          XEN_DOMINF_shutdownmask;
            rc = 1;
            break;
        }
        left = timeout_ms < 0 ? -1 : (int)(deadline - mono_ms());
        if (timeout_ms >= 0 && left <= 0)
            break;
        if (!watching) {
            poll(NULL, 0, left < 0 || left > 50 ? 50 : left);
        } else if (xs_batch_wait_event(&w, left) < 0) {
            PV_WARN((int)domid, "lost the xenstore watch connection: %s",
                    strerror(errno));
            xs_batch_close(&w);
            watching = 0;
        }
    }
    xs_batch_close(&w);
    return rc;
}
