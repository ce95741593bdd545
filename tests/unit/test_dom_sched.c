/* vCPU affinity and scheduler parameters from the config (libxl/dom_sched.c):
 * which CPU map each vCPU gets for every cpus=/cpus_soft= form, the NUMA
 * placement decision, libxl's range checks, the host topology taken from
 * Xen, and the hypercalls a create makes -- against a fake Xen (--wrap)
 * that records them.  The real-Xen behaviour is tests/e2e/t_sched_*.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/domcfg_test_util.h"
#include "libxl/dom.h"
#include "libxl/dom_sched.h"
#include "libxl/log.h"

#include <errno.h>
#include <xenctrl.h>

#define BASE "name = \"t\"\nkernel = \"/k\"\n"

/* ---- the fake hypervisor ------------------------------------------------ */

#define FAKE_CPUS 16            /* two nodes: 0-7 and 8-15 */
#define MAPBYTES (FAKE_CPUS / 8)

static struct {
    int pool_sched;
    int nodes;                          /* what xc_get_max_nodes says */
    uint8_t pool_cpus[MAPBYTES];
    unsigned max_vcpu_id;
    int n_aff;                          /* xc_vcpu_setaffinity calls */
    struct { int vcpu, flags; uint8_t hard[MAPBYTES], soft[MAPBYTES]; } aff[16];
    bool soft_comes_back_empty;
    int setaff_errno;                   /* fail xc_vcpu_setaffinity */
    int node_aff_calls;
    uint8_t node_aff;                   /* the last map set */
    uint64_t node_free[2];              /* bytes, xc_numainfo */
    int credit2_sets, credit_sets, rtds_sets;
    struct xen_domctl_sched_credit2 c2;
    struct xen_domctl_sched_credit c1;
    struct xen_domctl_sched_rtds rt;
} fx;

static void fake_reset(int sched)
{
    memset(&fx, 0, sizeof(fx));
    fx.pool_sched = sched;
    fx.nodes = 2;
    memset(fx.pool_cpus, 0xff, sizeof(fx.pool_cpus));
    fx.max_vcpu_id = 3;
    fx.node_free[0] = fx.node_free[1] = 1024ULL << 20;
    fx.c2.weight = fx.c1.weight = 256;
    fx.rt.period = 10000;
    fx.rt.budget = 4000;
}

xc_interface *__wrap_xc_interface_open(xentoollog_logger *l,
                                       xentoollog_logger *d, unsigned f)
{
    return (xc_interface *)&fx;
}
int __wrap_xc_interface_close(xc_interface *x) { return 0; }

int __wrap_xc_physinfo(xc_interface *x, xc_physinfo_t *p)
{
    memset(p, 0, sizeof(*p));
    p->max_cpu_id = FAKE_CPUS - 1;
    p->nr_cpus = FAKE_CPUS;
    p->max_node_id = 1;
    return 0;
}

int __wrap_xc_cputopoinfo(xc_interface *x, unsigned *n, xc_cputopo_t *t)
{
    unsigned c;

    for (c = 0; c < *n && c < FAKE_CPUS; c++)
        t[c].node = c < 8 ? 0 : 1;
    *n = FAKE_CPUS;
    return 0;
}

int __wrap_xc_get_cpumap_size(xc_interface *x) { return MAPBYTES; }
int __wrap_xc_get_nodemap_size(xc_interface *x) { return 1; }
int __wrap_xc_get_max_nodes(xc_interface *x) { return fx.nodes; }

/* One domain asked for: that one (the domain being made).  A listing
 * (NUMA placement counting vCPUs): dom0 with 1 vCPU and the new domain 7,
 * in pool 0. */
int __wrap_xc_domain_getinfolist(xc_interface *x, uint32_t first,
                                 unsigned max, xc_domaininfo_t *info)
{
    int n = 0;

    if (max == 1) {
        memset(info, 0, sizeof(*info));
        info->domain = first;
        info->cpupool = 0;
        info->max_vcpu_id = fx.max_vcpu_id;
        return 1;
    }
    if (first == 0) {
        memset(&info[n], 0, sizeof(*info));
        info[n++].max_vcpu_id = 0;
    }
    if (first <= 7) {
        memset(&info[n], 0, sizeof(*info));
        info[n].domain = 7;
        info[n++].max_vcpu_id = fx.max_vcpu_id;
    }
    return n;
}

