/* Automatic NUMA placement: libxl 4.17's candidate search (see
 * numa_place.h for the rules it keeps). */
#include "libxl/numa_place.h"
#include "libxl/dom.h"
#include "libxl/domcfg.h"
#include "libxl/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

/* ---- pure logic ---------------------------------------------------------- */

static bool bit_in(const uint8_t *map, size_t bytes, uint64_t bit)
{
    return bit < (uint64_t)bytes * 8 && (map[bit / 8] >> (bit % 8)) & 1;
}

static bool node_in(uint32_t nodes, uint32_t node)
{
    return node < PV_NUMA_MAX_NODES && (nodes >> node) & 1;
}

static int popcount32(uint32_t v)
{
    return __builtin_popcount(v);
}

void pv_numa_count_vcpus(struct pv_numa_host *h, const uint8_t *suitable,
                         size_t suitable_bytes,
                         const struct pv_numa_dom *doms, int nr_doms)
{
    int d, v;

    for (d = 0; d < nr_doms; d++) {
        const struct pv_numa_dom *dom = &doms[d];

        for (v = 0; v < dom->nr_vcpus; v++) {
            const uint8_t *hard = dom->hard + (size_t)v * dom->hard_bytes;
            uint32_t counted = 0;
            uint64_t k;

            for (k = 0; k < (uint64_t)dom->hard_bytes * 8; k++) {
                uint32_t node;

                if (!bit_in(hard, dom->hard_bytes, k))
                    continue;
                /* libxl stops at the first CPU past the topology */
                if (k >= h->nr_cpus)
                    break;
                node = h->cpu_node[k];
                if (node >= h->nr_nodes || node >= PV_NUMA_MAX_NODES)
                    continue;
                if (bit_in(suitable, suitable_bytes, k) &&
                    bit_in(dom->pool_cpus, dom->pool_bytes, k) &&
                    bit_in(dom->nodeaff, dom->nodeaff_bytes, node) &&
                    !node_in(counted, node)) {
                    counted |= 1u << node;
                    h->vcpus_on_node[node]++;
                }
            }
        }
    }
}

uint32_t pv_numa_cpus_to_nodes(const struct pv_numa_host *h,
                               const uint8_t *map, size_t bytes)
{
    uint32_t nodes = 0;
    uint64_t c;

    for (c = 0; c < (uint64_t)bytes * 8 && c < h->nr_cpus; c++)
        if (bit_in(map, bytes, c) && h->cpu_node[c] < h->nr_nodes &&
            h->cpu_node[c] < PV_NUMA_MAX_NODES)
            nodes |= 1u << h->cpu_node[c];
    return nodes;
}

void pv_numa_nodes_to_cpus(const struct pv_numa_host *h, uint32_t nodes,
                           uint8_t *map, size_t bytes)
{
    unsigned c;

    memset(map, 0, bytes);
    for (c = 0; c < h->nr_cpus && c < bytes * 8; c++)
        if (node_in(nodes, h->cpu_node[c]))
            map[c / 8] |= (uint8_t)(1u << (c % 8));
}

/* libxl's count_cpus_per_node: the CPUs every node has, or 0 when they
 * differ (nodes before the first with CPUs are skipped, as libxl's loop
 * does). */
static int cpus_per_node(const struct pv_numa_host *h)
{
    int per = 0;
    unsigned n, c;

    for (n = 0; n < h->nr_nodes; n++) {
        int here = 0;

        for (c = 0; c < h->nr_cpus; c++)
            if (h->cpu_node[c] == n)
                here++;
        if (!per)
            per = here;
        if (per != here)
            return 0;
    }
    return per;
}

int pv_numa_cmp(const struct pv_numa_candidate *a,
                const struct pv_numa_candidate *b)
{
    if (a->nr_vcpus != b->nr_vcpus)
        return a->nr_vcpus - b->nr_vcpus;
    /* libxl returns the uint64_t difference as an int: its low 32 bits */
    return (int32_t)(uint32_t)(b->free_memkb - a->free_memkb);
}

/* Next K-combination of 0..N-1 in lexicographic order (Knuth); false
 * after the last one. */
static bool comb_next(int *it, int n, int k)
{
    int i = k - 1;

    while (i >= 0 && it[i] == n - k + i)
        i--;
    if (i < 0)
        return false;
    it[i]++;
    for (i++; i < k; i++)
        it[i] = it[i - 1] + 1;
    return true;
}

static void candidate_of(const struct pv_numa_host *h, uint32_t nodes,
                         const uint8_t *suitable, size_t suitable_bytes,
                         struct pv_numa_candidate *c)
{
    uint32_t free_kb = 0;       /* libxl's nodemap_to_free_memkb: 32 bits */
    unsigned n, cpu;

