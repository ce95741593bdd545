/* vCPU affinity and scheduler parameters (see dom_sched.h).
 *
 * Order, as libxl 4.17 does it for a new domain, all while it is paused;
 * 1 and 2 in build_pre, before the domain has any memory (Xen allocates it
 * on the nodes its vCPUs may run on), 3 after the build:
 *   1. NUMA placement when numa_placement is on (the default unless xl saw
 *      cpus_soft= or a list in cpus=), from build_pre before the domain has
 *      memory (pv_dom_numa_place): the hard affinity must meet the domain's
 *      cpupool, libxl's candidate search (numa_place.c) picks nodes, the
 *      soft affinity of every vCPU becomes the CPUs of the chosen nodes (all
 *      nodes when none fits), and the node affinity is set.  On a one-node
 *      host libxl finds no candidate and keeps all nodes, which changes
 *      nothing Xen had not already (so we skip those calls there).
 *   2. Per vCPU, hard and soft affinity in one xc_vcpu_setaffinity call;
 *      Xen writes back the effective maps and an empty soft one earns
 *      libxl's warning.
 *   3. The scheduler's parameters through the domain's pool scheduler
 *      (credit, credit2, rtds; null and arinc653 take none).
 * A failure in 1 (hard affinity outside the pool), 2 or 3 fails the create,
 * as it fails libxl's. */
#include "libxl/dom_sched.h"
#include "libxl/dom.h"
#include "libxl/log.h"
#include "libxl/numa_place.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xentoollog.h>
#include <xenstore.h>

/* ---- pure logic ---------------------------------------------------------- */

static bool uses_cpumap(const struct pv_domain_build_info *b)
{
    return b->cpumap.size && !b->num_vcpu_hard_affinity;
}

int pv_sched_affinity_nvcpus(const struct pv_domain_build_info *b)
{
    int hard = uses_cpumap(b) ? b->max_vcpus : b->num_vcpu_hard_affinity;
    int soft = b->num_vcpu_soft_affinity;

    return hard > soft ? hard : soft;
}

void pv_sched_affinity_of(const struct pv_domain_build_info *b, int i,
                          const struct pv_bitmap **hard,
                          const struct pv_bitmap **soft)
{
    *hard = NULL;
    *soft = NULL;
    if (uses_cpumap(b) && i < b->max_vcpus)
        *hard = &b->cpumap;
    else if (i < b->num_vcpu_hard_affinity)
        *hard = &b->vcpu_hard_affinity[i];
    if (i < b->num_vcpu_soft_affinity)
        *soft = &b->vcpu_soft_affinity[i];
}

void pv_sched_copy_best_effort(uint8_t *dst, size_t dst_bytes,
                               const struct pv_bitmap *src)
{
    size_t n = src->size < dst_bytes ? src->size : dst_bytes;

    memset(dst, 0, dst_bytes);
    if (n)
        memcpy(dst, src->map, n);
}

enum pv_numa_decision pv_sched_numa_decision(const struct pv_domain_build_info *b)
{
    if (!pv_defbool_is_default(b->numa_placement) &&
        !pv_defbool_val(b->numa_placement))
        return PV_NUMA_OFF;
    /* libxl looks at cpumap here too (a leftover from when cpumap was the
     * soft affinity); keep its answer */
    if (b->cpumap.size || b->num_vcpu_soft_affinity)
        return PV_NUMA_WARN_SOFT;
    if (b->nodemap.size)
        return PV_NUMA_WARN_NODEMAP;
    return PV_NUMA_PLACE;
}

const char *pv_sched_numa_warning(enum pv_numa_decision d)
{
    switch (d) {
    case PV_NUMA_WARN_SOFT:
        return "Can't run NUMA placement, as a soft affinity has been "
               "specified explicitly";
    case PV_NUMA_WARN_NODEMAP:
        return "Can't run NUMA placement, as the domain has NUMA node "
               "affinity set already";
    default:
        return NULL;
    }
}

