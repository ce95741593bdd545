/* Pure parts of the PV lifecycle: how xl.cfg settings become builder
 * params (libxl's defaults), the cmdline rule, action names, memory sizes,
 * and the userdata files Debian's xl reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "libxl/cfg.h"
#include "libxl/dom.h"
#include "libxl/domcfg_parse.h"
#include "xl/domain_cmd.h"
#include "xl/domain_create.h"

static int params_of(const char *text, struct pv_dom_params *p)
{
    struct pv_parse_opts o;
    struct pv_domain_config d;
    struct pv_cfg *cfg = NULL;
    int rc;

    pv_parse_opts_init(&o);
    o.no_random_uuid = true;
    assert_int_equal(pv_cfg_parse("test.cfg", text, strlen(text), stderr,
                                  &cfg), 0);
    assert_int_equal(pv_domain_config_from_cfg(cfg, &o, &d, stderr), 0);
    rc = xl_params_from_config(&d, p);
    pv_domain_config_dispose(&d);
    pv_cfg_free(cfg);
    return rc;
}

static void config_maps_to_params_with_xl_defaults(void **state)
{
    struct pv_dom_params p;

    assert_int_equal(params_of("name='g'\nkernel='/k'\nramdisk='/r'\n"
                               "root='/dev/xvda1'\nextra='quiet'\n"
                               "memory=256\nvcpus=2\nmaxvcpus=4\n"
                               "on_reboot='preserve'\n", &p), 0);
    assert_string_equal(p.name, "g");
    assert_string_equal(p.kernel, "/k");
    assert_string_equal(p.ramdisk, "/r");
    assert_string_equal(p.cmdline, "root=/dev/xvda1 quiet");
    assert_int_equal(p.type, PV_DOM_PV);
    assert_int_equal(p.target_kb, 256 * 1024);
    assert_int_equal(p.max_kb, 256 * 1024);      /* maxmem defaults to memory */
    assert_int_equal(p.max_vcpus, 4);
    assert_int_equal(p.avail_vcpus, 2);
    assert_int_equal(p.on_reboot, PV_ACT_PRESERVE);
    assert_int_equal(p.on_poweroff, PV_ACT_DESTROY);
    assert_non_null(p.json);
    assert_non_null(strstr(p.json, "\"c_info\""));
    pv_dom_params_dispose(&p);

    /* nothing said about memory or vcpus: libxl's 32 MB and 1 vcpu */
    assert_int_equal(params_of("name='h'\nkernel='/k'\n", &p), 0);
    assert_int_equal(p.target_kb, 32 * 1024);
    assert_int_equal(p.max_kb, 32 * 1024);
    assert_int_equal(p.max_vcpus, 1);
    assert_int_equal(p.avail_vcpus, 1);
    assert_null(p.ramdisk);
    pv_dom_params_dispose(&p);
}

static void devices_and_hvm_are_refused_not_ignored(void **state)
{
    struct pv_dom_params p;

    /* disk= and vif= are set up by libxl/devices.h now; other device
     * kinds are still refused. */
    assert_int_equal(params_of("name='g'\nkernel='/k'\n"
                               "vfb=['vnc=1']\n", &p), -1);
    pv_dom_params_dispose(&p);
    assert_int_equal(params_of("name='g'\nkernel='/k'\n"
                               "disk=['/img,raw,xvda,rw']\n", &p), 0);
    pv_dom_params_dispose(&p);
    assert_int_equal(params_of("name='g'\ntype='hvm'\n", &p), -1);
    pv_dom_params_dispose(&p);
}

static void cmdline_combines_as_xl(void **state)
{
    char *s;

    s = pv_dom_combine_cmdline(NULL, "/dev/xvda", "ro");
    assert_string_equal(s, "root=/dev/xvda ro");
    free(s);
    s = pv_dom_combine_cmdline(NULL, "/dev/xvda", NULL);
    assert_string_equal(s, "root=/dev/xvda");
    free(s);
    s = pv_dom_combine_cmdline(NULL, NULL, "quiet");
    assert_string_equal(s, "quiet");
    free(s);
    s = pv_dom_combine_cmdline("console=hvc0", "/dev/xvda", "x");
    assert_string_equal(s, "console=hvc0");     /* cmdline wins */
    free(s);
    assert_null(pv_dom_combine_cmdline(NULL, NULL, NULL));
}

static void actions_round_trip(void **state)
{
    static const char *names[] = { "destroy", "restart", "rename-restart",
        "preserve", "coredump-destroy", "coredump-restart", "soft-reset" };
    enum pv_dom_action a;
    unsigned i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(pv_dom_action_parse(names[i], &a), 0);
        assert_int_equal(a, i + 1);                 /* libxl's values */
        assert_string_equal(pv_dom_action_name(a), names[i]);
    }
    assert_int_equal(pv_dom_action_parse("reboot", &a), -1);
}

