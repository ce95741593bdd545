/* Building a PV domain: the hypercall sequence of libxl's
 * libxl__domain_make + libxl__build_pre + libxl__build_pv + libxl__build_post,
 * without libxl's event machinery, forks or repeated xenstore round trips.
 *
 * Order and why:
 *   1. name check (caller holds the host lock, so no create can race us)
 *   2. xc_domain_create, max vcpus, maxmem, event channels, cpuid policy
 *   3. xc_dom_* builder: load kernel/ramdisk, populate memory, start info
 *   4. one xenstore transaction with the whole tree, the userdata config,
 *      then introduce the domain to xenstored (it must see the store ring
 *      only once the tree exists, and nothing may fail after xenconsoled
 *      has heard of the domain).
 * Any failure after step 2 goes through pv_dom_destroy(), the same path as
 * `xl destroy`, so a failed create cannot leave more behind than a destroy
 * would clean. */
#include "libxl/dom.h"
#include "libxl/dom_xs.h"
#include "libxl/dom_pvh.h"
#include "libxl/dom_sched.h"
#include "libxl/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>

#define MAXMEM_CONSTANT_KB 1024   /* libxl's LIBXL_MAXMEM_CONSTANT */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Test hook: PVSTACK_FAIL_AT=STEP makes create fail at that step, so the
 * e2e tests can prove every failure path cleans up (xenstore errors cannot
 * be provoked from outside). */
static int fail_at(const char *step)
{
    const char *f = getenv("PVSTACK_FAIL_AT");

    if (!f || strcmp(f, step))
        return 0;
    PV_ERR(-1, "failing at step \"%s\" as PVSTACK_FAIL_AT asks", step);
    errno = EIO;
    return 1;
}

static int check_params(const struct pv_dom_params *p)
{
    struct stat st;

    if (!p->name || !*p->name) {
        PV_ERR(-1, "domain name not specified");
        return -1;
    }
    if (!p->kernel) {
        PV_ERR(-1, "no kernel specified for PV domain \"%s\"", p->name);
        return -1;
    }
    /* Cheap checks first: they fail before a domain exists at all. */
    if (stat(p->kernel, &st) < 0) {
        PV_ERR(-1, "kernel %s: %s", p->kernel, strerror(errno));
        return -1;
    }
    if (p->ramdisk && stat(p->ramdisk, &st) < 0) {
        PV_ERR(-1, "ramdisk %s: %s", p->ramdisk, strerror(errno));
        return -1;
    }
    if (p->max_vcpus < 1 || p->avail_vcpus < 1 ||
        p->avail_vcpus > p->max_vcpus) {
        PV_ERR(-1, "invalid vcpus=%u maxvcpus=%u", p->avail_vcpus,
               p->max_vcpus);
        return -1;
    }
    if (p->target_kb < 1024 || p->max_kb < p->target_kb) {
        PV_ERR(-1, "invalid memory=%lluMB maxmem=%lluMB",
               (unsigned long long)p->target_kb / 1024,
               (unsigned long long)p->max_kb / 1024);
        return -1;
    }
    return 0;
}

/* Free memory check, so "not enough memory" is a clear message and not a
 * populate_physmap failure deep inside the builder. */
static int check_free_memory(xc_interface *xch, const struct pv_dom_params *p,
                             xc_physinfo_t *info)
{
    uint64_t free_kb;

    if (xc_physinfo(xch, info) < 0) {
        memset(info, 0, sizeof(*info));
        return 0;   /* let the builder report it */
    }
    free_kb = (uint64_t)info->free_pages * (XC_PAGE_SIZE / 1024);
    if (free_kb < p->target_kb) {
        PV_ERR(-1, "not enough free memory for domain \"%s\": need %llu MB, "
               "host has %llu MB free", p->name,
               (unsigned long long)p->target_kb / 1024,
               (unsigned long long)free_kb / 1024);
        return -1;
    }
    return 0;
}

/* INFO: the host's physinfo as check_free_memory read it (zero if that
 * failed), for the grant table version and HAP. */
