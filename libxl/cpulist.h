/* CPU list syntax of xl.cfg cpus=/cpus_soft= and xl vcpu-pin:
 * comma-separated items, each "all", "N", "N-M", optionally prefixed with
 * "^" (remove instead of add) and/or "node:"/"nodes:" (whole NUMA nodes).
 * Items apply left to right: "0-7,^3" is 0-2,4-7.  Same results as Xen
 * 4.17's parse_cpurange. */
#ifndef PV_CPULIST_H
#define PV_CPULIST_H

#include <stddef.h>

#include "libxl/domcfg.h"

struct pv_cpu_topology {
    unsigned max_cpus;      /* host CPUs; maps hold this rounded up to 8 */
    unsigned nr_nodes;
    /* CPUs of NUMA node N into OUT (already allocated); NULL means one
     * node 0 holding every CPU. */
    int (*node_to_cpus)(unsigned node, struct pv_bitmap *out, void *opaque);
    void *opaque;
};

/* Apply LIST to MAP (bits are added to / removed from what is there).
 * On error returns -1 and writes a one-line reason naming the bad item to
 * ERR (ERRLEN bytes). */
int pv_cpulist_parse(const char *list, struct pv_bitmap *map,
                     const struct pv_cpu_topology *topo,
                     char *err, size_t errlen);

/* Bits in a CPU map for TOPO, as libxl_cpu_bitmap_alloc sizes it: the CPU
 * count rounded up to a whole byte.  "all" sets all of them. */
unsigned pv_cpumap_bits(const struct pv_cpu_topology *topo);

/* "N" or "N-M" (decimal, N <= M), nothing after: xl's parse_range. */
int pv_parse_range(const char *s, unsigned long *a, unsigned long *b);

#endif
