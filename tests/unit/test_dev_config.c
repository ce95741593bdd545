/* The stored config as hot-plug edits it (libxl/dev_config.c): devices go
 * in and out of "disks"/"nics" where libxl would put them, keys we don't
 * model survive, an emptied array disappears as libxl omits it, nics learn
 * the devid/mac the defaults chose, and what we write reads back into the
 * same devices a restart re-creates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/dev_internal.h"
#include "libxl/dom.h"
#include "libxl/domcfg_json.h"

/* A Debian-xl-shaped config with a key we don't model ("vsnds") and one
 * from the future ("x_future"). */
static const char base_json[] =
    "{\n"
    "    \"c_info\": {\n        \"type\": \"pv\",\n        \"name\": \"g\"\n    },\n"
    "    \"b_info\": {\n        \"max_memkb\": 131072\n    },\n"
    "    \"vsnds\": [\n        {\n            \"devid\": 0\n        }\n    ],\n"
    "    \"on_reboot\": \"restart\",\n"
    "    \"x_future\": {\n        \"big\": 18446744073709551615\n    }\n"
    "}\n";     /* yajl's beautify ends the document with a newline */

static void disk_init(struct pv_device_disk *d, const char *path, const char *vdev)
{
    pv_device_disk_init(d);
    d->pdev_path = strdup(path);
    d->vdev = strdup(vdev);
    d->format = PV_DISK_FORMAT_RAW;
    d->readwrite = 1;
}

static int key_pos(const char *json, const char *key)
{
    char k[64];
    const char *p;

    snprintf(k, sizeof(k), "\"%s\":", key);
    p = strstr(json, k);
    return p ? (int)(p - json) : -1;
}

static void added_disk_goes_where_libxl_puts_it(void **state)
{
    struct pv_device_disk d;
    struct pv_dev_config c;
    char *out;

    disk_init(&d, "/tmp/d.img", "xvda");
    out = pv_dev_json_add_disk(base_json, &d);
    assert_non_null(out);
    /* IDL order: after b_info, before the other arrays and on_*. */
    assert_true(key_pos(out, "b_info") < key_pos(out, "disks"));
    assert_true(key_pos(out, "disks") < key_pos(out, "vsnds"));
    assert_true(key_pos(out, "disks") < key_pos(out, "on_reboot"));
    /* untouched keys, byte for byte (the 64-bit number too) */
    assert_non_null(strstr(out, "\"big\": 18446744073709551615"));
    assert_non_null(strstr(out, "\"vsnds\": [\n        {\n            \"devid\": 0"));
    assert_non_null(strstr(out, "\"pdev_path\": \"/tmp/d.img\""));
    assert_int_equal(pv_dev_config_parse(out, &c), 0);
    assert_int_equal(c.num_disks, 1);
    assert_int_equal(c.num_nics, 0);
    assert_string_equal(c.disks[0].vdev, "xvda");
    assert_string_equal(c.disks[0].pdev_path, "/tmp/d.img");
    assert_int_equal(c.disks[0].format, PV_DISK_FORMAT_RAW);
    assert_int_equal(c.disks[0].readwrite, 1);
    pv_dev_config_dispose(&c);
    free(out);
    pv_device_disk_dispose(&d);
}

static void same_vdev_replaces_and_remove_drops(void **state)
{
    struct pv_device_disk a, b, a2;
    struct pv_dev_config c;
    char *j1, *j2, *j3, *j4, *j5;

    disk_init(&a, "/tmp/a.img", "xvda");
    disk_init(&b, "/tmp/b.img", "xvdb");
    disk_init(&a2, "/tmp/a2.img", "51712");     /* xvda by number */
    j1 = pv_dev_json_add_disk(base_json, &a);
    j2 = pv_dev_json_add_disk(j1, &b);
    j3 = pv_dev_json_add_disk(j2, &a2);
    assert_non_null(j3);
    assert_int_equal(pv_dev_config_parse(j3, &c), 0);
    assert_int_equal(c.num_disks, 2);
    assert_string_equal(c.disks[0].pdev_path, "/tmp/a2.img");   /* in place */
    assert_string_equal(c.disks[1].pdev_path, "/tmp/b.img");
    pv_dev_config_dispose(&c);

    j4 = pv_dev_json_remove(j3, "vbd", 51712);
    assert_int_equal(pv_dev_config_parse(j4, &c), 0);
    assert_int_equal(c.num_disks, 1);
    assert_string_equal(c.disks[0].vdev, "xvdb");
    pv_dev_config_dispose(&c);
    /* the last one out takes the key with it, as libxl omits [] */
    j5 = pv_dev_json_remove(j4, "vbd", 51728);
    assert_int_equal(key_pos(j5, "disks"), -1);
    assert_string_equal(j5, base_json);
    free(j1); free(j2); free(j3); free(j4); free(j5);
    pv_device_disk_dispose(&a);
    pv_device_disk_dispose(&b);
    pv_device_disk_dispose(&a2);
}