static int make_domain(xc_interface *xch, const struct pv_dom_params *p,
                       const xc_physinfo_t *info, uint32_t poolid,
                       uint32_t *domid)
{
    struct xen_domctl_createdomain create = {
        .ssidref = 0,
        .max_vcpus = p->max_vcpus,
        .max_evtchn_port = 1023,
        .max_grant_frames = -1,         /* hypervisor's default */
        .max_maptrack_frames = -1,
        .cpupool_id = poolid,   /* born in its pool: no migration */
    };

    if (info->capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2)
        create.grant_opts = XEN_DOMCTL_GRANT_version(2);
    else if (info->capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v1)
        create.grant_opts = XEN_DOMCTL_GRANT_version(1);
    if (p->type == PV_DOM_PVH) {
        create.flags |= XEN_DOMCTL_CDF_hvm;
        if (info->capabilities & XEN_SYSCTL_PHYSCAP_hap)
            create.flags |= XEN_DOMCTL_CDF_hap;
        create.arch.emulation_flags = XEN_X86_EMU_LAPIC;
    }
    memcpy(create.handle, p->uuid, sizeof(create.handle));
    *domid = 0;     /* let Xen pick the next free id */
    if (xc_domain_create(xch, domid, &create) < 0) {
        PV_ERR(-1, "domain creation failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int build_pre(xc_interface *xch, struct xs_handle *xsh,
                     const struct pv_dom_params *p, struct pv_dom_xs_state *st)
{
    uint32_t d = st->domid;
    int r;

    if (xc_domain_max_vcpus(xch, d, p->max_vcpus) < 0) {
        PV_ERR((int)d, "couldn't set max vcpu count: %s", strerror(errno));
        return -1;
    }
    /* before any memory is given, as libxl: Xen allocates it on the nodes
     * placement picks */
    if (pv_dom_numa_place((struct xc_interface_core *)xch, d, p) ||
        pv_dom_affinity_apply((struct xc_interface_core *)xch, d, p->b_info))
        return -1;
    if (xc_domain_setmaxmem(xch, d, p->target_kb + MAXMEM_CONSTANT_KB) < 0) {
        PV_ERR((int)d, "couldn't set max memory: %s", strerror(errno));
        return -1;
    }
    r = xc_evtchn_alloc_unbound(xch, d, st->store_domid);
    if (r < 0) {
        PV_ERR((int)d, "xenstore event channel: %s", strerror(errno));
        return -1;
    }
    st->store_port = r;
    r = xc_evtchn_alloc_unbound(xch, d, st->console_domid);
    if (r < 0) {
        PV_ERR((int)d, "console event channel: %s", strerror(errno));
        return -1;
    }
    st->console_port = r;
    if (p->type == PV_DOM_PV &&
        xc_domain_set_memmap_limit(xch, d, p->max_kb) < 0) {
        PV_ERR((int)d, "couldn't set the memory map limit: %s",
               strerror(errno));
        return -1;
    }
    if (p->type == PV_DOM_PVH && pvh_dom_arch_create(xch, p, d))
        return -1;
    if (xc_domain_set_tsc_info(xch, d, 0 /* default */, 0, 0, 0) < 0) {
        PV_ERR((int)d, "xc_domain_set_tsc_info failed: %s", strerror(errno));
        return -1;
    }
    /* PAE is mandatory for 64-bit Xen; no invariant TSC unless migration is
     * disabled, as libxl__cpuid_legacy decides for the default config. */
    r = xc_cpuid_apply_policy(xch, d, false, NULL, 0, true, false, false,
                              NULL, NULL);
    if (r) {
        PV_ERR((int)d, "failed to apply CPUID policy: %s", strerror(-r));
        return -1;
    }
    return 0;
}

/* The xc_dom_* sequence both guest types run (libxl__build_dom): DOM is
 * allocated with its container type and layout set; this loads the kernel
 * and ramdisk, sizes MEM_MB of memory, populates it, runs AFTER_MEM (PVH:
 * ACPI tables and e820, which must exist before the image is built), then
 * builds, boots and seeds the grant table.  On failure *STEP names what
 * failed, for pv_dom_build_failed. */
int pv_dom_build_steps(xc_interface *xch, struct xc_dom_image *dom,
                       const struct pv_dom_params *p,
                       const struct pv_dom_xs_state *st, uint64_t mem_mb,
                       const char *parse_step, pv_dom_build_hook *after_mem,
                       void *arg, const char **step)
{
    *step = "loading kernel";
    if (xc_dom_kernel_file(dom, p->kernel) != 0)
        return -1;
    *step = "loading ramdisk";
    if (p->ramdisk && xc_dom_module_file(dom, p->ramdisk, NULL) != 0)
        return -1;
    dom->console_evtchn = st->console_port;
    dom->console_domid = st->console_domid;
    dom->xenstore_evtchn = st->store_port;
    dom->xenstore_domid = st->store_domid;
    dom->max_vcpus = p->max_vcpus;

    *step = "initialising the builder";
    if (xc_dom_boot_xen_init(dom, xch, st->domid) != 0)
        return -1;
    *step = parse_step;
    if (xc_dom_parse_image(dom) != 0)
        return -1;
    *step = "sizing guest memory";
    if (xc_dom_mem_init(dom, mem_mb) != 0)
        return -1;
    *step = "allocating guest memory";
    if (xc_dom_boot_mem_init(dom) != 0)
        return -1;
    if (after_mem && after_mem(xch, dom, arg, step))
        return -1;
    *step = "building the boot image";
    if (xc_dom_build_image(dom) != 0)
        return -1;
    *step = "booting the image";
    if (xc_dom_boot_image(dom) != 0)
        return -1;
    *step = "setting up the grant table";
    if (xc_dom_gnttab_init(dom) != 0)
        return -1;
    return 0;
}

void pv_dom_build_failed(const struct pv_dom_params *p, uint32_t domid,
                         const char *what, const char *step)
{
    /* libxenguest has logged the detail; errno only means something for
     * the file, memory and table steps. */
    if (!strncmp(step, "loading", 7) || strstr(step, "memory") ||
        strstr(step, "ACPI"))
        PV_ERR((int)domid, "building %s \"%s\" failed while %s (kernel %s): "
               "%s", what, p->name, step, p->kernel, strerror(errno));
    else
        PV_ERR((int)domid, "building %s \"%s\" failed while %s (kernel %s)",
               what, p->name, step, p->kernel);
}

static int build_pv(xc_interface *xch, const struct pv_dom_params *p,
                    struct pv_dom_xs_state *st)
{
    struct xc_dom_image *dom;
    const char *step;
    int rc = -1;

    dom = xc_dom_allocate(xch, p->cmdline, NULL);
    if (!dom) {
        PV_ERR((int)st->domid, "xc_dom_allocate failed: %s", strerror(errno));
        return -1;
    }
    dom->container_type = XC_DOM_PV_CONTAINER;
    dom->flags = 0;
    dom->claim_enabled = 0;
    if (pv_dom_build_steps(xch, dom, p, st, p->target_kb / 1024,
                           "parsing the kernel image (not a Xen PV kernel?)",
                           NULL, NULL, &step)) {
        pv_dom_build_failed(p, st->domid, "domain", step);
        goto out;
    }
    if (xc_dom_translated(dom)) {
        st->console_mfn = dom->console_pfn;
        st->store_mfn = dom->xenstore_pfn;
    } else {
        st->console_mfn = xc_dom_p2m(dom, dom->console_pfn);
        st->store_mfn = xc_dom_p2m(dom, dom->xenstore_pfn);
    }
    rc = 0;
out:
    xc_dom_release(dom);
    return rc;
}

int pv_dom_create(struct pv_hv *hv, const struct pv_dom_params *p,
                  uint32_t *domid_out, struct pv_dom_timing *t)
{
    xc_interface *xch = (xc_interface *)hv->xch;
    struct pv_dom_xs_conns conns = { .n = 0 };
    struct pv_dom_xs_state st = { .conns = &conns };
    struct pv_dom_timing tm = { 0 };
    xc_physinfo_t info;
    struct timeval tv;
    uint32_t domid = 0, poolid = 0;
    int have_domain = 0, r;
    char *json = NULL;
    double t0 = now_ms(), t1;

    if (check_params(p))
        return PV_CREATE_FAIL;
    /* libxl__domain_config_setdefault: a name or a number, before anything
     * exists (a pool destroyed since the first create fails a restart) */
    if (p->pool_name && pv_pool_lookup(hv, p->pool_name, &poolid)) {
        PV_ERR(-1, "Illegal pool specified: %s", p->pool_name);
        return PV_CREATE_INVAL;
    }
    /* the xenstored and xenconsoled domains, for build_pre */
    if (pv_dom_xs_precheck(hv->xsh, &conns, poolid, &st.store_domid,
                           &st.console_domid)) {
        /* p->pool_name is NULL for Pool-0 by default: "(null)", as libxl */
        PV_ERR(-1, "Illegal pool specified: %s",
               p->pool_name ? p->pool_name : "(null)");
        pv_dom_xs_conns_close(&conns);
        return PV_CREATE_INVAL;
    }
    if (check_free_memory(xch, p, &info) ||
        make_domain(xch, p, &info, poolid, &domid))
        goto fail;
    have_domain = 1;
    st.domid = domid;
    if (build_pre(xch, hv->xsh, p, &st))
        goto fail;
    t1 = now_ms();
    tm.create_ms = t1 - t0;
    gettimeofday(&tv, NULL);
    snprintf(st.start_time, sizeof(st.start_time), "%lld.%02d",
             (long long)tv.tv_sec, (int)(tv.tv_usec / 10000));
    if (fail_at("build") || (p->type == PV_DOM_PVH ?
                             pvh_dom_build(xch, p, &st) : build_pv(xch, p, &st)))
        goto fail;
    /* libxl__build_post sets them before it writes the domain's nodes, so
     * nobody who finds the domain in xenstore sees it without them */
    if (p->b_info && pv_dom_sched_apply(hv, domid, p->b_info))
        goto fail;
    tm.build_ms = now_ms() - t1;

    t1 = now_ms();
    if (fail_at("xenstore"))
        goto fail;
    r = pv_dom_xs_write(hv->xsh, p, &st);
    if (r == PV_DOM_XS_NAME_TAKEN)
        PV_ERR((int)domid, "Domain with name \"%s\" already exists.", p->name);
    if (r)
        goto fail;
    pv_dom_xs_conns_close(&conns);
    tm.xs_tree_ms = now_ms() - t1;

    /* The userdata before the introduction: once xenstored announces the
     * domain, xenconsoled writes console/tty into its tree, and a failure
     * after that point would race it (a destroy that removed the tree
     * first left that one node behind). */
    t1 = now_ms();
    json = p->json ? NULL : pv_dom_params_json(p, domid);
    if (!p->json && !json) {
        PV_ERR((int)domid, "cannot render the domain config as JSON");
        goto fail;
    }
    if (fail_at("userdata") ||
        pv_userdata_store(domid, p->uuid, "libxl-json",
                          p->json ? p->json : json,
                          strlen(p->json ? p->json : json)))
        goto fail;
    free(json);
    json = NULL;
    tm.userdata_ms = now_ms() - t1;

    t1 = now_ms();
    if (fail_at("introduce") ||
        !xs_introduce_domain(hv->xsh, domid, st.store_mfn, st.store_port)) {
        PV_ERR((int)domid, "xenstored refused to introduce the domain: %s",
               strerror(errno));
        goto fail;
    }
    tm.xs_ms = tm.xs_tree_ms + (now_ms() - t1);
    tm.total_ms = now_ms() - t0;
    if (t)
        *t = tm;
    *domid_out = domid;
    return 0;

fail:
    free(json);
    pv_dom_xs_conns_close(&conns);
    if (have_domain) {
        int saved = pv_log_get_level();
        /* The destroy's own complaints about half-made nodes are noise. */
        pv_log_set_level(PV_LOG_ERROR);
        pv_dom_destroy(hv, domid);
        pv_log_set_level(saved);
    }
    return PV_CREATE_FAIL;
}