int __wrap_xc_numainfo(xc_interface *x, unsigned *n, xc_meminfo_t *mem,
                       uint32_t *dist)
{
    unsigned i;

    for (i = 0; mem && i < *n && i < 2; i++) {
        mem[i].memsize = 4096ULL << 20;
        mem[i].memfree = fx.node_free[i];
    }
    *n = (unsigned)fx.nodes;
    return 0;
}

/* every vCPU of every domain may run anywhere (Xen's default) */
int __wrap_xc_vcpu_getaffinity(xc_interface *x, uint32_t d, int vcpu,
                               xc_cpumap_t hard, xc_cpumap_t soft,
                               uint32_t flags)
{
    memset(hard, 0xff, MAPBYTES);
    memset(soft, 0xff, MAPBYTES);
    return 0;
}

int __wrap_xc_domain_node_getaffinity(xc_interface *x, uint32_t d,
                                      xc_nodemap_t m)
{
    m[0] = 0xff;
    return 0;
}

xc_cpupoolinfo_t *__wrap_xc_cpupool_getinfo(xc_interface *x, uint32_t id)
{
    xc_cpupoolinfo_t *p = calloc(1, sizeof(*p));

    p->cpupool_id = id;
    p->sched_id = (uint32_t)fx.pool_sched;
    p->cpumap = calloc(1, MAPBYTES);
    memcpy(p->cpumap, fx.pool_cpus, MAPBYTES);
    return p;
}

void __wrap_xc_cpupool_infofree(xc_interface *x, xc_cpupoolinfo_t *p)
{
    free(p->cpumap);
    free(p);
}

int __wrap_xc_vcpu_setaffinity(xc_interface *x, uint32_t dom, int vcpu,
                               xc_cpumap_t hard, xc_cpumap_t soft,
                               uint32_t flags)
{
    if (fx.setaff_errno) {
        errno = fx.setaff_errno;
        return -1;
    }
    assert_true(fx.n_aff < 16);
    fx.aff[fx.n_aff].vcpu = vcpu;
    fx.aff[fx.n_aff].flags = (int)flags;
    if (hard)
        memcpy(fx.aff[fx.n_aff].hard, hard, MAPBYTES);
    if (soft) {
        memcpy(fx.aff[fx.n_aff].soft, soft, MAPBYTES);
        if (fx.soft_comes_back_empty)
            memset(soft, 0, MAPBYTES);
    }
    fx.n_aff++;
    return 0;
}

int __wrap_xc_domain_node_setaffinity(xc_interface *x, uint32_t d,
                                      xc_nodemap_t m)
{
    fx.node_aff_calls++;
    fx.node_aff = m[0];
    return 0;
}

int __wrap_xc_sched_credit2_domain_get(xc_interface *x, uint32_t d,
                                       struct xen_domctl_sched_credit2 *s)
{
    if (fx.pool_sched != XEN_SCHEDULER_CREDIT2) {
        errno = EINVAL;
        return -1;
    }
    *s = fx.c2;
    return 0;
}

int __wrap_xc_sched_credit2_domain_set(xc_interface *x, uint32_t d,
                                       struct xen_domctl_sched_credit2 *s)
{
    fx.c2 = *s;
    fx.credit2_sets++;
    return 0;
}

int __wrap_xc_sched_credit_domain_get(xc_interface *x, uint32_t d,
                                      struct xen_domctl_sched_credit *s)
{
    if (fx.pool_sched != XEN_SCHEDULER_CREDIT) {
        errno = EINVAL;
        return -1;
    }
    *s = fx.c1;
    return 0;
}

int __wrap_xc_sched_credit_domain_set(xc_interface *x, uint32_t d,
                                      struct xen_domctl_sched_credit *s)
{
    fx.c1 = *s;
    fx.credit_sets++;
    return 0;
}