static void nics_by_devid_and_create_update(void **state)
{
    static const uint8_t mac1[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };
    struct pv_device_nic n0, n1, chosen[2];
    struct pv_dev_config c;
    char *j1, *j2, *j3, *j4;

    pv_device_nic_init(&n0);
    pv_device_nic_init(&n1);
    n0.bridge = strdup("br0");          /* as a config gives it: no devid */
    n1.devid = 1;
    memcpy(n1.mac, mac1, 6);
    n1.nictype = PV_NIC_TYPE_VIF;
    j1 = pv_dev_json_add_nic(base_json, &n0);
    assert_non_null(j1);
    assert_true(key_pos(j1, "nics") < key_pos(j1, "vsnds"));
    j2 = pv_dev_json_add_nic(j1, &n1);
    assert_int_equal(pv_dev_config_parse(j2, &c), 0);
    assert_int_equal(c.num_nics, 2);
    assert_int_equal(c.nics[0].devid, -1);
    assert_memory_equal(c.nics[1].mac, mac1, 6);
    assert_int_equal(c.nics[1].nictype, PV_NIC_TYPE_VIF);
    pv_dev_config_dispose(&c);

    /* create: the defaults' choices go into the stored nics by index */
    pv_device_nic_init(&chosen[0]);
    pv_device_nic_init(&chosen[1]);
    chosen[0].devid = 0;
    chosen[0].nictype = PV_NIC_TYPE_VIF;
    memcpy(chosen[0].mac, "\x00\x16\x3e\x0a\x0b\x0c", 6);
    chosen[1].devid = 1;
    chosen[1].nictype = PV_NIC_TYPE_VIF;
    memcpy(chosen[1].mac, mac1, 6);
    j3 = pv_dev_json_update_nics(j2, chosen, 2);
    assert_non_null(strstr(j3, "\"mac\": \"00:16:3e:0a:0b:0c\""));
    assert_int_equal(pv_dev_config_parse(j3, &c), 0);
    assert_int_equal(c.nics[0].devid, 0);
    assert_string_equal(c.nics[0].bridge, "br0");       /* kept */
    pv_dev_config_dispose(&c);
    /* network-detach by devid */
    j4 = pv_dev_json_remove(j3, "vif", 0);
    assert_int_equal(pv_dev_config_parse(j4, &c), 0);
    assert_int_equal(c.num_nics, 1);
    assert_int_equal(c.nics[0].devid, 1);
    pv_dev_config_dispose(&c);
    free(j1); free(j2); free(j3); free(j4);
    pv_device_nic_dispose(&n0);
    pv_device_nic_dispose(&n1);
}

static void struct_copy_is_lossless(void **state)
{
    struct pv_device_disk d, e;
    struct pv_device_nic n, m;
    char *a, *b;

    disk_init(&d, "/dev/vg/lv", "xvdc");
    d.is_cdrom = 1;
    d.direct_io_safe = true;
    d.discard_enable = PV_DEFBOOL_FALSE;
    d.trusted = PV_DEFBOOL_TRUE;
    d.script = strdup("/etc/xen/scripts/block-x");
    d.backend_domid = 3;
    d.base = 0xfffffffffffULL;
    assert_int_equal(pv_dev_struct_copy(&pv_desc_device_disk, &e, &d), 0);
    a = pv_device_disk_to_json(&d);
    b = pv_device_disk_to_json(&e);
    assert_string_equal(a, b);
    free(a); free(b);

    pv_device_nic_init(&n);
    n.devid = 7;
    n.mtu = 9000;
    n.rate_bytes_per_interval = 1ULL << 40;
    n.rate_interval_usecs = 50000;
    n.ip = strdup("10.0.0.2");
    memcpy(n.mac, "\x00\x16\x3e\x7f\xff\x01", 6);
    assert_int_equal(pv_dev_struct_copy(&pv_desc_device_nic, &m, &n), 0);
    a = pv_device_nic_to_json(&n);
    b = pv_device_nic_to_json(&m);
    assert_string_equal(a, b);
    free(a); free(b);
    pv_device_disk_dispose(&d);
    pv_device_disk_dispose(&e);
    pv_device_nic_dispose(&n);
    pv_device_nic_dispose(&m);
}

static void bad_stored_configs_are_refused(void **state)
{
    struct pv_dev_config c;
    struct pv_device_disk d;

    assert_int_not_equal(pv_dev_config_parse("{ \"disks\": [ ", &c), 0);
    assert_int_not_equal(pv_dev_config_parse("[1, 2]", &c), 0);
    assert_int_not_equal(pv_dev_config_parse(
        "{ \"disks\": [ { \"vdev\": \"xvda\", \"format\": \"nosuch\" } ] }", &c), 0);
    assert_int_not_equal(pv_dev_config_parse(
        "{ \"nics\": [ { \"mac\": \"zz:16:3e:00:00:01\" } ] }", &c), 0);
    assert_null(c.disks);
    disk_init(&d, "/x", "xvda");
    assert_null(pv_dev_json_add_disk("not json", &d));
    pv_device_disk_dispose(&d);
}

static void lock_file_is_libxls(void **state)
{
    uint8_t uuid[16];
    char *p;

    assert_int_equal(pv_uuid_parse("5b0c4a5e-1b2c-4d3e-8f90-0123456789ab", uuid), 0);
    p = pv_userdata_lock_path(7, uuid);
    assert_string_equal(p, "/var/lib/xen/userdata-l.7.5b0c4a5e-1b2c-4d3e-8f90-"
                           "0123456789ab.domain-userdata-lock");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(added_disk_goes_where_libxl_puts_it),
        cmocka_unit_test(same_vdev_replaces_and_remove_drops),
        cmocka_unit_test(nics_by_devid_and_create_update),
        cmocka_unit_test(struct_copy_is_lossless),
        cmocka_unit_test(bad_stored_configs_are_refused),
        cmocka_unit_test(lock_file_is_libxls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
