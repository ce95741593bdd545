/* /etc/xen/xl.conf: keys, precedence of the deprecated names, bad values,
 * and a missing file meaning xl's defaults. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libxl/xlconf.h"

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/pv-xlconf-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void missing_file_is_defaults(void **state)
{
    struct pv_xl_conf c;

    pv_xl_conf_init(&c);
    assert_int_equal(pv_xl_conf_load(&c, "/nonexistent/xl.conf", NULL), 0);
    assert_true(c.parse.run_hotplug_scripts);
    assert_true(c.parse.claim_mode);
    assert_int_equal(c.parse.max_grant_frames, -1);
    assert_null(c.parse.default_bridge);
    assert_int_equal(c.autoballoon, -1);
    pv_xl_conf_dispose(&c);
}

static void keys_and_precedence(void **state)
{
    char *p = write_tmp("defaultbridge = 'old'\nvif.default.bridge = 'new'\n"
                        "vifscript = 's1'\nautoballoon = 'off'\n"
                        "claim_mode = 0\nblkdev_start = 'xvdb'\n"
                        "vif.default.backend = 'netdom'\n"
                        "vif.default.gatewaydev = 'eth0'\n"
                        "max_maptrack_frames = 0x100\nlockfile = '/run/l'\n"
                        "vm.cpumask = '0-3'\n");
    struct pv_xl_conf c;
    char *diag = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&diag, &len);

    pv_xl_conf_init(&c);
    assert_int_equal(pv_xl_conf_load(&c, p, f), 0);
    fclose(f);
    assert_string_equal(c.parse.default_bridge, "new");
    assert_string_equal(c.parse.default_vifscript, "s1");
    assert_string_equal(c.parse.default_vifbackend, "netdom");
    assert_string_equal(c.parse.default_gatewaydev, "eth0");
    assert_string_equal(c.parse.blkdev_start, "xvdb");
    assert_false(c.parse.claim_mode);
    assert_int_equal(c.parse.max_maptrack_frames, 256);
    assert_int_equal(c.autoballoon, 0);
    assert_string_equal(c.lockfile, "/run/l");
    assert_string_equal(c.vm_cpumask, "0-3");
    assert_non_null(strstr(diag, "`defaultbridge' is deprecated"));
    assert_non_null(strstr(diag, "`vifscript' is deprecated"));
    pv_xl_conf_dispose(&c);
    free(diag);
    unlink(p);
    free(p);
}

static void bad_values(void **state)
{
    char *p = write_tmp("max_grant_frames = 'many'\n");
    struct pv_xl_conf c;
    char *diag = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&diag, &len);

    pv_xl_conf_init(&c);
    assert_int_equal(pv_xl_conf_load(&c, p, f), -1);
    fclose(f);
    assert_non_null(strstr(diag, ":1:20: error: `max_grant_frames' must be "
                           "a number from 0 to"));
    pv_xl_conf_dispose(&c);
    free(diag);
    unlink(p);
    free(p);
}

static void affinity_masks(void **state)
{
    struct pv_xl_conf c;
    struct pv_domain_config d;
    unsigned i;

    pv_xl_conf_init(&c);
    c.parse.topo.max_cpus = 8;
    c.vm_cpumask = strdup("0-5");
    c.vm_pv_cpumask = strdup("^0,all,^1");  /* left to right: 0,2-7 */
    pv_domain_config_init(&d);
    d.b_info.type = PV_DOMAIN_TYPE_PV;
    d.b_info.max_vcpus = 2;
    assert_int_equal(pv_xl_conf_apply_affinity_masks(&c, &d, NULL), 0);
    assert_int_equal(d.b_info.num_vcpu_hard_affinity, 2);
    for (i = 0; i < 8; i++)
        assert_int_equal(pv_bitmap_test(&d.b_info.vcpu_hard_affinity[1], i),
                         i == 0 || (i >= 2 && i <= 5));
    pv_domain_config_dispose(&d);

    /* HVM uses vm.hvm.cpumask (unset: full) */
    pv_domain_config_init(&d);
    d.b_info.type = PV_DOMAIN_TYPE_HVM;
    d.b_info.max_vcpus = 1;
    assert_int_equal(pv_xl_conf_apply_affinity_masks(&c, &d, NULL), 0);
    assert_int_equal(pv_bitmap_count(&d.b_info.vcpu_hard_affinity[0]), 6);
    pv_domain_config_dispose(&d);

    /* an affinity outside the masks is an error */
    pv_domain_config_init(&d);
    d.b_info.type = PV_DOMAIN_TYPE_PV;
    d.b_info.max_vcpus = 1;
    d.b_info.vcpu_hard_affinity = calloc(1, sizeof(struct pv_bitmap));
    d.b_info.num_vcpu_hard_affinity = 1;
    pv_bitmap_set(&d.b_info.vcpu_hard_affinity[0], 7);
    assert_int_equal(pv_xl_conf_apply_affinity_masks(&c, &d, NULL), -1);
    pv_domain_config_dispose(&d);

    /* full masks leave a domain without affinity alone */
    free(c.vm_cpumask);
    free(c.vm_pv_cpumask);
    c.vm_cpumask = c.vm_pv_cpumask = NULL;
    pv_domain_config_init(&d);
    d.b_info.type = PV_DOMAIN_TYPE_PV;
    d.b_info.max_vcpus = 4;
    assert_int_equal(pv_xl_conf_apply_affinity_masks(&c, &d, NULL), 0);
    assert_int_equal(d.b_info.num_vcpu_hard_affinity, 0);
    pv_domain_config_dispose(&d);
    pv_xl_conf_dispose(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_file_is_defaults),
        cmocka_unit_test(keys_and_precedence),
        cmocka_unit_test(bad_values),
        cmocka_unit_test(affinity_masks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
