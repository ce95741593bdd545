/* libxl sizes CPU maps in whole bytes: on a 2-CPU host "all" is 0-7 and
 * bits up to 7 can be set -- what Debian's xl printed on real Xen in the
 * sandbox (2 CPUs).  A regression test for our first version, which
 * stopped at the CPU count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/domcfg_test_util.h"

static void all_fills_whole_bytes(void **state)
{
    struct pv_cpu_topology t = { .max_cpus = 2, .nr_nodes = 1 };
    struct pv_bitmap b = { 0, NULL };
    char err[128];

    assert_int_equal(pv_cpumap_bits(&t), 8);
    t.max_cpus = 9;
    assert_int_equal(pv_cpumap_bits(&t), 16);
    t.max_cpus = 2;
    pv_bitmap_alloc(&b, 2);
    assert_int_equal(pv_cpulist_parse("all", &b, &t, err, sizeof(err)), 0);
    assert_int_equal(pv_bitmap_count(&b), 8);
    pv_bitmap_dispose(&b);
    pv_bitmap_alloc(&b, 2);
    assert_int_equal(pv_cpulist_parse("0-63,^6", &b, &t, err, sizeof(err)), 0);
    assert_int_equal(pv_bitmap_count(&b), 7);
    assert_false(pv_bitmap_test(&b, 8));
    pv_bitmap_dispose(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_fills_whole_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