int pv_sched_check_weight_cap(int weight, int cap, unsigned max_vcpu_id,
                              char *err, size_t errlen)
{
    long maxcap = ((long)max_vcpu_id + 1) * 100;

    if (weight != PV_SCHED_PARAM_DEFAULT && (weight < 1 || weight > 65535)) {
        snprintf(err, errlen, "Cpu weight out of range, valid values are "
                 "within range from 1 to 65535");
        return -1;
    }
    if (cap != PV_SCHED_PARAM_DEFAULT && (cap < 0 || cap > maxcap)) {
        snprintf(err, errlen, "Cpu cap out of range, valid range is from 0 "
                 "to %ld for specified number of vcpus", maxcap);
        return -1;
    }
    return 0;
}

int pv_sched_check_ratelimit(int ratelimit_us, char *err, size_t errlen)
{
    if (ratelimit_us != 0 &&
        (ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN ||
         ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX)) {
        snprintf(err, errlen, "Ratelimit out of range, valid range is from "
                 "%d to %d", XEN_SYSCTL_SCHED_RATELIMIT_MIN,
                 XEN_SYSCTL_SCHED_RATELIMIT_MAX);
        return -1;
    }
    return 0;
}

int pv_sched_check_credit_params(int tslice_ms, int ratelimit_us,
                                 int migr_delay_us, char *err, size_t errlen)
{
    if (tslice_ms < XEN_SYSCTL_CSCHED_TSLICE_MIN ||
        tslice_ms > XEN_SYSCTL_CSCHED_TSLICE_MAX) {
        snprintf(err, errlen, "Time slice out of range, valid range is from "
                 "%d to %d", XEN_SYSCTL_CSCHED_TSLICE_MIN,
                 XEN_SYSCTL_CSCHED_TSLICE_MAX);
        return -1;
    }
    if (pv_sched_check_ratelimit(ratelimit_us, err, errlen))
        return -1;
    if ((long)ratelimit_us > (long)tslice_ms * 1000) {
        snprintf(err, errlen, "Ratelimit cannot be greater than timeslice");
        return -1;
    }
    /* the field is unsigned in Xen: libxl's "< 0" cannot happen there, but
     * our int can be negative */
    if (migr_delay_us < 0 || migr_delay_us > XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US) {
        snprintf(err, errlen, "vcpu migration delay should be >= 0 and <= "
                 "%dus", XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US);
        return -1;
    }
    return 0;
}

const char *pv_sched_name(int id)
{
    switch (id) {
    case XEN_SCHEDULER_CREDIT: return "credit";
    case XEN_SCHEDULER_CREDIT2: return "credit2";
    case XEN_SCHEDULER_ARINC653: return "arinc653";
    case XEN_SCHEDULER_RTDS: return "rtds";
    case XEN_SCHEDULER_NULL: return "null";
    case 4: return "sedf";
    default: return "unknown";
    }
}

/* ---- host topology ------------------------------------------------------- */

/* The node of each CPU, kept for the process's lifetime: the parser calls
 * back into it while it resolves "nodes:N". */
static struct {
    unsigned ncpus;
    uint32_t *node;
} host_topo;

static int node_cpus_from_xen(unsigned node, struct pv_bitmap *out,
                              void *opaque)
{
    unsigned c;

    for (c = 0; c < host_topo.ncpus; c++)
        if (host_topo.node[c] == node && pv_bitmap_set(out, c))
            return -1;
    return 0;
}

