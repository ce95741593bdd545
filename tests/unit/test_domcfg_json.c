/* libxl-compatible JSON: omission of defaults, enum/defbool/bitmap/uuid/
 * mac/u64 forms, keyed unions, formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/domcfg_json.h"
#include "tests/unit/domcfg_test_util.h"

#include <glob.h>

static void empty_disk_is_empty_map(void **state)
{
    struct pv_device_disk d;
    char *j;

    pv_device_disk_init(&d);
    j = pv_device_disk_to_json(&d);
    /* yajl's beautifier prints an empty map as "{\n\n}" -- as libxl */
    assert_string_equal(j, "{\n\n}\n");
    free(j);
    pv_device_disk_dispose(&d);
}

static void nic_fields_and_forms(void **state)
{
    struct pv_device_nic n;
    char *j;

    pv_device_nic_init(&n);
    n.devid = 0;                        /* != init -1: printed */
    memcpy(n.mac, "\x00\x16\x3e\xab\x0c\x01", 6);
    n.bridge = strdup("xenbr0");
    n.nictype = PV_NIC_TYPE_VIF_IOEMU;
    n.rate_bytes_per_interval = 18446744073709551615ULL;
    pv_defbool_set(&n.trusted, false);
    j = pv_device_nic_to_json(&n);
    assert_string_equal(j,
        "{\n"
        "    \"devid\": 0,\n"
        "    \"mac\": \"00:16:3e:ab:0c:01\",\n"
        "    \"bridge\": \"xenbr0\",\n"
        "    \"nictype\": \"vif_ioemu\",\n"
        "    \"rate_bytes_per_interval\": 18446744073709551615,\n"
        "    \"trusted\": \"False\"\n"
        "}\n");
    free(j);
    pv_device_nic_dispose(&n);
}

static void config_aggregates_unions_bitmaps(void **state)
{
    struct pv_domain_config c;
    struct pv_device_channel *ch;
    char *j;

    pv_domain_config_init(&c);
    c.c_info.type = PV_DOMAIN_TYPE_HVM;
    c.b_info.type = PV_DOMAIN_TYPE_HVM;
    pv_uuid_parse("3b9c2d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", c.c_info.uuid);
    pv_string_list_append(&c.c_info.xsdata, "k");
    pv_string_list_append(&c.c_info.xsdata, "v");
    pv_bitmap_set(&c.b_info.avail_vcpus, 0);
    pv_bitmap_set(&c.b_info.avail_vcpus, 9);
    pv_defbool_set(&c.b_info.hvm.pae, true);
    c.b_info.hvm.hdtype = PV_HDTYPE_AHCI;
    c.b_info.pv.e820_host = PV_DEFBOOL_TRUE;    /* not the selected variant */
    ch = pv_array_append(&c.channels, &c.num_channels, &pv_desc_device_channel);
    ch->connection = PV_CHANNEL_CONNECTION_SOCKET;
    ch->socket.path = strdup("/run/s");
    ch = pv_array_append(&c.channels, &c.num_channels, &pv_desc_device_channel);
    ch->connection = PV_CHANNEL_CONNECTION_PTY;
    c.on_crash = PV_ACTION_ON_SHUTDOWN_COREDUMP_RESTART;
    j = pv_domain_config_to_json(&c);
    assert_non_null(strstr(j, "\"type\": \"hvm\""));
    assert_non_null(strstr(j, "\"uuid\": \"3b9c2d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e\""));
    assert_non_null(strstr(j, "\"xsdata\": {\n            \"k\": \"v\"\n        }"));
    assert_non_null(strstr(j, "\"avail_vcpus\": [\n            0,\n            9\n        ]"));
    assert_non_null(strstr(j, "\"sched_params\": {\n\n        }"));
    assert_non_null(strstr(j, "\"type.hvm\": {"));
    assert_non_null(strstr(j, "\"pae\": \"True\""));
    assert_non_null(strstr(j, "\"hdtype\": \"ahci\""));
    assert_null(strstr(j, "type.pv"));
    assert_null(strstr(j, "e820_host"));
    assert_non_null(strstr(j, "\"connection.socket\": {\n                \"path\": \"/run/s\""));
    assert_non_null(strstr(j, "\"connection.pty\": {\n\n            }"));
    assert_non_null(strstr(j, "\"on_crash\": \"coredump_restart\""));
    /* defaults are omitted */
    assert_null(strstr(j, "on_poweroff"));
    assert_null(strstr(j, "max_memkb"));
    assert_null(strstr(j, "weight"));
    free(j);
    pv_domain_config_dispose(&c);
}