int __wrap_xc_sched_rtds_domain_get(xc_interface *x, uint32_t d,
                                    struct xen_domctl_sched_rtds *s)
{
    *s = fx.rt;
    return 0;
}

int __wrap_xc_sched_rtds_domain_set(xc_interface *x, uint32_t d,
                                    struct xen_domctl_sched_rtds *s)
{
    fx.rt = *s;
    fx.rtds_sets++;
    return 0;
}

static struct pv_hv fake_hv = { (struct xc_interface_core *)&fx, NULL };

/* ---- helpers -------------------------------------------------------------- */

static int bits(const struct pv_bitmap *b, char *out, size_t len)
{
    size_t o = 0;
    unsigned i;

    out[0] = '\0';
    for (i = 0; i < b->size * 8u && o + 4 < len; i++)
        if (pv_bitmap_test(b, i))
            o += (size_t)snprintf(out + o, len - o, "%s%u", o ? "," : "", i);
    return (int)o;
}

static void assert_map(const struct pv_bitmap *b, const char *want)
{
    char got[128];

    assert_non_null(b);
    bits(b, got, sizeof(got));
    assert_string_equal(got, want);
}

static void assert_raw(const uint8_t *m, const char *want)
{
    struct pv_bitmap b = { MAPBYTES, (uint8_t *)m };

    assert_map(&b, want);
}

/* ---- cpumaps from the config forms ---------------------------------------- */

static void string_form_copies_to_every_vcpu(void **state)
{
    struct model m = model_parse(BASE "vcpus = 3\ncpus = \"0-3,^2\"\n");
    const struct pv_bitmap *h, *s;
    int i;

    assert_int_equal(m.rc, 0);
    assert_int_equal(pv_sched_affinity_nvcpus(&m.d.b_info), 3);
    for (i = 0; i < 3; i++) {
        pv_sched_affinity_of(&m.d.b_info, i, &h, &s);
        assert_map(h, "0,1,3");
        assert_null(s);
    }
    /* a hard string leaves NUMA placement on (libxl then runs it) */
    assert_int_equal(pv_sched_numa_decision(&m.d.b_info), PV_NUMA_PLACE);
    model_free(&m);
}

static void list_form_is_per_vcpu_and_shorter_lists_leave_the_rest(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\nmaxvcpus = 4\n"
                                 "cpus = [\"2\", \"all\", \"^0,0-1\"]\n"
                                 "cpus_soft = [\"1\"]\n");
    const struct pv_bitmap *h, *s;

    assert_int_equal(m.rc, 0);
    assert_int_equal(pv_sched_affinity_nvcpus(&m.d.b_info), 3);
    pv_sched_affinity_of(&m.d.b_info, 0, &h, &s);
    assert_map(h, "2");
    assert_map(s, "1");
    pv_sched_affinity_of(&m.d.b_info, 1, &h, &s);
    assert_map(h, "0,1,2,3,4,5,6,7");
    assert_null(s);
    pv_sched_affinity_of(&m.d.b_info, 2, &h, &s);
    assert_map(h, "0,1");       /* items apply left to right */
    pv_sched_affinity_of(&m.d.b_info, 3, &h, &s);
    assert_null(h);
    assert_null(s);
    assert_int_equal(pv_sched_numa_decision(&m.d.b_info), PV_NUMA_OFF);
    model_free(&m);
}

static void list_longer_than_maxvcpus_is_cut(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\ncpus = [\"0\", \"1\", \"2\"]\n");

    assert_int_equal(m.rc, 0);
    assert_int_equal(pv_sched_affinity_nvcpus(&m.d.b_info), 2);
    model_free(&m);
}

static void soft_only_covers_all_vcpus_and_stops_placement(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\ncpus_soft = \"nodes:0\"\n");
    const struct pv_bitmap *h, *s;

    assert_int_equal(m.rc, 0);
    assert_int_equal(pv_sched_affinity_nvcpus(&m.d.b_info), 2);
    pv_sched_affinity_of(&m.d.b_info, 1, &h, &s);
    assert_null(h);
    assert_non_null(s);
    assert_int_equal(pv_sched_numa_decision(&m.d.b_info), PV_NUMA_OFF);
    model_free(&m);
}