int pv_sched_host_topology(struct pv_cpu_topology *topo)
{
    /* quiet: off Xen (xl -N on a workstation) this is expected to fail */
    xentoollog_logger_stdiostream *quiet =
        xtl_createlogger_stdiostream(stderr, XTL_NUM_LEVELS, 0);
    xc_interface *xch = xc_interface_open((xentoollog_logger *)quiet,
                                          (xentoollog_logger *)quiet, 0);
    xc_physinfo_t phys = { 0 };
    xc_cputopo_t *ct = NULL;
    unsigned n, c;
    int rc = -1;

    if (!xch) {
        if (quiet)
            xtl_logger_destroy((xentoollog_logger *)quiet);
        return -1;
    }
    if (xc_physinfo(xch, &phys) < 0)
        goto out;
    n = phys.max_cpu_id + 1;
    ct = calloc(n, sizeof(*ct));
    if (!ct || xc_cputopoinfo(xch, &n, ct) < 0)
        goto out;
    free(host_topo.node);
    host_topo.node = calloc(n ? n : 1, sizeof(uint32_t));
    if (!host_topo.node)
        goto out;
    host_topo.ncpus = n;
    for (c = 0; c < n; c++)
        host_topo.node[c] = ct[c].node;
    topo->max_cpus = phys.max_cpu_id + 1;
    topo->nr_nodes = phys.max_node_id + 1;
    topo->node_to_cpus = node_cpus_from_xen;
    topo->opaque = NULL;
    rc = 0;
out:
    free(ct);
    xc_interface_close(xch);
    if (quiet)
        xtl_logger_destroy((xentoollog_logger *)quiet);
    return rc;
}

void pv_sched_topology_for_cfg(const struct pv_cfg *cfg,
                               struct pv_xl_conf *conf)
{
    const char *env = getenv("PVSTACK_HOST_CPUS");

    if (env && atoi(env) > 0)
        return;
    if (!pv_cfg_lookup(cfg, "cpus") && !pv_cfg_lookup(cfg, "cpus_soft") &&
        !pv_cfg_lookup(cfg, "vnuma") && !conf->vm_cpumask &&
        !conf->vm_pv_cpumask && !conf->vm_hvm_cpumask)
        return;
    if (pv_sched_host_topology(&conf->parse.topo) == 0)
        conf->parse.host_online_cpus = (int)conf->parse.topo.max_cpus;
}

/* ---- applying a config --------------------------------------------------- */

static xc_interface *XCH(struct pv_hv *hv) { return (xc_interface *)hv->xch; }

/* libxl_bitmap_equal(a, b, 0): the common bytes' bits. */
static bool maps_equal(const struct pv_bitmap *want, const uint8_t *got,
                       size_t got_bytes)
{
    size_t n = want->size < got_bytes ? want->size : got_bytes;

    return !n || !memcmp(want->map, got, n);
}

static bool map_empty(const uint8_t *m, size_t bytes)
{
    size_t i;

    for (i = 0; i < bytes; i++)
        if (m[i])
            return false;
    return true;
}

/* libxl__set_vcpuaffinity.  HARD/SOFT NULL: not touched. */
static int set_vcpu_affinity(xc_interface *xch, uint32_t domid, int vcpu,
                             const struct pv_bitmap *hard,
                             const struct pv_bitmap *soft, size_t bytes)
{
    uint8_t *h = calloc(1, bytes), *s = calloc(1, bytes);
    int flags = 0, rc = -1;

    if (!h || !s) {
        PV_ERR((int)domid, "out of memory");
        goto out;
    }
    if (hard) {
        pv_sched_copy_best_effort(h, bytes, hard);
        flags |= XEN_VCPUAFFINITY_HARD;
    }
    if (soft) {
        pv_sched_copy_best_effort(s, bytes, soft);
        flags |= XEN_VCPUAFFINITY_SOFT;
    }
    if (xc_vcpu_setaffinity(xch, domid, vcpu, hard ? h : NULL,
                            soft ? s : NULL, flags)) {
        PV_ERR((int)domid, "Setting vcpu affinity: %s", strerror(errno));
        goto out;
    }
    if (hard && !maps_equal(hard, h, bytes))
        PV_DEBUG((int)domid, "New hard affinity for vcpu %d has unreachable "
                 "cpus", vcpu);
    if (soft) {
        if (!maps_equal(soft, s, bytes))
            PV_DEBUG((int)domid, "New soft affinity for vcpu %d has "
                     "unreachable cpus", vcpu);
        if (map_empty(s, bytes))
            PV_WARN((int)domid, "All cpus in soft affinity of vcpu %d are "
                    "unreachable. Only hard affinity will be considered for "
                    "scheduling", vcpu);
    }
    rc = 0;
out:
    free(h);
    free(s);
    return rc;
}

