/* CPU list parsing (see cpulist.h).  libxl sizes a CPU map in whole bytes
 * (libxl_cpu_bitmap_alloc: the host's CPU count rounded up to a multiple of
 * 8) and silently drops bits beyond that, while "all" fills every byte.  We
 * keep exactly that, so on a 2-CPU host "all" is CPUs 0-7 and "0-63" is 0-7
 * in both toolstacks' JSON (verified with Debian's xl on real Xen in the
 * sandbox, which has 2 CPUs). */
#include "libxl/cpulist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned pv_cpumap_bits(const struct pv_cpu_topology *topo)
{
    return (topo->max_cpus + 7) / 8 * 8;
}

int pv_parse_range(const char *s, unsigned long *a, unsigned long *b)
{
    char *end;

    *a = *b = strtoul(s, &end, 10);
    if (end == s || *a == ULONG_MAX)
        return -1;
    if (*end == '-') {
        const char *n = end + 1;

        *b = strtoul(n, &end, 10);
        if (end == n || *b == ULONG_MAX || *b < *a)
            return -1;
    }
    return *end ? -1 : 0;
}

static void set_bit_limited(struct pv_bitmap *map, unsigned long bit,
                            unsigned max, bool on)
{
    if (bit >= max)
        return;
    if (on)
        pv_bitmap_set(map, (unsigned)bit);
    else
        pv_bitmap_reset(map, (unsigned)bit);
}

static int apply_item(const char *item, struct pv_bitmap *map,
                      const struct pv_cpu_topology *topo,
                      char *err, size_t errlen)
{
    const char *s = item;
    bool remove = false, nodes = false;
    unsigned long a, b, i;
    unsigned max = pv_cpumap_bits(topo);

    if (*s == '^') {
        remove = true;
        s++;
    }
    if (!strncmp(s, "node:", 5)) {
        nodes = true;
        s += 5;
    } else if (!strncmp(s, "nodes:", 6)) {
        nodes = true;
        s += 6;
    }
    if (!strcmp(s, "all")) {
        if (remove) {
            snprintf(err, errlen, "can't combine \"^\" and \"all\" in `%s'",
                     item);
            return -1;
        }
        for (i = 0; i < max; i++)
            pv_bitmap_set(map, (unsigned)i);
        return 0;
    }
    if (pv_parse_range(s, &a, &b)) {
        snprintf(err, errlen, "invalid cpu range `%s' (expected N, N-M, "
                 "all, ^N, nodes:N)", item);
        return -1;
    }
    /* bits past the host's CPUs are dropped anyway: stop there, so a
     * range like 0-4000000000 costs nothing */
    for (i = a; i <= b && (nodes || i < max); i++) {
        if (!nodes) {
            set_bit_limited(map, i, max, !remove);
            continue;
        }
        if (i >= (topo->nr_nodes ? topo->nr_nodes : 1)) {
            snprintf(err, errlen, "NUMA node %lu does not exist (host has "
                     "%u) in `%s'", i, topo->nr_nodes ? topo->nr_nodes : 1,
                     item);
            return -1;
        }
        if (topo->node_to_cpus) {
            struct pv_bitmap node = { 0, NULL };
            unsigned c;

            if (pv_bitmap_alloc(&node, max) ||
                topo->node_to_cpus((unsigned)i, &node, topo->opaque)) {
                pv_bitmap_dispose(&node);
                snprintf(err, errlen, "cannot get the CPUs of node %lu", i);
                return -1;
            }
            for (c = 0; c < node.size * 8; c++)
                if (pv_bitmap_test(&node, c))
                    set_bit_limited(map, c, max, !remove);
            pv_bitmap_dispose(&node);
        } else {
            unsigned c;

            for (c = 0; c < max; c++)
                set_bit_limited(map, c, max, !remove);
        }
        if (i == ULONG_MAX)
            break;
    }
    return 0;
}

int pv_cpulist_parse(const char *list, struct pv_bitmap *map,
                     const struct pv_cpu_topology *topo,
                     char *err, size_t errlen)
{
    char *copy = strdup(list), *save = NULL, *item;
    int rc = 0;

    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        rc = apply_item(item, map, topo, err, errlen);
        if (rc)
            break;
    }
    free(copy);
    return rc;
}