static void numa_warnings_as_libxl(void **state)
{
    struct pv_domain_build_info b;

    memset(&b, 0, sizeof(b));
    assert_int_equal(pv_sched_numa_decision(&b), PV_NUMA_PLACE);
    b.num_vcpu_soft_affinity = 1;
    assert_int_equal(pv_sched_numa_decision(&b), PV_NUMA_WARN_SOFT);
    assert_non_null(strstr(pv_sched_numa_warning(PV_NUMA_WARN_SOFT),
                           "soft affinity has been specified explicitly"));
    b.num_vcpu_soft_affinity = 0;
    b.nodemap.size = 1;
    assert_int_equal(pv_sched_numa_decision(&b), PV_NUMA_WARN_NODEMAP);
    pv_defbool_set(&b.numa_placement, false);
    assert_int_equal(pv_sched_numa_decision(&b), PV_NUMA_OFF);
    assert_null(pv_sched_numa_warning(PV_NUMA_OFF));
}

static void cpumap_stands_in_for_missing_hard_affinity(void **state)
{
    struct pv_domain_build_info b;
    const struct pv_bitmap *h, *s;

    memset(&b, 0, sizeof(b));
    b.max_vcpus = 2;
    pv_bitmap_alloc(&b.cpumap, 8);
    pv_bitmap_set(&b.cpumap, 3);
    assert_int_equal(pv_sched_affinity_nvcpus(&b), 2);
    pv_sched_affinity_of(&b, 1, &h, &s);
    assert_map(h, "3");
    pv_bitmap_dispose(&b.cpumap);
}

static void best_effort_copy_truncates_and_zero_fills(void **state)
{
    uint8_t src3[3] = { 0x01, 0x02, 0x04 }, dst[2];
    uint8_t src1[1] = { 0x80 };
    struct pv_bitmap a = { 3, src3 }, b = { 1, src1 };

    pv_sched_copy_best_effort(dst, sizeof(dst), &a);
    assert_int_equal(dst[0], 0x01);
    assert_int_equal(dst[1], 0x02);
    memset(dst, 0xff, sizeof(dst));
    pv_sched_copy_best_effort(dst, sizeof(dst), &b);
    assert_int_equal(dst[0], 0x80);
    assert_int_equal(dst[1], 0);
}

/* ---- libxl's range checks ------------------------------------------------- */