/* The NUMA placement step of libxl__build_pre: check the hard affinity
 * against the pool, let numa_place.c choose the nodes (all of them when no
 * candidate fits), make every vCPU's soft affinity their CPUs and set the
 * node affinity (a no-op on one node, skipped there). */
static int numa_place(xc_interface *xch, uint32_t domid,
                      const struct pv_dom_params *p,
                      const xc_cpupoolinfo_t *pool, size_t bytes)
{
    const struct pv_domain_build_info *b = p->b_info;
    const struct pv_bitmap *hard0 = NULL, *soft0;
    struct pv_bitmap soft = { 0, NULL };
    uint8_t *nodemap = NULL;
    unsigned c;
    int rc = -1, nodebytes, i;

    if (pv_sched_affinity_nvcpus(b))
        pv_sched_affinity_of(b, 0, &hard0, &soft0);
    if (hard0) {
        bool meets = false;

        for (c = 0; c < hard0->size && c < bytes; c++)
            if (hard0->map[c] & pool->cpumap[c])
                meets = true;
        if (!meets) {
            PV_ERR(-1, "Hard affinity completely outside of domain's "
                   "cpupool!");
            return -1;
        }
    }
    /* With one node, "every CPU of every node" is the soft affinity Xen
     * gives a new vCPU and all nodes its default node affinity: libxl's
     * calls would change nothing, so the common create skips them. */
    if (xc_get_max_nodes(xch) <= 1)
        return 0;
    nodebytes = xc_get_nodemap_size(xch);
    nodemap = nodebytes > 0 ? calloc(1, (size_t)nodebytes) : NULL;
    if (!nodemap || pv_bitmap_alloc(&soft, (unsigned)bytes * 8)) {
        PV_ERR((int)domid, "out of memory");
        goto out;
    }
    if (pv_numa_place_maps((struct xc_interface_core *)xch, domid, p,
                           pool->cpumap, bytes, soft.map, nodemap,
                           (size_t)nodebytes))
        goto out;
    for (i = 0; i < b->max_vcpus; i++)
        if (set_vcpu_affinity(xch, domid, i, NULL, &soft, bytes))
            PV_WARN((int)domid, "Failed to set affinity for %d", i);
    if (xc_domain_node_setaffinity(xch, domid, nodemap))
        PV_ERR((int)domid, "Setting node affinity: %s", strerror(errno));
    rc = 0;
out:
    free(nodemap);
    pv_bitmap_dispose(&soft);
    return rc;
}

/* DOMID's info and its cpupool (freed with xc_cpupool_infofree); 0, or -1
 * after logging libxl's message. */
static int domain_pool(xc_interface *xch, uint32_t domid, xc_domaininfo_t *info,
                       xc_cpupoolinfo_t **pool)
{
    *pool = NULL;
    if (xc_domain_getinfolist(xch, domid, 1, info) != 1 ||
        info->domain != domid) {
        PV_ERR((int)domid, "Getting domain info list: %s", strerror(errno));
        return -1;
    }
    *pool = xc_cpupool_getinfo(xch, info->cpupool);
    if (!*pool || (*pool)->cpupool_id != info->cpupool) {
        PV_ERR((int)domid, "failed to get info for cpupool%u: %s",
               info->cpupool, strerror(errno));
        if (*pool)
            xc_cpupool_infofree(xch, *pool);
        *pool = NULL;
        return -1;
    }
    return 0;
}

