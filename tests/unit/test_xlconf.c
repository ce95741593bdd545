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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_file_is_defaults),
        cmocka_unit_test(keys_and_precedence),
        cmocka_unit_test(bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