static void weight_and_cap_ranges(void **state)
{
    char err[160];

    assert_int_equal(pv_sched_check_weight_cap(1, 0, 0, err, sizeof(err)), 0);
    assert_int_equal(pv_sched_check_weight_cap(65535, 100, 0, err,
                                               sizeof(err)), 0);
    assert_int_equal(pv_sched_check_weight_cap(PV_SCHED_PARAM_DEFAULT,
                                               PV_SCHED_PARAM_DEFAULT, 0,
                                               err, sizeof(err)), 0);
    assert_int_equal(pv_sched_check_weight_cap(0, 0, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "Cpu weight out of range, valid values are "
                        "within range from 1 to 65535");
    assert_int_equal(pv_sched_check_weight_cap(65536, 0, 0, err,
                                               sizeof(err)), -1);
    /* the cap scales with the vCPUs: 100 per vCPU */
    assert_int_equal(pv_sched_check_weight_cap(256, 200, 1, err,
                                               sizeof(err)), 0);
    assert_int_equal(pv_sched_check_weight_cap(256, 201, 1, err,
                                               sizeof(err)), -1);
    assert_string_equal(err, "Cpu cap out of range, valid range is from 0 "
                        "to 200 for specified number of vcpus");
    assert_int_equal(pv_sched_check_weight_cap(256, -2, 1, err,
                                               sizeof(err)), -1);
}

static void credit_pool_parameter_ranges(void **state)
{
    char err[160];

    assert_int_equal(pv_sched_check_credit_params(30, 1000, 0, err,
                                                  sizeof(err)), 0);
    assert_int_equal(pv_sched_check_credit_params(30, 0, 0, err,
                                                  sizeof(err)), 0);
    assert_int_equal(pv_sched_check_credit_params(0, 1000, 0, err,
                                                  sizeof(err)), -1);
    assert_string_equal(err, "Time slice out of range, valid range is from "
                        "1 to 1000");
    assert_int_equal(pv_sched_check_credit_params(1001, 1000, 0, err,
                                                  sizeof(err)), -1);
    assert_int_equal(pv_sched_check_credit_params(30, 99, 0, err,
                                                  sizeof(err)), -1);
    assert_string_equal(err, "Ratelimit out of range, valid range is from "
                        "100 to 500000");
    assert_int_equal(pv_sched_check_credit_params(20, 30000, 0, err,
                                                  sizeof(err)), -1);
    assert_string_equal(err, "Ratelimit cannot be greater than timeslice");
    assert_int_equal(pv_sched_check_credit_params(30, 1000, 100001, err,
                                                  sizeof(err)), -1);
    assert_int_equal(pv_sched_check_credit_params(30, 1000, 100000, err,
                                                  sizeof(err)), 0);
    assert_int_equal(pv_sched_check_ratelimit(500001, err, sizeof(err)), -1);
    assert_int_equal(pv_sched_check_ratelimit(0, err, sizeof(err)), 0);
    assert_string_equal(pv_sched_name(XEN_SCHEDULER_CREDIT2), "credit2");
    assert_string_equal(pv_sched_name(XEN_SCHEDULER_CREDIT), "credit");
}

/* ---- topology from Xen ------------------------------------------------------ */

static void topology_from_xen_resolves_nodes(void **state)
{
    struct pv_cpu_topology topo = { 1, 1, NULL, NULL };
    struct pv_bitmap b = { 0, NULL };
    char err[128];

    assert_int_equal(pv_sched_host_topology(&topo), 0);
    assert_int_equal(topo.max_cpus, FAKE_CPUS);
    assert_int_equal(topo.nr_nodes, 2);
    assert_int_equal(pv_cpumap_bits(&topo), 16);
    pv_bitmap_alloc(&b, topo.max_cpus);
    assert_int_equal(pv_cpulist_parse("nodes:1,^9", &b, &topo, err,
                                      sizeof(err)), 0);
    assert_map(&b, "8,10,11,12,13,14,15");
    pv_bitmap_dispose(&b);
    pv_bitmap_alloc(&b, topo.max_cpus);
    assert_int_equal(pv_cpulist_parse("nodes:2", &b, &topo, err,
                                      sizeof(err)), -1);
    pv_bitmap_dispose(&b);
}

static void topology_only_asked_when_the_config_has_cpu_lists(void **state)
{
    struct pv_xl_conf conf;
    struct pv_cfg *cfg = NULL;
    const char *with = "cpus = \"nodes:1\"\n", *without = "vcpus = 2\n";

    unsetenv("PVSTACK_HOST_CPUS");
    pv_xl_conf_init(&conf);
    conf.parse.topo.max_cpus = 1;
    assert_int_equal(pv_cfg_parse("t.cfg", without, strlen(without), stderr,
                                  &cfg), 0);
    pv_sched_topology_for_cfg(cfg, &conf);
    assert_int_equal(conf.parse.topo.max_cpus, 1);
    pv_cfg_free(cfg);
    assert_int_equal(pv_cfg_parse("t.cfg", with, strlen(with), stderr, &cfg),
                     0);
    pv_sched_topology_for_cfg(cfg, &conf);
    assert_int_equal(conf.parse.topo.max_cpus, FAKE_CPUS);
    pv_cfg_free(cfg);
    /* tests pin the count: then Xen is not asked */
    setenv("PVSTACK_HOST_CPUS", "4", 1);
    conf.parse.topo.max_cpus = 4;
    assert_int_equal(pv_cfg_parse("t.cfg", with, strlen(with), stderr, &cfg),
                     0);
    pv_sched_topology_for_cfg(cfg, &conf);
    assert_int_equal(conf.parse.topo.max_cpus, 4);
    pv_cfg_free(cfg);
    unsetenv("PVSTACK_HOST_CPUS");
    pv_xl_conf_dispose(&conf);
}

/* ---- what a create does on (fake) Xen --------------------------------------- */

static void create_sets_hard_and_soft_per_vcpu_in_one_call(void **state)
{
    struct model m = model_parse(BASE "vcpus = 3\ncpus = [\"0\", \"1\"]\n"
                                 "cpus_soft = \"7\"\n");

    assert_int_equal(m.rc, 0);
    fake_reset(XEN_SCHEDULER_CREDIT2);
    assert_int_equal(pv_dom_affinity_apply(fake_hv.xch, 7, &m.d.b_info), 0);
    assert_int_equal(fx.n_aff, 3);
    assert_int_equal(fx.aff[0].flags,
                     XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT);
    assert_raw(fx.aff[0].hard, "0");
    assert_raw(fx.aff[1].hard, "1");
    assert_int_equal(fx.aff[2].flags, XEN_VCPUAFFINITY_SOFT);
    assert_raw(fx.aff[2].soft, "7");
    assert_int_equal(fx.node_aff_calls, 0);     /* placement off */
    /* nothing asked of the scheduler: the set keeps Xen's values */
    assert_int_equal(fx.c2.weight, 256);
    model_free(&m);
}

/* The builder's view of a parsed config: what pv_dom_numa_place reads. */
static void params_of(struct model *m, struct pv_dom_params *p, unsigned mb)
{
    pv_dom_params_init(p);
    p->b_info = &m->d.b_info;
    p->max_vcpus = (unsigned)m->d.b_info.max_vcpus;
    p->target_kb = p->max_kb = (uint64_t)mb * 1024;
}

static void hard_string_runs_placement_first(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\ncpus = \"1\"\n");
    struct pv_dom_params p;

    assert_int_equal(m.rc, 0);
    params_of(&m, &p, 128);
    fake_reset(XEN_SCHEDULER_CREDIT2);
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_int_equal(pv_dom_affinity_apply(fake_hv.xch, 7, &m.d.b_info), 0);
    /* placement: a full tie (vCPUs, memory) keeps node 0; soft = its CPUs
     * for each vCPU, node affinity node 0; then the hard maps */
    assert_int_equal(fx.n_aff, 4);
    assert_int_equal(fx.aff[0].flags, XEN_VCPUAFFINITY_SOFT);
    assert_raw(fx.aff[0].soft, "0,1,2,3,4,5,6,7");
    assert_raw(fx.aff[1].soft, "0,1,2,3,4,5,6,7");
    assert_int_equal(fx.aff[2].flags, XEN_VCPUAFFINITY_HARD);
    assert_raw(fx.aff[2].hard, "1");
    assert_int_equal(fx.node_aff_calls, 1);
    assert_int_equal(fx.node_aff, 0x01);
    pv_dom_params_dispose(&p);
    model_free(&m);
}