    memset(c, 0, sizeof(*c));
    c->nodes = nodes;
    for (n = 0; n < h->nr_nodes && n < PV_NUMA_MAX_NODES; n++) {
        if (!node_in(nodes, n))
            continue;
        free_kb += (uint32_t)(h->node_free[n] / 1024);
        c->nr_vcpus += h->vcpus_on_node[n];
    }
    c->free_memkb = free_kb;
    for (cpu = 0; cpu < h->nr_cpus; cpu++)
        if (bit_in(suitable, suitable_bytes, cpu) &&
            node_in(nodes, h->cpu_node[cpu]))
            c->nr_cpus++;
    c->nr_nodes = popcount32(nodes);
}

enum pv_numa_result pv_numa_candidate(const struct pv_numa_host *h,
                                      uint64_t min_free_memkb, int min_cpus,
                                      const uint8_t *suitable,
                                      size_t suitable_bytes,
                                      struct pv_numa_candidate *out)
{
    int suit[PV_NUMA_MAX_NODES], it[PV_NUMA_MAX_NODES];
    int nr_suit = 0, min_nodes, max_nodes, per, i;
    uint32_t suitable_nodes;
    bool found = false;

    if (h->nr_nodes <= 1)
        return PV_NUMA_SINGLE_NODE;
    if (h->nr_nodes > PV_NUMA_MAX_NODES)
        return PV_NUMA_TOO_MANY_NODES;

    suitable_nodes = pv_numa_cpus_to_nodes(h, suitable, suitable_bytes);
    for (i = 0; i < PV_NUMA_MAX_NODES; i++)
        if (node_in(suitable_nodes, (uint32_t)i))
            suit[nr_suit++] = i;

    per = cpus_per_node(h);
    min_nodes = per ? (min_cpus + per - 1) / per : 1;
    if (min_nodes > nr_suit)
        min_nodes = nr_suit;
    max_nodes = nr_suit;
    /* (libxl would walk one empty combination here; it cannot fit) */
    if (min_nodes < 1)
        return PV_NUMA_NOT_FOUND;

    for (; min_nodes <= max_nodes && !found; min_nodes++) {
        int k = min_nodes;

        for (i = 0; i < k; i++)
            it[i] = i;
        do {
            struct pv_numa_candidate c;
            uint32_t nodes = 0;

            for (i = 0; i < k; i++)
                nodes |= 1u << suit[it[i]];
            candidate_of(h, nodes, suitable, suitable_bytes, &c);
            if (min_free_memkb && c.free_memkb < min_free_memkb)
                continue;
            if (min_cpus && c.nr_cpus < min_cpus)
                continue;
            if (!found || pv_numa_cmp(&c, out) < 0) {
                found = true;
                PV_DEBUG(-1, "New best NUMA placement candidate found: "
                         "nr_nodes=%d, nr_cpus=%d, nr_vcpus=%d, "
                         "free_memkb=%llu", c.nr_nodes, c.nr_cpus,
                         c.nr_vcpus,
                         (unsigned long long)(c.free_memkb / 1024));
                *out = c;
            }
        } while (comb_next(it, nr_suit, k));
    }
    return found ? PV_NUMA_FOUND : PV_NUMA_NOT_FOUND;
}

uint64_t pv_numa_need_memkb(bool pv, uint64_t target_kb, uint64_t max_kb,
                            unsigned max_vcpus, bool hap, uint64_t shadow_kb,
                            uint64_t iommu_kb, bool sync_pt)
{
    uint64_t need = target_kb;

    /* libxl__get_required_paging_memory: 1 MB per vCPU, and a page per MB
     * of RAM for the p2m (not PV) and one more for shadow paging */
    if (shadow_kb == PV_MEMKB_DEFAULT)
        shadow_kb = 4 * (256 * (uint64_t)max_vcpus +
                         ((uint64_t)!pv + !(hap && !pv)) * (max_kb / 1024));
    /* libxl__get_required_iommu_memory: 4 levels of 512-entry tables */
    if (iommu_kb == PV_MEMKB_DEFAULT) {
        uint64_t pages = 0, level_pages = max_kb / 4;
        int level;

        for (level = 0; sync_pt && level < 4; level++) {
            level_pages = (level_pages + 511) / 512;
            pages += level_pages;
        }
        iommu_kb = pages * 4;
    }
    need += shadow_kb + iommu_kb;
    need += pv ? 1024 : 2048;   /* LIBXL_PV/HVM_EXTRA_MEMORY */
    if (need % 2048)
        need += 2048 - need % 2048;
    return need;
}

