/* libxl 4.17's NUMA placement candidate search (libxl/numa_place.c) on fake
 * topologies.  Every expected answer is worked out by hand from libxl's
 * rules (libxl_numa.c libxl__get_numa_candidate, libxl_dom.c numa_cmpf and
 * numa_place_domain, libxl_mem.c libxl__domain_need_memory_calculate), as
 * the comment of each test shows; the real-Xen comparison with Debian's xl
 * is tests/e2e/numa/t_numa_place.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "libxl/numa_place.h"
#include "libxl/domcfg.h"

#include <stdlib.h>
#include <string.h>

#define MB (1024ULL * 1024)

struct fake {
    struct pv_numa_host h;
    uint64_t free[20];
    uint32_t node[64];
    int vcpus[20];
    uint8_t pool[8];        /* CPUs placement may use (the pool's) */
};

/* NODES nodes with CPUS_PER[n] CPUs each (numbered in order), FREE_MB[n]
 * free, VCPUS[n] vCPUs already there; every CPU in the pool. */
static void host(struct fake *f, unsigned nodes, const int *cpus_per,
                 const unsigned *free_mb, const int *vcpus)
{
    unsigned n, c = 0;
    int i;

    memset(f, 0, sizeof(*f));
    for (n = 0; n < nodes; n++) {
        f->free[n] = free_mb[n] * MB;
        f->vcpus[n] = vcpus ? vcpus[n] : 0;
        for (i = 0; i < cpus_per[n]; i++)
            f->node[c++] = n;
    }
    f->h.nr_nodes = nodes;
    f->h.node_free = f->free;
    f->h.nr_cpus = c;
    f->h.cpu_node = f->node;
    f->h.vcpus_on_node = f->vcpus;
    memset(f->pool, 0xff, sizeof(f->pool));
}

static enum pv_numa_result place(struct fake *f, uint64_t need_mb, int vcpus,
                                 struct pv_numa_candidate *c)
{
    return pv_numa_candidate(&f->h, need_mb * 1024, vcpus, f->pool,
                             sizeof(f->pool), c);
}

static const int two[] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };

/* 2 nodes, equal vCPUs: the candidate with more free memory (node 1). */
static void two_nodes_more_free_memory_wins(void **state)
{
    static const unsigned free_mb[] = { 1000, 2000 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 2, two, free_mb, NULL);
    assert_int_equal(place(&f, 512, 2, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x2);
    assert_int_equal(c.nr_nodes, 1);
    assert_int_equal(c.nr_cpus, 2);
    assert_int_equal(c.nr_vcpus, 0);
    assert_int_equal(c.free_memkb, 2000 * 1024);
}

/* numa_cmpf looks at vCPUs first: node 0 (1 vCPU) beats node 1 (3 vCPUs)
 * although node 1 has twice the free memory. */
static void fewer_vcpus_beat_more_free_memory(void **state)
{
    static const unsigned free_mb[] = { 1000, 2000 };
    static const int vcpus[] = { 1, 3 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 2, two, free_mb, vcpus);
    assert_int_equal(place(&f, 512, 1, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x1);
    assert_int_equal(c.nr_vcpus, 1);
}

/* 4 nodes, need 250 MB: nodes 0 (100) and 2 (200) are skipped; of 1 (300
 * MB, 0 vCPUs) and 3 (1000 MB, 5 vCPUs) the one with fewer vCPUs. */
static void nodes_short_of_memory_are_skipped(void **state)
{
    static const unsigned free_mb[] = { 100, 300, 200, 1000 };
    static const int vcpus[] = { 0, 0, 0, 5 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 4, two, free_mb, vcpus);
    assert_int_equal(place(&f, 250, 1, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x2);
    assert_int_equal(c.free_memkb, 300 * 1024);
}

/* Need 400 MB, no node has it: pairs, in libxl's order {0,1} (400: fits,
 * exactly), {0,2} 300, {0,3} 250, {1,2} 500, {1,3} 450, {2,3} 350; the
 * fitting pair with the most free memory is {1,2}. */
static void no_single_node_fits_so_pairs_are_tried(void **state)
{
    static const unsigned free_mb[] = { 100, 300, 200, 150 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 4, two, free_mb, NULL);
    assert_int_equal(place(&f, 400, 1, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x6);
    assert_int_equal(c.nr_nodes, 2);
    assert_int_equal(c.nr_cpus, 4);
    assert_int_equal(c.free_memkb, 500 * 1024);
    /* {0,1} has exactly 400 MB: alone it would be taken */
    f.free[2] = f.free[3] = 0;
    assert_int_equal(place(&f, 400, 1, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x3);
}

/* Full ties keep the first combination generated (lexicographic). */
static void ties_keep_the_first_combination(void **state)
{
    static const unsigned free_mb[] = { 500, 500, 500, 500 };
    static const int vcpus[] = { 1, 1, 1, 1 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 4, two, free_mb, vcpus);
    assert_int_equal(place(&f, 100, 1, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x1);
    /* 3 vCPUs on 2-CPU nodes: pairs from the start, first is {0,1} */
    assert_int_equal(place(&f, 100, 3, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x3);
    /* a tie on vCPUs only: more memory decides, {2,3} */
    f.free[2] = f.free[3] = 600 * MB;
    assert_int_equal(place(&f, 100, 3, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0xc);
}

/* 8 nodes of 2 CPUs, 5 vCPUs: min_nodes = ceil(5/2) = 3, so no pair is
 * tried; the triples without vCPUs are those of {1,3,4,6,7}, all with the
 * same memory, and the first of them is {1,3,4}. */
static void eight_nodes_start_at_enough_cpus(void **state)
{
    static const unsigned free_mb[] = { 1024, 1024, 1024, 1024, 1024, 1024,
                                        1024, 1024 };
    static const int vcpus[] = { 2, 0, 1, 0, 0, 3, 0, 0 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 8, two, free_mb, vcpus);
    assert_int_equal(place(&f, 256, 5, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x1a);
    assert_int_equal(c.nr_nodes, 3);
    assert_int_equal(c.nr_cpus, 6);
    assert_int_equal(c.nr_vcpus, 0);
    /* even when a single node would have the memory and fewer vCPUs than
     * any triple: the size comes from the CPUs */
    f.vcpus[1] = f.vcpus[3] = f.vcpus[4] = f.vcpus[6] = f.vcpus[7] = 1;
    assert_int_equal(place(&f, 256, 5, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nr_nodes, 3);
    /* node 2 has 1 vCPU as well: {1,2,3} is the first triple of 3 */
    assert_int_equal(c.nr_vcpus, 3);
    assert_int_equal(c.nodes, 0xe);
}

/* Nodes with different CPU counts: libxl starts at one node and skips a
 * node with fewer CPUs than vCPUs (node 0, 2 CPUs, for 3 vCPUs). */
static void uneven_nodes_start_at_one_and_need_the_cpus(void **state)
{
    static const int cpus[] = { 2, 4 };
    static const unsigned free_mb[] = { 4000, 1000 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 2, cpus, free_mb, NULL);
    assert_int_equal(place(&f, 256, 3, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x2);
    assert_int_equal(c.nr_cpus, 4);
    /* 2 vCPUs: both fit, node 0 has more memory */
    assert_int_equal(place(&f, 256, 2, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x1);
}

/* A pool with the CPUs of nodes 2 and 3 only: node 0's memory is out of
 * reach; and a pool with one of node 1's CPUs plus node 3: node 1 counts 1
 * CPU, too few for 2 vCPUs. */
static void the_pool_limits_the_nodes(void **state)
{
    static const unsigned free_mb[] = { 4000, 100, 300, 200 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 4, two, free_mb, NULL);
    memset(f.pool, 0, sizeof(f.pool));
    f.pool[0] = 0xf0;                       /* CPUs 4-7: nodes 2 and 3 */
    assert_int_equal(place(&f, 150, 1, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x4);
    assert_int_equal(pv_numa_cpus_to_nodes(&f.h, f.pool, sizeof(f.pool)), 0xc);

    f.free[1] = 3000 * MB;
    f.pool[0] = 0xc4;                       /* CPU 2 (node 1), 6-7 (node 3) */
    assert_int_equal(place(&f, 150, 2, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x8);
    assert_int_equal(c.nr_cpus, 2);
    /* with 1 vCPU node 1's single CPU is enough, and it has more memory */
    assert_int_equal(place(&f, 150, 1, &c), PV_NUMA_FOUND);
    assert_int_equal(c.nodes, 0x2);
    assert_int_equal(c.nr_cpus, 1);
}

static void no_candidate_one_node_and_too_many_nodes(void **state)
{
    static const unsigned free_mb[17] = { 100, 100, 100, 100, 100, 100, 100,
        100, 100, 100, 100, 100, 100, 100, 100, 100, 100 };
    struct pv_numa_candidate c;
    struct fake f;

    host(&f, 2, two, free_mb, NULL);
    assert_int_equal(place(&f, 201, 1, &c), PV_NUMA_NOT_FOUND);
    /* 5 vCPUs on 4 CPUs: even both nodes have too few */
    assert_int_equal(place(&f, 10, 5, &c), PV_NUMA_NOT_FOUND);
    host(&f, 1, two, free_mb, NULL);
    assert_int_equal(place(&f, 10, 1, &c), PV_NUMA_SINGLE_NODE);
    host(&f, 17, two, free_mb, NULL);
    assert_int_equal(place(&f, 10, 1, &c), PV_NUMA_TOO_MANY_NODES);
    host(&f, 16, two, free_mb, NULL);
    assert_int_equal(place(&f, 10, 1, &c), PV_NUMA_FOUND);
}

/* nr_vcpus_on_nodes: a vCPU counts once on each node that has a CPU of its
 * hard affinity within the placement CPUs and its pool, and that its
 * domain's node affinity includes. */
static void vcpus_on_nodes_as_libxl_counts_them(void **state)
{
    static const unsigned free_mb[] = { 1, 1, 1, 1 };
    uint8_t all = 0xff, pool01 = 0x0f, node1 = 0x02, node23 = 0x0c;
    uint8_t hard[3] = { 0xff, 0x04, 0x30 };  /* all; CPU 2; CPUs 4-5 */
    uint8_t beyond[2] = { 0x00, 0x01 };      /* CPU 8: past the topology */
    struct pv_numa_dom doms[] = {
        { &all, 1, &all, 1, 3, hard, 1 },       /* every node it may */
        { &pool01, 1, &all, 1, 3, hard, 1 },    /* pool: nodes 0-1 */
        { &all, 1, &node1, 1, 3, hard, 1 },     /* node affinity: 1 */
        { &all, 1, &node23, 1, 1, beyond, 2 },  /* counts nowhere */
    };
    struct fake f;

    host(&f, 4, two, free_mb, NULL);
    pv_numa_count_vcpus(&f.h, f.pool, sizeof(f.pool), doms, 4);
    /* dom 0: vCPU0 on 0,1,2,3; vCPU1 on 1; vCPU2 on 2
     * dom 1: vCPU0 on 0,1;     vCPU1 on 1; vCPU2 nowhere
     * dom 2: vCPU0 on 1;       vCPU1 on 1; vCPU2 nowhere */
    assert_int_equal(f.vcpus[0], 2);
    assert_int_equal(f.vcpus[1], 6);
    assert_int_equal(f.vcpus[2], 2);
    assert_int_equal(f.vcpus[3], 1);
    /* the placement CPUs limit it too */
    memset(f.vcpus, 0, sizeof(f.vcpus));
    memset(f.pool, 0, sizeof(f.pool));
    f.pool[0] = 0x03;
    pv_numa_count_vcpus(&f.h, f.pool, sizeof(f.pool), doms, 1);
    assert_int_equal(f.vcpus[0], 1);
    assert_int_equal(f.vcpus[1] + f.vcpus[2] + f.vcpus[3], 0);
}

static void nodes_to_cpus_and_back(void **state)
{
    static const int cpus[] = { 2, 3, 1 };
    static const unsigned free_mb[] = { 1, 1, 1 };
    uint8_t map[2];
    struct fake f;

    host(&f, 3, cpus, free_mb, NULL);
    f.node[5] = PV_NUMA_NO_NODE;            /* node 2's CPU went away */
    pv_numa_nodes_to_cpus(&f.h, 0x6, map, sizeof(map));
    assert_int_equal(map[0], 0x1c);
    assert_int_equal(map[1], 0);
    map[0] = 0x21;                          /* CPUs 0 and 5 */
    assert_int_equal(pv_numa_cpus_to_nodes(&f.h, map, 1), 0x1);
}

/* libxl__domain_need_memory_calculate with the create defaults:
 * target + paging (4 KB * (256 * vcpus + pages per MB)) + extra, rounded
 * up to 2 MB. */
static void need_memory_as_libxl(void **state)
{
    /* PV 512 MB, 1 vCPU: 524288 + 4*(256 + 512) + 1024 = 528384 (2 MB
     * multiple already) */
    assert_int_equal(pv_numa_need_memkb(true, 524288, 524288, 1, false,
                                        PV_MEMKB_DEFAULT, PV_MEMKB_DEFAULT,
                                        false), 528384);
    /* PV 32 MB, maxmem 64, 1 vCPU: 32768 + 4*(256 + 64) + 1024 = 35072
     * -> 36864 */
    assert_int_equal(pv_numa_need_memkb(true, 32768, 65536, 1, false,
                                        PV_MEMKB_DEFAULT, PV_MEMKB_DEFAULT,
                                        false), 36864);
    /* PVH with HAP, 512 MB, 2 vCPUs: 524288 + 4*(512 + 512) + 2048 =
     * 530432 */
    assert_int_equal(pv_numa_need_memkb(false, 524288, 524288, 2, true,
                                        PV_MEMKB_DEFAULT, PV_MEMKB_DEFAULT,
                                        false), 530432);
    /* PVH shadow: 2 pages per MB: 524288 + 4*(256 + 1024) + 2048 = 531456
     * -> 532480 */
    assert_int_equal(pv_numa_need_memkb(false, 524288, 524288, 1, false,
                                        PV_MEMKB_DEFAULT, PV_MEMKB_DEFAULT,
                                        false), 532480);
    /* shadow_memory= given: 32768 + 8192 + 1024 = 41984 -> 43008 */
    assert_int_equal(pv_numa_need_memkb(true, 32768, 32768, 4, false, 8192,
                                        PV_MEMKB_DEFAULT, false), 43008);
    /* sync_pt IOMMU tables for 4 GB: 1048576 pages -> 2048 + 4 + 1 + 1;
     * 4194304 + 8216 + 1024 = 4203544 -> 4204544 */
    assert_int_equal(pv_numa_need_memkb(true, 4194304, 4194304, 1, false, 0,
                                        PV_MEMKB_DEFAULT, true),
                     4204544);
}

static void cmp_is_numa_cmpf(void **state)
{
    struct pv_numa_candidate a = { .nr_vcpus = 1, .free_memkb = 100 };
    struct pv_numa_candidate b = { .nr_vcpus = 2, .free_memkb = 900 };

    assert_true(pv_numa_cmp(&a, &b) < 0);
    b.nr_vcpus = 1;
    assert_true(pv_numa_cmp(&b, &a) < 0);
    b.free_memkb = 100;
    assert_int_equal(pv_numa_cmp(&a, &b), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_nodes_more_free_memory_wins),
        cmocka_unit_test(fewer_vcpus_beat_more_free_memory),
        cmocka_unit_test(nodes_short_of_memory_are_skipped),
        cmocka_unit_test(no_single_node_fits_so_pairs_are_tried),
        cmocka_unit_test(ties_keep_the_first_combination),
        cmocka_unit_test(eight_nodes_start_at_enough_cpus),
        cmocka_unit_test(uneven_nodes_start_at_one_and_need_the_cpus),
        cmocka_unit_test(the_pool_limits_the_nodes),
        cmocka_unit_test(no_candidate_one_node_and_too_many_nodes),
        cmocka_unit_test(vcpus_on_nodes_as_libxl_counts_them),
        cmocka_unit_test(nodes_to_cpus_and_back),
        cmocka_unit_test(need_memory_as_libxl),
        cmocka_unit_test(cmp_is_numa_cmpf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