/* What the search picks reaches Xen: the chosen node's CPUs as every
 * vCPU's soft affinity and the node as node affinity; no candidate: all. */
static void placement_sets_the_chosen_nodes(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\n");
    struct pv_dom_params p;

    assert_int_equal(m.rc, 0);
    params_of(&m, &p, 512);
    /* node 1 has more free memory */
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.node_free[1] = 2048ULL << 20;
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_int_equal(fx.n_aff, 2);
    assert_raw(fx.aff[1].soft, "8,9,10,11,12,13,14,15");
    assert_int_equal(fx.node_aff, 0x02);
    /* node 1 is short of the 512 MB + overhead */
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.node_free[1] = 512ULL << 20;
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_raw(fx.aff[0].soft, "0,1,2,3,4,5,6,7");
    assert_int_equal(fx.node_aff, 0x01);
    /* a pool of node 1's CPUs: node 1, though node 0 has more memory */
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.node_free[0] = 4096ULL << 20;
    memset(fx.pool_cpus, 0, sizeof(fx.pool_cpus));
    fx.pool_cpus[1] = 0xff;
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_int_equal(fx.node_aff, 0x02);
    /* no node, nor both, has the memory: every CPU and every node */
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.node_free[0] = fx.node_free[1] = 100ULL << 20;
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_raw(fx.aff[0].soft, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15");
    assert_int_equal(fx.node_aff, 0xff);
    pv_dom_params_dispose(&p);
    model_free(&m);
}

/* numa_placement off (a cpus= list, cpus_soft=): no placement call at all;
 * a build without a config (p->b_info NULL) neither. */
static void placement_off_calls_nothing(void **state)
{
    struct model l = model_parse(BASE "vcpus = 2\ncpus = [\"0\", \"9\"]\n");
    struct model s = model_parse(BASE "vcpus = 2\ncpus_soft = \"9\"\n");
    struct pv_dom_params p;

    fake_reset(XEN_SCHEDULER_CREDIT2);
    params_of(&l, &p, 128);
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    params_of(&s, &p, 128);
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    p.b_info = NULL;
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_int_equal(fx.n_aff, 0);
    assert_int_equal(fx.node_aff_calls, 0);
    model_free(&l);
    model_free(&s);
}

static void placement_on_one_node_changes_nothing_so_calls_nothing(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\ncpus = \"1\"\n");
    struct model plain = model_parse(BASE "vcpus = 2\n");
    struct pv_dom_params p;

    params_of(&m, &p, 128);
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.nodes = 1;
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_int_equal(pv_dom_affinity_apply(fake_hv.xch, 7, &m.d.b_info), 0);
    assert_int_equal(fx.n_aff, 2);              /* only the hard maps */
    assert_int_equal(fx.aff[0].flags, XEN_VCPUAFFINITY_HARD);
    assert_int_equal(fx.node_aff_calls, 0);
    /* a config without affinity or parameters: no affinity or sched call */
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.nodes = 1;
    params_of(&plain, &p, 128);
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), 0);
    assert_int_equal(pv_dom_affinity_apply(fake_hv.xch, 7, &plain.d.b_info), 0);
    assert_int_equal(pv_dom_sched_apply(&fake_hv, 7, &plain.d.b_info), 0);
    assert_int_equal(fx.n_aff, 0);
    assert_int_equal(fx.credit2_sets, 0);
    /* but the pool check still applies with one node */
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.nodes = 1;
    memset(fx.pool_cpus, 0, sizeof(fx.pool_cpus));
    fx.pool_cpus[0] = 0x01;
    params_of(&m, &p, 128);
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), -1);
    model_free(&m);
    model_free(&plain);
}