void pv_numa_host_dispose(struct pv_numa_host *h)
{
    free(h->node_free);
    free(h->cpu_node);
    free(h->vcpus_on_node);
    memset(h, 0, sizeof(*h));
}

/* ---- the host as Xen reports it -------------------------------------------- */

static xc_interface *XCH(struct xc_interface_core *x) { return (xc_interface *)x; }

/* libxl_get_numainfo's free memory per node. */
static int numa_nodes(xc_interface *xch, struct pv_numa_host *h)
{
    xc_meminfo_t *mem = NULL;
    uint32_t *dist = NULL;
    unsigned n = 0, i;
    int rc = -1;

    if (xc_numainfo(xch, &n, NULL, NULL) || !n) {
        PV_ERR(-1, "Unable to determine number of nodes: %s", strerror(errno));
        return -1;
    }
    mem = calloc(n, sizeof(*mem));
    dist = calloc((size_t)n * n, sizeof(*dist));
    h->node_free = calloc(n, sizeof(*h->node_free));
    h->vcpus_on_node = calloc(n, sizeof(*h->vcpus_on_node));
    if (!mem || !dist || !h->node_free || !h->vcpus_on_node ||
        xc_numainfo(xch, &n, mem, dist)) {
        PV_ERR(-1, "getting numainfo: %s", strerror(errno));
        goto out;
    }
    h->nr_nodes = n;
    for (i = 0; i < n; i++)
        h->node_free[i] = mem[i].memfree == XEN_INVALID_MEM_SZ
                          ? 0xffffffffu : mem[i].memfree;
    rc = 0;
out:
    free(mem);
    free(dist);
    return rc;
}

/* libxl_get_cpu_topology's node of each CPU. */
static int cpu_nodes(xc_interface *xch, struct pv_numa_host *h)
{
    xc_cputopo_t *t = NULL;
    unsigned n = 0, i;
    int rc = -1;

    if (xc_cputopoinfo(xch, &n, NULL) || !n) {
        PV_ERR(-1, "Unable to determine number of CPUS: %s", strerror(errno));
        return -1;
    }
    t = calloc(n, sizeof(*t));
    h->cpu_node = calloc(n, sizeof(*h->cpu_node));
    if (!t || !h->cpu_node || xc_cputopoinfo(xch, &n, t)) {
        PV_ERR(-1, "CPU topology info hypercall failed: %s", strerror(errno));
        goto out;
    }
    h->nr_cpus = n;
    for (i = 0; i < n; i++)
        h->cpu_node[i] = t[i].node == XEN_INVALID_NODE_ID ? PV_NUMA_NO_NODE
                                                          : t[i].node;
    rc = 0;
out:
    free(t);
    return rc;
}

/* libxl's nr_vcpus_on_nodes over every domain Xen lists.  A domain whose
 * pool or vCPUs cannot be read is left out, as libxl leaves it out; a
 * failed node affinity read keeps the previous domain's map (libxl does not
 * check that call either). */