int pv_dom_numa_place(struct xc_interface_core *x, uint32_t domid,
                      const struct pv_dom_params *p)
{
    xc_interface *xch = (xc_interface *)x;
    enum pv_numa_decision nd;
    xc_cpupoolinfo_t *pool = NULL;
    xc_domaininfo_t info;
    int bytes, rc = -1;

    if (!p->b_info)
        return 0;
    nd = pv_sched_numa_decision(p->b_info);
    if (pv_sched_numa_warning(nd))
        PV_WARN(-1, "%s", pv_sched_numa_warning(nd));
    if (nd != PV_NUMA_PLACE)
        return 0;
    /* the common create on a one-node host: nothing to check or set */
    if (!pv_sched_affinity_nvcpus(p->b_info) && xc_get_max_nodes(xch) <= 1)
        return 0;
    bytes = xc_get_cpumap_size(xch);
    if (bytes <= 0) {
        PV_ERR((int)domid, "cannot get the host's CPU map size");
        return -1;
    }
    if (domain_pool(xch, domid, &info, &pool))
        return -1;
    rc = numa_place(xch, domid, p, pool, (size_t)bytes);
    xc_cpupool_infofree(xch, pool);
    return rc;
}

static int apply_affinity(xc_interface *xch, uint32_t domid,
                          const struct pv_domain_build_info *b,
                          const xc_cpupoolinfo_t *pool)
{
    int bytes = xc_get_cpumap_size(xch), n, i;

    if (bytes <= 0) {
        PV_ERR((int)domid, "cannot get the host's CPU map size");
        return -1;
    }
    n = pv_sched_affinity_nvcpus(b);
    for (i = 0; i < n; i++) {
        const struct pv_bitmap *hard, *soft;

        pv_sched_affinity_of(b, i, &hard, &soft);
        if (set_vcpu_affinity(xch, domid, i, hard, soft, (size_t)bytes)) {
            PV_ERR(-1, "setting affinity failed on vcpu `%d'", i);
            return -1;
        }
    }
    return 0;
}

static int rtds_check(uint32_t domid, long period, long budget)
{
    if (period < 1) {
        PV_ERR(-1, "Invalid VCPU period of %ld (it should be >= 1)", period);
        return -1;
    }
    if (budget < 1) {
        PV_ERR(-1, "Invalid VCPU budget of %ld (it should be >= 1)", budget);
        return -1;
    }
    if (budget > period) {
        PV_ERR(-1, "VCPU budget must be smaller than or equal to period, "
               "but %ld > %ld", budget, period);
        return -1;
    }
    return 0;
}