static void hard_affinity_outside_the_pool_fails(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\ncpus = \"5\"\n");
    struct pv_dom_params p;

    assert_int_equal(m.rc, 0);
    params_of(&m, &p, 128);
    fake_reset(XEN_SCHEDULER_CREDIT2);
    memset(fx.pool_cpus, 0, sizeof(fx.pool_cpus));
    fx.pool_cpus[0] = 0x03;             /* the pool has CPUs 0-1 */
    assert_int_equal(pv_dom_numa_place(fake_hv.xch, 7, &p), -1);
    assert_int_equal(fx.n_aff, 0);
    model_free(&m);
}

static void refused_affinity_fails_the_create(void **state)
{
    struct model m = model_parse(BASE "vcpus = 1\ncpus = [\"1\"]\n");

    assert_int_equal(m.rc, 0);
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.setaff_errno = EINVAL;
    assert_int_equal(pv_dom_affinity_apply(fake_hv.xch, 7, &m.d.b_info), -1);
    model_free(&m);
}

static void empty_effective_soft_affinity_is_only_a_warning(void **state)
{
    struct model m = model_parse(BASE "vcpus = 1\ncpus_soft = \"1\"\n");

    assert_int_equal(m.rc, 0);
    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.soft_comes_back_empty = true;
    assert_int_equal(pv_dom_affinity_apply(fake_hv.xch, 7, &m.d.b_info), 0);
    assert_int_equal(fx.n_aff, 1);
    model_free(&m);
}

