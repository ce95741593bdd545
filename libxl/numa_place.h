/* Automatic NUMA placement of a new domain, as libxl 4.17 does it
 * (libxl_numa.c libxl__get_numa_candidate, libxl_dom.c numa_place_domain).
 *
 * Design invariants:
 *  - The search is pure: it works on a snapshot of the host (struct
 *    pv_numa_host) that pv_numa_host_from_xen fills from the hypercalls
 *    libxl makes, so unit tests feed it any topology.
 *  - It chooses what libxl chooses, including libxl's quirks: candidates are
 *    the combinations of the nodes the domain's cpupool spans, generated in
 *    lexicographic order with sizes from libxl's min_nodes up; the first
 *    size with any candidate that has enough free memory and at least
 *    max_vcpus pCPUs ends the search (fewer nodes is always better); within
 *    a size, fewer vCPUs already able to run on the nodes wins, then more
 *    free memory, then the earlier combination.  Free memory is summed per
 *    node in KiB in 32 bits and compared as libxl's int subtraction does.
 *  - Only node ids below PV_NUMA_MAX_NODES (16, libxl's limit) take part;
 *    a bigger host is not placed at all, as libxl refuses it.
 */
#ifndef PV_NUMA_PLACE_H
#define PV_NUMA_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_NUMA_MAX_NODES 16
#define PV_NUMA_NO_NODE   (~(uint32_t)0)    /* a CPU without a node */

/* One domain's view for libxl's nr_vcpus_on_nodes. */
struct pv_numa_dom {
    const uint8_t *pool_cpus;   /* the CPUs of the domain's cpupool */
    size_t pool_bytes;
    const uint8_t *nodeaff;     /* its node affinity */
    size_t nodeaff_bytes;
    int nr_vcpus;
    const uint8_t *hard;        /* nr_vcpus hard affinity maps, each ... */
    size_t hard_bytes;          /* ... hard_bytes long, back to back */
};

struct pv_numa_host {
    unsigned nr_nodes;
    uint64_t *node_free;        /* bytes free per node; libxl's invalid
                                   entry (0xffffffff) where Xen has none */
    unsigned nr_cpus;
    uint32_t *cpu_node;         /* node of each CPU or PV_NUMA_NO_NODE */
    int *vcpus_on_node;         /* nr_nodes counters (pv_numa_count_vcpus) */
};

struct pv_numa_candidate {
    uint32_t nodes;             /* bit N: node N */
    int nr_nodes, nr_cpus, nr_vcpus;
    uint64_t free_memkb;
};

enum pv_numa_result {
    PV_NUMA_FOUND,
    PV_NUMA_SINGLE_NODE,        /* <= 1 node: nothing to choose, no message */
    PV_NUMA_TOO_MANY_NODES,     /* > 16 nodes: libxl skips with a warning */
    PV_NUMA_NOT_FOUND,          /* no combination fits */
};

/* libxl's nr_vcpus_on_nodes: for each vCPU of each domain, +1 on every
 * node that has a CPU in the vCPU's hard affinity, in SUITABLE and in the
 * domain's pool, and that the domain's node affinity includes (a vCPU
 * counts once per node).  Adds to H->vcpus_on_node. */
void pv_numa_count_vcpus(struct pv_numa_host *h, const uint8_t *suitable,
                         size_t suitable_bytes,
                         const struct pv_numa_dom *doms, int nr_doms);

/* libxl__get_numa_candidate(min_free_memkb, min_cpus, 0, 0, SUITABLE,
 * numa_cmpf).  SUITABLE: the CPUs placement may use (the pool's). */
enum pv_numa_result pv_numa_candidate(const struct pv_numa_host *h,
                                      uint64_t min_free_memkb, int min_cpus,
                                      const uint8_t *suitable,
                                      size_t suitable_bytes,
                                      struct pv_numa_candidate *out);

/* libxl's numa_cmpf: < 0 when A is the better candidate. */
int pv_numa_cmp(const struct pv_numa_candidate *a,
                const struct pv_numa_candidate *b);

/* libxl__domain_need_memory_calculate after libxl's create defaults: the
 * memory (KiB) the candidate must have free.  SHADOW_KB and IOMMU_KB are
 * the config's (PV_MEMKB_DEFAULT when not given); SYNC_PT: passthrough is
 * "sync_pt"; HAP: the domain uses hardware paging (never for PV). */
uint64_t pv_numa_need_memkb(bool pv, uint64_t target_kb, uint64_t max_kb,
                            unsigned max_vcpus, bool hap, uint64_t shadow_kb,
                            uint64_t iommu_kb, bool sync_pt);

/* The CPUs of NODES (libxl_nodemap_to_cpumap) into MAP (BYTES long). */
void pv_numa_nodes_to_cpus(const struct pv_numa_host *h, uint32_t nodes,
                           uint8_t *map, size_t bytes);

/* The nodes of the CPUs in MAP (libxl_cpumap_to_nodemap), as a mask. */
uint32_t pv_numa_cpus_to_nodes(const struct pv_numa_host *h,
                               const uint8_t *map, size_t bytes);

void pv_numa_host_dispose(struct pv_numa_host *h);

struct xc_interface_core;
/* The host as libxl_get_numainfo, libxl_get_cpu_topology and
 * nr_vcpus_on_nodes see it: per-node free memory, the node of each CPU,
 * and the vCPUs of every domain (the new one included, as in libxl) that
 * may run on each node's CPUs within SUITABLE.  Returns 0 or -1 (logged). */
int pv_numa_host_from_xen(struct xc_interface_core *xch,
                          const uint8_t *suitable, size_t suitable_bytes,
                          struct pv_numa_host *h);


struct pv_dom_params;
/* libxl's numa_place_domain and the maps libxl__build_pre derives from it,
 * for domain DOMID made from P (b_info set) in a pool of POOL_CPUS: the
 * chosen nodes into NODEMAP and their CPUs into SOFT (every node and every
 * CPU with a node when no candidate fits), with libxl's messages.  Returns
 * 0, or -1 after logging when Xen could not be asked. */
int pv_numa_place_maps(struct xc_interface_core *xch, uint32_t domid,
                       const struct pv_dom_params *p,
                       const uint8_t *pool_cpus, size_t bytes,
                       uint8_t *soft, uint8_t *nodemap, size_t nodebytes);

#endif