static void enum_names_round_trip(void **state)
{
    int v;

    assert_string_equal(pv_disk_format_to_string(PV_DISK_FORMAT_QCOW2), "qcow2");
    assert_string_equal(pv_scheduler_to_string(PV_SCHEDULER_NULL), "null");
    assert_string_equal(pv_gic_version_to_string(PV_GIC_VERSION_V2), "v2");
    assert_null(pv_disk_format_to_string(99));
    assert_int_equal(pv_action_on_shutdown_from_string("Soft_Reset", &v), 0);
    assert_int_equal(v, PV_ACTION_ON_SHUTDOWN_SOFT_RESET);
    assert_int_equal(pv_tsc_mode_from_string("sometimes", &v), -1);
}

static void uuid_and_mac_text(void **state)
{
    uint8_t u[16], m[6];

    assert_int_equal(pv_uuid_parse("3b9c2d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", u), 0);
    assert_int_equal(pv_uuid_parse("3b9c2d1e4f5a-4b6c-8d7e-9f0a1b2c3d4e-", u), -1);
    assert_int_equal(pv_uuid_parse("3b9c2d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4", u), -1);
    assert_int_equal(pv_uuid_parse("gb9c2d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", u), -1);
    assert_int_equal(pv_mac_parse("00:16:3e:AA:bb:01", m), 0);
    assert_int_equal(m[3], 0xaa);
    assert_int_equal(pv_mac_parse("00:16:3e:AA:bb", m), -1);
    assert_int_equal(pv_mac_parse("00:16:3e:AA:bb:01:02", m), -1);
}

static void domain_info_wrapper(void **state)
{
    struct pv_domain_config c;
    yajl_gen g = pv_json_gen_alloc();
    const unsigned char *buf;
    size_t len;

    pv_domain_config_init(&c);
    assert_int_equal(yajl_gen_array_open(g), yajl_gen_status_ok);
    assert_int_equal(pv_json_gen_domain_info(g, 7, &c), yajl_gen_status_ok);
    assert_int_equal(pv_json_gen_domain_info(g, -1, &c), yajl_gen_status_ok);
    assert_int_equal(yajl_gen_array_close(g), yajl_gen_status_ok);
    yajl_gen_get_buf(g, &buf, &len);
    assert_non_null(strstr((const char *)buf, "\"domid\": 7,\n        \"config\": {"));
    assert_non_null(strstr((const char *)buf, "\"domid\": null,"));
    yajl_gen_free(g);
    pv_domain_config_dispose(&c);
}

/* pv_struct_copy: for every config of the xl-json fixtures, the copy
 * renders the same JSON, and still does once the original is disposed
 * (a pointer shared with it would be freed memory, which ASan reports).
 * The domain monitor keeps such a copy of the build info for restarts. */
static void copies_are_deep_and_equal(void **state)
{
    glob_t g;
    size_t i;

    assert_int_equal(glob("tests/fixtures/xl-json/cfg/*.cfg", 0, NULL, &g), 0);
    assert_true(g.gl_pathc > 20);
    for (i = 0; i < g.gl_pathc; i++) {
        struct pv_domain_config copy;
        struct model m;
        char *text = NULL, *before, *after, *again;
        FILE *f = fopen(g.gl_pathv[i], "r");
        size_t len = 0;

        assert_non_null(f);
        assert_int_equal(getdelim(&text, &len, '\0', f) > 0, 1);
        fclose(f);
        m = model_parse(text);
        free(text);
        text = NULL;
        if (m.rc) {     /* fixtures of refused configs */
            model_free(&m);
            continue;
        }
        before = pv_domain_config_to_json(&m.d);
        assert_int_equal(pv_domain_config_copy(&copy, &m.d), 0);
        after = pv_domain_config_to_json(&copy);
        model_free(&m);
        again = pv_domain_config_to_json(&copy);
        if (strcmp(before, after) || strcmp(before, again))
            fail_msg("%s: the copy differs", g.gl_pathv[i]);
        free(before);
        free(after);
        free(again);
        pv_domain_config_dispose(&copy);
    }
    globfree(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_disk_is_empty_map),
        cmocka_unit_test(copies_are_deep_and_equal),
        cmocka_unit_test(nic_fields_and_forms),
        cmocka_unit_test(config_aggregates_unions_bitmaps),
        cmocka_unit_test(enum_names_round_trip),
        cmocka_unit_test(uuid_and_mac_text),
        cmocka_unit_test(domain_info_wrapper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