static void memory_sizes_as_xl(void **state)
{
    assert_int_equal(xl_parse_mem_kb("128"), 128 * 1024);   /* MB default */
    assert_int_equal(xl_parse_mem_kb("128m"), 128 * 1024);
    assert_int_equal(xl_parse_mem_kb("1G"), 1024 * 1024);
    assert_int_equal(xl_parse_mem_kb("2t"), 2LL * 1024 * 1024 * 1024);
    assert_int_equal(xl_parse_mem_kb("4096k"), 4096);
    assert_int_equal(xl_parse_mem_kb("1048576b"), 1024);
    assert_int_equal(xl_parse_mem_kb("12x"), -1);
    assert_int_equal(xl_parse_mem_kb("12mb"), -1);
    assert_int_equal(xl_parse_mem_kb("junk"), -1);
    assert_int_equal(xl_parse_mem_kb("-5"), -1);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return n;
}

static void userdata_files_are_libxls(void **state)
{
    char dir[] = "/tmp/pvstack-userdata-XXXXXX";
    uint8_t u[16], u2[16];
    char *path, *data;

    assert_non_null(mkdtemp(dir));
    pv_userdata_dir = dir;
    assert_int_equal(pv_uuid_parse("0123abcd-0000-4000-8000-00000000beef", u), 0);
    path = pv_userdata_path(7, u, "libxl-json");
    assert_non_null(strstr(path, "/userdata-d.7.0123abcd-0000-4000-8000-00000000beef.libxl-json"));
    assert_int_equal(pv_userdata_store(7, u, "libxl-json", "{}", 2), 0);
    assert_int_equal(access(path, R_OK), 0);
    free(path);
    /* no temporary "n" file is left */
    assert_int_equal(count_files(dir), 1);

    memcpy(u2, u, 16);
    u2[15] = 0xef;
    assert_int_equal(pv_userdata_store(17, u2, "libxl-json", "[1]", 3), 0);
    assert_int_equal(pv_userdata_store(7, u, "xl", "cfg", 3), 0);

    data = pv_userdata_load(7, "libxl-json");
    assert_string_equal(data, "{}");
    free(data);
    data = pv_userdata_load(17, "libxl-json");
    assert_string_equal(data, "[1]");       /* 17 is not confused with 7 */
    free(data);
    assert_null(pv_userdata_load(8, "libxl-json"));

    pv_userdata_remove_all(7);              /* every key of domain 7 only */
    assert_null(pv_userdata_load(7, "libxl-json"));
    assert_null(pv_userdata_load(7, "xl"));
    assert_int_equal(count_files(dir), 1);
    pv_userdata_remove_all(17);
    assert_int_equal(count_files(dir), 0);
    rmdir(dir);
    pv_userdata_dir = "/var/lib/xen";
}

static void minimal_json_is_valid_and_libxl_shaped(void **state)
{
    struct pv_dom_params p;
    const char *name_path[] = { "c_info", "name", NULL };
    const char *kern_path[] = { "b_info", "kernel", NULL };
    const char *vcpu_path[] = { "b_info", "avail_vcpus", NULL };
    char err[256];
    yajl_val v, n;
    char *json;

    pv_dom_params_init(&p);
    p.name = strdup("we\"ird");
    p.kernel = strdup("/boot/k");
    p.max_vcpus = 4;
    p.avail_vcpus = 2;
    json = pv_dom_params_json(&p, 3);
    assert_non_null(json);
    v = yajl_tree_parse(json, err, sizeof(err));
    assert_non_null(v);
    n = yajl_tree_get(v, name_path, yajl_t_string);
    assert_non_null(n);
    assert_string_equal(YAJL_GET_STRING(n), "we\"ird");
    n = yajl_tree_get(v, kern_path, yajl_t_string);
    assert_string_equal(YAJL_GET_STRING(n), "/boot/k");
    n = yajl_tree_get(v, vcpu_path, yajl_t_array);
    assert_int_equal(YAJL_GET_ARRAY(n)->len, 2);
    yajl_tree_free(v);
    free(json);
    pv_dom_params_dispose(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_maps_to_params_with_xl_defaults),
        cmocka_unit_test(devices_and_hvm_are_refused_not_ignored),
        cmocka_unit_test(cmdline_combines_as_xl),
        cmocka_unit_test(actions_round_trip),
        cmocka_unit_test(memory_sizes_as_xl),
        cmocka_unit_test(userdata_files_are_libxls),
        cmocka_unit_test(minimal_json_is_valid_and_libxl_shaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