/* libxl_domain_sched_params_set with the config's sched_params. */
static int apply_sched_params(xc_interface *xch, uint32_t domid,
                              const struct pv_domain_sched_params *sp,
                              int pool_sched, unsigned max_vcpu_id)
{
    int sched = sp->sched != PV_SCHEDULER_UNKNOWN ? (int)sp->sched
                                                   : pool_sched;
    bool nothing = sp->weight == PV_SCHED_PARAM_DEFAULT &&
                   sp->cap == PV_SCHED_PARAM_DEFAULT;
    char err[160];

    /* libxl reads and writes back unchanged credit/credit2 parameters when
     * the config has none; the result is the same without the two calls */
    if (nothing && (sched == XEN_SCHEDULER_CREDIT ||
                    sched == XEN_SCHEDULER_CREDIT2))
        return 0;
    switch (sched) {
    case XEN_SCHEDULER_CREDIT: {
        struct xen_domctl_sched_credit s;

        if (xc_sched_credit_domain_get(xch, domid, &s)) {
            PV_ERR((int)domid, "Getting domain sched credit: %s",
                   strerror(errno));
            return -1;
        }
        if (pv_sched_check_weight_cap(sp->weight, sp->cap, max_vcpu_id, err,
                                      sizeof(err))) {
            PV_ERR((int)domid, "%s", err);
            return -1;
        }
        if (sp->weight != PV_SCHED_PARAM_DEFAULT)
            s.weight = (uint16_t)sp->weight;
        if (sp->cap != PV_SCHED_PARAM_DEFAULT)
            s.cap = (uint16_t)sp->cap;
        if (xc_sched_credit_domain_set(xch, domid, &s) < 0) {
            PV_ERR((int)domid, "Setting domain sched credit: %s",
                   strerror(errno));
            return -1;
        }
        return 0;
    }
    case XEN_SCHEDULER_CREDIT2: {
        struct xen_domctl_sched_credit2 s;

        if (xc_sched_credit2_domain_get(xch, domid, &s)) {
            PV_ERR((int)domid, "Getting domain sched credit2: %s",
                   strerror(errno));
            return -1;
        }
        if (pv_sched_check_weight_cap(sp->weight, sp->cap, max_vcpu_id, err,
                                      sizeof(err))) {
            PV_ERR((int)domid, "%s", err);
            return -1;
        }
        if (sp->weight != PV_SCHED_PARAM_DEFAULT)
            s.weight = (uint16_t)sp->weight;
        if (sp->cap != PV_SCHED_PARAM_DEFAULT)
            s.cap = (uint16_t)sp->cap;
        if (xc_sched_credit2_domain_set(xch, domid, &s) < 0) {
            PV_ERR((int)domid, "Setting domain sched credit2: %s",
                   strerror(errno));
            return -1;
        }
        return 0;
    }
    case XEN_SCHEDULER_RTDS: {
        struct xen_domctl_sched_rtds s;

        if (xc_sched_rtds_domain_get(xch, domid, &s)) {
            PV_ERR((int)domid, "Getting domain sched rtds: %s",
                   strerror(errno));
            return -1;
        }
        if (sp->period != PV_SCHED_PARAM_DEFAULT)
            s.period = (uint32_t)sp->period;
        if (sp->budget != PV_SCHED_PARAM_DEFAULT)
            s.budget = (uint32_t)sp->budget;
        /* libxl tests the int: its "default" (-1) also means extratime */
        if (sp->extratime)
            s.flags |= XEN_DOMCTL_SCHEDRT_extra;
        else
            s.flags &= ~XEN_DOMCTL_SCHEDRT_extra;
        if (rtds_check(domid, (long)(int)s.period, (long)(int)s.budget))
            return -1;
        if (xc_sched_rtds_domain_set(xch, domid, &s) < 0) {
            PV_ERR((int)domid, "Setting domain sched rtds: %s",
                   strerror(errno));
            return -1;
        }
        return 0;
    }
    case XEN_SCHEDULER_ARINC653:
    case XEN_SCHEDULER_NULL:
        return 0;       /* no per-domain parameters */
    case 4:
        PV_ERR((int)domid, "SEDF scheduler no longer available");
        return -1;
    default:
        PV_ERR((int)domid, "Unknown scheduler");
        return -1;
    }
}

int pv_dom_affinity_apply(struct xc_interface_core *x, uint32_t domid,
                          const struct pv_domain_build_info *b)
{
    xc_interface *xch = (xc_interface *)x;
    xc_cpupoolinfo_t *pool;
    xc_domaininfo_t info;
    int rc;

    if (!b || !pv_sched_affinity_nvcpus(b))
        return 0;
    if (domain_pool(xch, domid, &info, &pool))
        return -1;
    rc = apply_affinity(xch, domid, b, pool);
    xc_cpupool_infofree(xch, pool);
    return rc;
}

