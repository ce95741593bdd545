/* vCPU affinity and scheduler parameters of a new domain, as libxl 4.17
 * applies them (libxl__build_pre: NUMA placement, node affinity, per-vCPU
 * hard/soft affinity; libxl__build_post: libxl_domain_sched_params_set),
 * and the pool/scheduler queries the sched-credit* commands share.
 *
 * Design invariants:
 *  - The config model (libxl/domcfg.h) stays the only description of what
 *    was asked for; this file turns it into hypercalls and never writes it
 *    back, so the userdata JSON is what `xl -N create` prints, as libxl's is
 *    (libxl stores the config before build_pre changes it).
 *  - Everything that decides (which map goes to which vCPU, whether NUMA
 *    placement runs, whether a weight/cap/timeslice is in range) is a pure
 *    function here with a unit test; the hypercall wrappers only execute.
 *  - Messages are libxl's wording so scripts grepping for them keep working.
 */
#ifndef PV_DOM_SCHED_H
#define PV_DOM_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "libxl/cfg.h"
#include "libxl/cpulist.h"
#include "libxl/domcfg.h"
#include "libxl/xlconf.h"

struct pv_hv;

/* ---- pure logic ---------------------------------------------------------- */

/* How many vCPUs libxl__build_pre calls libxl_set_vcpuaffinity for: the
 * longer of the hard and soft arrays (after cpumap= became the hard array,
 * as libxl__domain_build_info_setdefault does). */
int pv_sched_affinity_nvcpus(const struct pv_domain_build_info *b);

/* The hard and soft maps for vCPU I (NULL: leave that affinity alone). */
void pv_sched_affinity_of(const struct pv_domain_build_info *b, int i,
                          const struct pv_bitmap **hard,
                          const struct pv_bitmap **soft);

/* libxl__bitmap_copy_best_effort: the first DST_BYTES bytes of DST get
 * SRC's bytes (zero past SRC's end). */
void pv_sched_copy_best_effort(uint8_t *dst, size_t dst_bytes,
                               const struct pv_bitmap *src);

enum pv_numa_decision {
    PV_NUMA_OFF,             /* numa_placement false: nothing to do */
    PV_NUMA_WARN_SOFT,       /* asked for, but a soft affinity was given */
    PV_NUMA_WARN_NODEMAP,    /* asked for, but node affinity is set */
    PV_NUMA_PLACE,           /* run placement */
};
/* numa_placement defaults to true (libxl__domain_build_info_setdefault). */
enum pv_numa_decision pv_sched_numa_decision(const struct pv_domain_build_info *b);
const char *pv_sched_numa_warning(enum pv_numa_decision d);

/* Range checks of libxl's sched_credit{,2}_domain_set: PV_SCHED_PARAM_DEFAULT
 * means "leave alone".  Returns 0, or -1 with libxl's message in ERR. */
int pv_sched_check_weight_cap(int weight, int cap, unsigned max_vcpu_id,
                              char *err, size_t errlen);

/* libxl_sched_credit_params_set / sched_ratelimit_check. */
int pv_sched_check_credit_params(int tslice_ms, int ratelimit_us,
                                 int migr_delay_us, char *err, size_t errlen);
int pv_sched_check_ratelimit(int ratelimit_us, char *err, size_t errlen);

/* libxl_scheduler_to_string: "credit", "credit2", ... ("unknown"). */
const char *pv_sched_name(int xen_sched_id);

/* ---- on a real Xen -------------------------------------------------------- */

/* Fill TOPO from the hypervisor (CPU count, NUMA nodes and the node of each
 * CPU), as libxl sizes CPU maps and resolves "nodes:N".  Returns 0, or -1
 * when Xen cannot be asked (TOPO untouched). */
int pv_sched_host_topology(struct pv_cpu_topology *topo);

/* Before parsing CFG for a create: when it (or xl.conf's vm*.cpumask in
 * CONF) has CPU lists, take the topology from Xen, as xl's parser asks
 * libxl, so "all" and "nodes:N" mean this host's CPUs (dom0 may see fewer
 * than Xen has).  Skipped without such keys (no hypercall on the fast path)
 * and when PVSTACK_HOST_CPUS pins the count for tests. */
void pv_sched_topology_for_cfg(const struct pv_cfg *cfg,
                               struct pv_xl_conf *conf);

struct pv_dom_params;
struct xc_interface_core;
/* libxl__build_pre's NUMA step for domain DOMID, made but not yet given
 * memory (so Xen allocates it on the chosen nodes): libxl's warnings when
 * placement is on but cannot run; else the hard affinity checked against
 * the pool, the candidate search (libxl/numa_place.h) on a multi-node host,
 * every vCPU's soft affinity and the node affinity set.  Nothing without
 * P->b_info.  Returns 0, or -1 after logging (the create fails). */
int pv_dom_numa_place(struct xc_interface_core *xch, uint32_t domid,
                      const struct pv_dom_params *p);

/* build_pre's per-vCPU hard and soft affinities from cpus=/cpus_soft=,
 * after pv_dom_numa_place and before the domain has memory, so Xen places
 * it near the CPUs it may run on.  Nothing without B or affinities.  Logs
 * libxl's warnings; returns 0, or -1 after logging (the create fails). */
int pv_dom_affinity_apply(struct xc_interface_core *xch, uint32_t domid,
                          const struct pv_domain_build_info *b);

/* build_post's scheduler parameters (weight, cap, ...) through the pool's
 * scheduler, for a domain that is built and still paused.  Returns 0, or
 * -1 after logging why (the caller destroys the domain). */
int pv_dom_sched_apply(struct pv_hv *hv, uint32_t domid,
                       const struct pv_domain_build_info *b);

/* The XEN_SCHEDULER_* of DOMID's cpupool, or -1 (errno set). */
int pv_sched_of_domain(struct pv_hv *hv, uint32_t domid);

/* One cpupool as `xl cpupool-list` knows it. */
struct pv_pool {
    uint32_t id;
    int sched;          /* XEN_SCHEDULER_* */
    char *name;         /* libxl_cpupoolid_to_name, malloc'd */
};
/* Every pool with a name, in id order.  Returns the count (>= 0) and a
 * malloc'd array in *OUT, or -1. */
int pv_pool_list(struct pv_hv *hv, struct pv_pool **out);
void pv_pool_list_free(struct pv_pool *p, int n);
/* libxl_cpupoolid_to_name (Pool-0 when pool 0 has no name node). */
char *pv_pool_name(struct pv_hv *hv, uint32_t poolid);
/* libxl_cpupool_qualifier_to_cpupoolid + libxl_cpupoolid_is_valid: a number
 * or a name.  Returns 0 or -1. */
int pv_pool_find(const struct pv_pool *pools, int n, const char *q,
                 uint32_t *poolid);
/* The same against the host's pools (pv_pool_list). */
int pv_pool_lookup(struct pv_hv *hv, const char *q, uint32_t *poolid);

#endif