static int count_domain_vcpus(xc_interface *xch, struct pv_numa_host *h,
                              const uint8_t *suitable, size_t suitable_bytes)
{
    int cpubytes = xc_get_cpumap_size(xch), nodebytes = xc_get_nodemap_size(xch);
    xc_domaininfo_t *info = calloc(1024, sizeof(*info));
    uint8_t *nodeaff = nodebytes > 0 ? calloc(1, (size_t)nodebytes) : NULL;
    uint8_t *hard = NULL, *soft = NULL;
    uint32_t next = 0;
    int got, i, rc = -1;

    if (cpubytes <= 0 || !info || !nodeaff) {
        PV_ERR(-1, "getting domain info list: out of memory");
        goto out;
    }
    while ((got = xc_domain_getinfolist(xch, next, 1024, info)) > 0) {
        for (i = 0; i < got; i++) {
            xc_cpupoolinfo_t *pool = xc_cpupool_getinfo(xch, info[i].cpupool);
            struct pv_numa_dom dom = { 0 };
            unsigned nv = info[i].max_vcpu_id + 1, v;
            uint8_t *grown;

            if (!pool || pool->cpupool_id != info[i].cpupool ||
                info[i].max_vcpu_id == XEN_INVALID_MAX_VCPU_ID)
                goto next;
            grown = realloc(hard, (size_t)nv * (size_t)cpubytes);
            if (!grown)
                goto next;
            hard = grown;
            free(soft);
            soft = malloc((size_t)cpubytes);
            if (!soft)
                goto next;
            for (v = 0; v < nv; v++)
                if (xc_vcpu_getaffinity(xch, info[i].domain, (int)v,
                                        hard + (size_t)v * (size_t)cpubytes,
                                        soft, XEN_VCPUAFFINITY_HARD |
                                        XEN_VCPUAFFINITY_SOFT))
                    goto next;
            xc_domain_node_getaffinity(xch, info[i].domain, nodeaff);
            dom.pool_cpus = pool->cpumap;
            dom.pool_bytes = (size_t)cpubytes;
            dom.nodeaff = nodeaff;
            dom.nodeaff_bytes = (size_t)nodebytes;
            dom.nr_vcpus = (int)nv;
            dom.hard = hard;
            dom.hard_bytes = (size_t)cpubytes;
            pv_numa_count_vcpus(h, suitable, suitable_bytes, &dom, 1);
        next:
            if (pool)
                xc_cpupool_infofree(xch, pool);
        }
        next = info[got - 1].domain + 1;
    }
    if (got < 0) {
        PV_ERR(-1, "getting domain info list: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(info);
    free(nodeaff);
    free(hard);
    free(soft);
    return rc;
}

int pv_numa_host_from_xen(struct xc_interface_core *x,
                          const uint8_t *suitable, size_t suitable_bytes,
                          struct pv_numa_host *h)
{
    xc_interface *xch = XCH(x);

    memset(h, 0, sizeof(*h));
    if (numa_nodes(xch, h) || cpu_nodes(xch, h))
        goto fail;
    /* libxl counts vCPUs only when it will search */
    if (h->nr_nodes > 1 && h->nr_nodes <= PV_NUMA_MAX_NODES &&
        count_domain_vcpus(xch, h, suitable, suitable_bytes))
        goto fail;
    return 0;
fail:
    pv_numa_host_dispose(h);
    return -1;
}

int pv_numa_place_maps(struct xc_interface_core *x, uint32_t domid,
                       const struct pv_dom_params *p,
                       const uint8_t *pool_cpus, size_t bytes,
                       uint8_t *soft, uint8_t *nodemap, size_t nodebytes)
{
    const struct pv_domain_build_info *b = p->b_info;
    xc_interface *xch = XCH(x);
    struct pv_numa_host h;
    struct pv_numa_candidate c;
    enum pv_numa_result found;
    xc_domaininfo_t info;
    bool hap = false;
    uint64_t need;
    size_t i;

    if (p->type != PV_DOM_PV) {
        if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 ||
            info.domain != domid) {
            PV_ERR((int)domid, "Getting domain info list: %s",
                   strerror(errno));
            return -1;
        }
        hap = info.flags & XEN_DOMINF_hap;
    }
    if (pv_numa_host_from_xen(x, pool_cpus, bytes, &h))
        return -1;
    /* (passthrough="sync_pt" needs PCI devices, which we do not build) */
    need = pv_numa_need_memkb(p->type == PV_DOM_PV, p->target_kb, p->max_kb,
                              p->max_vcpus, hap, b->shadow_memkb,
                              b->iommu_memkb, false);
    found = pv_numa_candidate(&h, need, (int)p->max_vcpus, pool_cpus, bytes,
                              &c);
    if (found == PV_NUMA_TOO_MANY_NODES)
        PV_WARN(-1, "System has %u NUMA nodes, which is too big for the "
                "placement algorithm to work effectively: skipping it. "
                "Consider manually pinning the vCPUs and/or looking at "
                "cpupools for manually partitioning the system.", h.nr_nodes);
    else if (found == PV_NUMA_NOT_FOUND)    /* libxl's NOTICE, shown by xl */
        PV_WARN(-1, "NUMA placement failed, performance might be affected");
    memset(nodemap, 0, nodebytes);
    if (found == PV_NUMA_FOUND) {
        /* only the candidate's nodes the pool spans (all of them: the
         * candidates come from the pool's nodes) */
        uint32_t nodes = c.nodes & pv_numa_cpus_to_nodes(&h, pool_cpus,
                                                          bytes);

        for (i = 0; i < PV_NUMA_MAX_NODES && i < nodebytes * 8; i++)
            if (nodes >> i & 1)
                nodemap[i / 8] |= (uint8_t)(1u << (i % 8));
        pv_numa_nodes_to_cpus(&h, nodes, soft, bytes);
        /* libxl prints the free memory in MB under "KB" */
        PV_INFO(-1, "NUMA placement candidate with %d nodes, %d cpus and "
                "%llu KB free selected", c.nr_nodes, c.nr_cpus,
                (unsigned long long)(c.free_memkb / 1024));
    } else {
        /* no candidate: every node, and every CPU that has one */
        memset(nodemap, 0xff, nodebytes);
        memset(soft, 0, bytes);
        for (i = 0; i < h.nr_cpus && i < bytes * 8; i++)
            if (h.cpu_node[i] != PV_NUMA_NO_NODE)
                soft[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    pv_numa_host_dispose(&h);
    return 0;
}