int pv_dom_sched_apply(struct pv_hv *hv, uint32_t domid,
                       const struct pv_domain_build_info *b)
{
    xc_interface *xch = XCH(hv);
    xc_cpupoolinfo_t *pool;
    xc_domaininfo_t info;
    int rc;

    if (domain_pool(xch, domid, &info, &pool))
        return -1;
    rc = apply_sched_params(xch, domid, &b->sched_params, (int)pool->sched_id,
                            info.max_vcpu_id);
    xc_cpupool_infofree(xch, pool);
    return rc;
}

int pv_sched_of_domain(struct pv_hv *hv, uint32_t domid)
{
    xc_domaininfo_t info;
    xc_cpupoolinfo_t *pool;
    int sched;

    if (xc_domain_getinfolist(XCH(hv), domid, 1, &info) != 1 ||
        info.domain != domid)
        return -1;
    pool = xc_cpupool_getinfo(XCH(hv), info.cpupool);
    if (!pool)
        return -1;
    sched = pool->cpupool_id == info.cpupool ? (int)pool->sched_id : -1;
    xc_cpupool_infofree(XCH(hv), pool);
    return sched;
}

/* ---- cpupools -------------------------------------------------------------- */

char *pv_pool_name(struct pv_hv *hv, uint32_t poolid)
{
    char path[40];
    char *s;

    snprintf(path, sizeof(path), "/local/pool/%u/name", poolid);
    s = xs_read(hv->xsh, XBT_NULL, path, NULL);
    if (!s && poolid == 0)
        s = strdup("Pool-0");
    return s;
}

void pv_pool_list_free(struct pv_pool *p, int n)
{
    int i;

    for (i = 0; p && i < n; i++)
        free(p[i].name);
    free(p);
}

int pv_pool_list(struct pv_hv *hv, struct pv_pool **out)
{
    struct pv_pool *list = NULL;
    xc_cpupoolinfo_t *info;
    uint32_t next = 0;
    int n = 0;

    while ((info = xc_cpupool_getinfo(XCH(hv), next)) != NULL) {
        struct pv_pool *grown = realloc(list, (size_t)(n + 1) * sizeof(*list));
        char *name = pv_pool_name(hv, info->cpupool_id);

        next = info->cpupool_id + 1;
        if (!grown) {
            free(name);
            xc_cpupool_infofree(XCH(hv), info);
            pv_pool_list_free(list, n);
            return -1;
        }
        list = grown;
        if (!name) {
            /* libxl_list_cpupool ends the list at a pool without a name
             * in xenstore: pools after it are not found by name either */
            xc_cpupool_infofree(XCH(hv), info);
            break;
        }
        list[n].id = info->cpupool_id;
        list[n].sched = (int)info->sched_id;
        list[n].name = name;
        n++;
        xc_cpupool_infofree(XCH(hv), info);
    }
    *out = list;
    return n;
}

int pv_pool_find(const struct pv_pool *pools, int n, const char *q,
                 uint32_t *poolid)
{
    const char *p = q;
    unsigned long id;
    int i;

    while (*p >= '0' && *p <= '9')
        p++;
    /* libxl's qualifier_to_id: all digits is an id, anything else a name */
    if (p != q && !*p) {
        errno = 0;
        id = strtoul(q, NULL, 10);
        if (errno || id > UINT32_MAX)
            return -1;
        for (i = 0; i < n; i++)
            if (pools[i].id == id) {
                *poolid = pools[i].id;
                return 0;
            }
        return -1;
    }
    for (i = 0; i < n; i++)
        if (pools[i].name && !strcmp(pools[i].name, q)) {
            *poolid = pools[i].id;
            return 0;
        }
    return -1;
}

int pv_pool_lookup(struct pv_hv *hv, const char *q, uint32_t *poolid)
{
    struct pv_pool *pools = NULL;
    int n = pv_pool_list(hv, &pools), rc;

    if (n < 0)
        return -1;
    rc = pv_pool_find(pools, n, q, poolid);
    pv_pool_list_free(pools, n);
    return rc;
}