static void weight_and_cap_go_to_the_pool_scheduler(void **state)
{
    struct model m = model_parse(BASE "vcpus = 2\ncpu_weight = 512\ncap = 50\n");

    assert_int_equal(m.rc, 0);
    fake_reset(XEN_SCHEDULER_CREDIT2);
    assert_int_equal(pv_dom_sched_apply(&fake_hv, 7, &m.d.b_info), 0);
    assert_int_equal(fx.credit2_sets, 1);
    assert_int_equal(fx.c2.weight, 512);
    assert_int_equal(fx.c2.cap, 50);
    assert_int_equal(fx.credit_sets, 0);

    fake_reset(XEN_SCHEDULER_CREDIT);
    assert_int_equal(pv_dom_sched_apply(&fake_hv, 7, &m.d.b_info), 0);
    assert_int_equal(fx.credit_sets, 1);
    assert_int_equal(fx.c1.weight, 512);
    assert_int_equal(fx.c1.cap, 50);
    assert_int_equal(fx.credit2_sets, 0);

    /* null has no per-domain parameters: accepted, nothing set */
    fake_reset(XEN_SCHEDULER_NULL);
    assert_int_equal(pv_dom_sched_apply(&fake_hv, 7, &m.d.b_info), 0);
    assert_int_equal(fx.credit_sets + fx.credit2_sets + fx.rtds_sets, 0);
    model_free(&m);
}

static void out_of_range_parameters_fail_the_create(void **state)
{
    struct model w = model_parse(BASE "cpu_weight = 70000\n");
    struct model c = model_parse(BASE "vcpus = 1\ncap = 101\n");

    fake_reset(XEN_SCHEDULER_CREDIT2);
    fx.max_vcpu_id = 0;
    assert_int_equal(pv_dom_sched_apply(&fake_hv, 7, &w.d.b_info), -1);
    assert_int_equal(pv_dom_sched_apply(&fake_hv, 7, &c.d.b_info), -1);
    assert_int_equal(fx.credit2_sets, 0);
    model_free(&w);
    model_free(&c);
}

static void rtds_gets_period_and_extratime(void **state)
{
    struct model m = model_parse(BASE "period = 20000\n");

    assert_int_equal(m.rc, 0);
    fake_reset(XEN_SCHEDULER_RTDS);
    assert_int_equal(pv_dom_sched_apply(&fake_hv, 7, &m.d.b_info), 0);
    assert_int_equal(fx.rtds_sets, 1);
    assert_int_equal(fx.rt.period, 20000);
    assert_int_equal(fx.rt.budget, 4000);
    /* libxl's "default" extratime is -1, which it tests as true */
    assert_true(fx.rt.flags & XEN_DOMCTL_SCHEDRT_extra);
    model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(string_form_copies_to_every_vcpu),
        cmocka_unit_test(list_form_is_per_vcpu_and_shorter_lists_leave_the_rest),
        cmocka_unit_test(list_longer_than_maxvcpus_is_cut),
        cmocka_unit_test(soft_only_covers_all_vcpus_and_stops_placement),
        cmocka_unit_test(numa_warnings_as_libxl),
        cmocka_unit_test(cpumap_stands_in_for_missing_hard_affinity),
        cmocka_unit_test(best_effort_copy_truncates_and_zero_fills),
        cmocka_unit_test(weight_and_cap_ranges),
        cmocka_unit_test(credit_pool_parameter_ranges),
        cmocka_unit_test(topology_from_xen_resolves_nodes),
        cmocka_unit_test(topology_only_asked_when_the_config_has_cpu_lists),
        cmocka_unit_test(create_sets_hard_and_soft_per_vcpu_in_one_call),
        cmocka_unit_test(hard_string_runs_placement_first),
        cmocka_unit_test(placement_sets_the_chosen_nodes),
        cmocka_unit_test(placement_off_calls_nothing),
        cmocka_unit_test(placement_on_one_node_changes_nothing_so_calls_nothing),
        cmocka_unit_test(hard_affinity_outside_the_pool_fails),
        cmocka_unit_test(refused_affinity_fails_the_create),
        cmocka_unit_test(empty_effective_soft_affinity_is_only_a_warning),
        cmocka_unit_test(weight_and_cap_go_to_the_pool_scheduler),
        cmocka_unit_test(out_of_range_parameters_fail_the_create),
        cmocka_unit_test(rtds_gets_period_and_extratime),
    };

    pv_log_set_level((enum pv_log_level)(PV_LOG_ERROR + 1));     /* the failures are expected */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
