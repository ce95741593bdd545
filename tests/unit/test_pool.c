/* The pure parts of pool= and of xl.conf's global affinity masks:
 * resolving a pool qualifier (libxl_cpupool_qualifier_to_cpupoolid +
 * libxl_cpupoolid_is_valid) and narrowing one hard affinity map as
 * `xl vcpu-pin` does without -i. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/dom_sched.h"
#include "libxl/xlconf.h"

static struct pv_pool pools[] = {
    { 0, 6, "Pool-0" },
    { 1, 5, "p1" },
    { 3, 5, "42" },     /* a pool may be named like a number */
};

static void pool_by_name_and_number(void **state)
{
    uint32_t id = 99;

    assert_int_equal(pv_pool_find(pools, 3, "p1", &id), 0);
    assert_int_equal(id, 1);
    assert_int_equal(pv_pool_find(pools, 3, "Pool-0", &id), 0);
    assert_int_equal(id, 0);
    /* all digits: an id, whatever the names say */
    assert_int_equal(pv_pool_find(pools, 3, "3", &id), 0);
    assert_int_equal(id, 3);
    assert_int_equal(pv_pool_find(pools, 3, "0", &id), 0);
    assert_int_equal(id, 0);
}

static void unknown_pools_are_refused(void **state)
{
    uint32_t id = 99;

    assert_int_equal(pv_pool_find(pools, 3, "nosuch", &id), -1);
    assert_int_equal(pv_pool_find(pools, 3, "P1", &id), -1);   /* exact */
    assert_int_equal(pv_pool_find(pools, 3, "2", &id), -1);    /* no pool 2 */
    assert_int_equal(pv_pool_find(pools, 3, "42", &id), -1);   /* id 42 */
    assert_int_equal(pv_pool_find(pools, 3, "99999999999", &id), -1);
    assert_int_equal(pv_pool_find(pools, 3, "", &id), -1);
    assert_int_equal(pv_pool_find(NULL, 0, "p1", &id), -1);
    assert_int_equal(id, 99);   /* untouched on failure */
}

static void map_of(struct pv_bitmap *b, const char *bits)
{
    unsigned i;

    assert_int_equal(pv_bitmap_alloc(b, 8), 0);
    for (i = 0; bits[i]; i++)
        if (bits[i] == '1')
            pv_bitmap_set(b, i);
}

static void bits_are(const struct pv_bitmap *b, const char *bits)
{
    unsigned i;

    for (i = 0; i < 8; i++)
        assert_int_equal(pv_bitmap_test(b, i), bits[i] == '1');
}

static void pin_masks(void **state)
{
    struct pv_xl_conf c;
    struct pv_bitmap b;

    pv_xl_conf_init(&c);
    c.parse.topo.max_cpus = 8;
    c.vm_cpumask = strdup("1-6");
    c.vm_pv_cpumask = strdup("0-3");
    c.vm_hvm_cpumask = strdup("4-7");

    map_of(&b, "11111111");     /* "all" for a PV domain: both masks */
    assert_int_equal(pv_xl_conf_mask_hard(&c, true, &b, NULL), 0);
    bits_are(&b, "01110000");
    pv_bitmap_dispose(&b);

    map_of(&b, "11111111");     /* PVH and HVM: vm.hvm.cpumask */
    assert_int_equal(pv_xl_conf_mask_hard(&c, false, &b, NULL), 0);
    bits_are(&b, "00001110");
    pv_bitmap_dispose(&b);

    map_of(&b, "10000001");     /* outside every mask: empty, refused */
    assert_int_equal(pv_xl_conf_mask_hard(&c, true, &b, NULL), 1);
    pv_bitmap_dispose(&b);

    free(c.vm_pv_cpumask);      /* without a type mask: vm.cpumask only */
    c.vm_pv_cpumask = NULL;
    map_of(&b, "11000001");
    assert_int_equal(pv_xl_conf_mask_hard(&c, true, &b, NULL), 0);
    bits_are(&b, "01000000");
    pv_bitmap_dispose(&b);

    free(c.vm_cpumask);         /* a mask that does not parse */
    c.vm_cpumask = strdup("1-x");
    map_of(&b, "11000001");
    assert_int_equal(pv_xl_conf_mask_hard(&c, true, &b, NULL), -1);
    pv_bitmap_dispose(&b);
    pv_xl_conf_dispose(&c);
}

static void create_masks_fail_with_xls_words(void **state)
{
    struct pv_xl_conf c;
    struct pv_domain_config d;
    char *text = NULL;
    size_t len = 0;
    FILE *diag = open_memstream(&text, &len);

    pv_xl_conf_init(&c);
    c.parse.topo.max_cpus = 8;
    c.vm_cpumask = strdup("2");
    pv_domain_config_init(&d);
    d.b_info.type = PV_DOMAIN_TYPE_PVH;
    d.b_info.max_vcpus = 1;
    d.b_info.vcpu_hard_affinity = calloc(1, sizeof(struct pv_bitmap));
    d.b_info.num_vcpu_hard_affinity = 1;
    map_of(&d.b_info.vcpu_hard_affinity[0], "11000000");
    assert_int_equal(pv_xl_conf_apply_affinity_masks(&c, &d, diag), -1);
    fclose(diag);
    assert_non_null(strstr(text, "vcpu hard affinity map is empty"));
    assert_non_null(strstr(text, "vm.hvm.cpumask"));
    free(text);
    pv_domain_config_dispose(&d);
    pv_xl_conf_dispose(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pool_by_name_and_number),
        cmocka_unit_test(unknown_pools_are_refused),
        cmocka_unit_test(pin_masks),
        cmocka_unit_test(create_masks_fail_with_xls_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
