/* Device logic that needs no hypervisor: vdev -> device numbers as libxl
 * 4.17 computes them, the vbd/vif xenstore node sets, default MACs and the
 * stock-script test that decides what runs in-process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/dev_internal.h"

static void vdev_numbers_match_libxl(void **state)
{
    static const struct { const char *vdev; int devid; } cases[] = {
        { "xvda", 51712 }, { "xvdb", 51728 }, { "xvda1", 51713 },
        { "xvdp15", 51967 }, { "xvdq", 268439552 }, { "xvdaa", 268442112 },
        { "xvda16", 268435472 }, { "d0p0", 51712 }, { "d1p2", 51730 },
        { "d16p1", 268439553 }, { "hda", 768 }, { "hdb", 832 },
        { "hdc", 5632 }, { "hdd", 5696 }, { "hda1", 769 }, { "sda", 2048 },
        { "sdb1", 2065 }, { "sdp15", 2303 }, { "51712", 51712 },
        { "0x100", 256 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = pv_vdev_to_devid(cases[i].vdev, NULL, NULL);
        if (got != cases[i].devid)
            fail_msg("%s: got %d, want %d", cases[i].vdev, got, cases[i].devid);
    }
}

static void bad_vdevs_are_refused(void **state)
{
    static const char *const bad[] = {
        "", "xvd", "xvda0", "xvda256", "xvdA", "hde", "hda64", "sdq", "sda16",
        "vda", "d1", "d1p256", "xvda1x", "-1", "d-1p0",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (pv_vdev_to_devid(bad[i], NULL, NULL) >= 0)
            fail_msg("'%s' accepted", bad[i]);
    assert_int_equal(pv_vdev_to_devid(NULL, NULL, NULL), -1);
}

static void vdev_parts_are_reported(void **state)
{
    int d, p;

    assert_int_equal(pv_vdev_to_devid("xvdc3", &d, &p), 51747);
    assert_int_equal(d, 2);
    assert_int_equal(p, 3);
    /* A bare number names no disk/partition, as libxl. */
    assert_int_equal(pv_vdev_to_devid("51712", &d, &p), -1);
}

static void devid_back_to_name(void **state)
{
    char buf[40];

    assert_string_equal(pv_devid_to_vdev(51712, buf, sizeof(buf)), "xvda");
    assert_string_equal(pv_devid_to_vdev(51713, buf, sizeof(buf)), "xvda1");
    assert_string_equal(pv_devid_to_vdev(268439552, buf, sizeof(buf)), "xvdq");
    assert_string_equal(pv_devid_to_vdev(268442112, buf, sizeof(buf)), "xvdaa");
    assert_string_equal(pv_devid_to_vdev(2048, buf, sizeof(buf)), "2048");
}

static void expect_kv(const struct pv_xs_kv *arr, int n, const char *key,
                      const char *val)
{
    const char *got = pv_kv_get(arr, n, key);
    if (!val) {
        if (got)
            fail_msg("%s present (%s), should be absent", key, got);
        return;
    }
    if (!got)
        fail_msg("%s missing", key);
    if (strcmp(got, val))
        fail_msg("%s = '%s', want '%s'", key, got, val);
}

static void vbd_nodes_as_libxl(void **state)
{
    struct pv_device_disk disk;
    struct pv_dev_nodes n;

    pv_device_disk_init(&disk);
    disk.pdev_path = strdup("/srv/guest.img");
    disk.vdev = strdup("xvda");
    disk.readwrite = 1;
    disk.format = PV_DISK_FORMAT_RAW;
    assert_int_equal(pv_vbd_nodes(&n, 7, &disk, "x86_64-abi"), 0);
    assert_string_equal(n.fe_path, "/local/domain/7/device/vbd/51712");
    assert_string_equal(n.be_path, "/local/domain/0/backend/vbd/7/51712");
    assert_string_equal(n.libxl_path, "/libxl/7/device/vbd/51712");
    expect_kv(n.back, n.nback, "params", "/srv/guest.img");
    expect_kv(n.back, n.nback, "script", "/etc/xen/scripts/block");
    expect_kv(n.back, n.nback, "frontend-id", "7");
    expect_kv(n.back, n.nback, "online", "1");
    expect_kv(n.back, n.nback, "removable", "0");
    expect_kv(n.back, n.nback, "bootable", "1");
    expect_kv(n.back, n.nback, "state", "1");
    expect_kv(n.back, n.nback, "dev", "xvda");
    expect_kv(n.back, n.nback, "type", "phy");
    expect_kv(n.back, n.nback, "mode", "w");
    expect_kv(n.back, n.nback, "device-type", "disk");
    expect_kv(n.back, n.nback, "discard-enable", "1");
    expect_kv(n.back, n.nback, "specification", "xen");
    expect_kv(n.back, n.nback, "direct-io-safe", NULL);
    assert_int_equal(n.nback, 13);
    expect_kv(n.front, n.nfront, "backend-id", "0");
    expect_kv(n.front, n.nfront, "state", "1");
    expect_kv(n.front, n.nfront, "virtual-device", "51712");
    expect_kv(n.front, n.nfront, "device-type", "disk");
    expect_kv(n.front, n.nfront, "trusted", "1");
    expect_kv(n.front, n.nfront, "protocol", "x86_64-abi");
    assert_int_equal(n.nfront, 6);
    pv_dev_nodes_dispose(&n);

    /* Read-only cdrom, PVH (no protocol), discard follows writability. */
    disk.readwrite = 0;
    disk.is_cdrom = 1;
    disk.removable = 1;
    free(disk.vdev);
    disk.vdev = strdup("hdc");
    assert_int_equal(pv_vbd_nodes(&n, 3, &disk, NULL), 0);
    assert_string_equal(n.be_path, "/local/domain/0/backend/vbd/3/5632");
    expect_kv(n.back, n.nback, "mode", "r");
    expect_kv(n.back, n.nback, "device-type", "cdrom");
    expect_kv(n.back, n.nback, "removable", "1");
    expect_kv(n.back, n.nback, "discard-enable", "0");
    expect_kv(n.front, n.nfront, "device-type", "cdrom");
    expect_kv(n.front, n.nfront, "protocol", NULL);
    pv_dev_nodes_dispose(&n);

    free(disk.vdev);
    disk.vdev = strdup("xvda0");
    assert_int_equal(pv_vbd_nodes(&n, 3, &disk, NULL), -EINVAL);
    pv_device_disk_dispose(&disk);
}

static void vif_nodes_as_libxl(void **state)
{
    struct pv_device_nic nic;
    struct pv_dev_nodes n;
    static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x0a, 0xbc, 0x01 };

    pv_device_nic_init(&nic);
    nic.devid = 0;
    memcpy(nic.mac, mac, 6);
    assert_int_equal(pv_vif_nodes(&n, 12, &nic), 0);
    assert_string_equal(n.fe_path, "/local/domain/12/device/vif/0");
    assert_string_equal(n.be_path, "/local/domain/0/backend/vif/12/0");
    expect_kv(n.back, n.nback, "frontend-id", "12");
    expect_kv(n.back, n.nback, "online", "1");
    expect_kv(n.back, n.nback, "state", "1");
    expect_kv(n.back, n.nback, "script", "/etc/xen/scripts/vif-bridge");
    expect_kv(n.back, n.nback, "mac", "00:16:3e:0a:bc:01");
    expect_kv(n.back, n.nback, "bridge", "xenbr0");
    expect_kv(n.back, n.nback, "handle", "0");
    expect_kv(n.back, n.nback, "type", "vif");
    expect_kv(n.back, n.nback, "hotplug-status", "");
    expect_kv(n.back, n.nback, "mtu", NULL);        /* 1500 is not written */
    expect_kv(n.back, n.nback, "vifname", NULL);
    expect_kv(n.back, n.nback, "ip", NULL);
    expect_kv(n.back, n.nback, "rate", NULL);
    expect_kv(n.front, n.nfront, "backend-id", "0");
    expect_kv(n.front, n.nfront, "handle", "0");
    expect_kv(n.front, n.nfront, "mac", "00:16:3e:0a:bc:01");
    expect_kv(n.front, n.nfront, "trusted", "1");
    expect_kv(n.ro_front, n.nro, "mtu", "1500");
    pv_dev_nodes_dispose(&n);

    nic.devid = 2;
    nic.mtu = 9000;
    nic.bridge = strdup("xenbr1");
    nic.ip = strdup("10.0.0.5");
    nic.ifname = strdup("web0");
    nic.script = strdup("vif-route");
    nic.rate_bytes_per_interval = 500000;
    nic.rate_interval_usecs = 50000;
    pv_defbool_set(&nic.trusted, false);
    assert_int_equal(pv_vif_nodes(&n, 12, &nic), 0);
    expect_kv(n.back, n.nback, "mtu", "9000");
    expect_kv(n.back, n.nback, "bridge", "xenbr1");
    expect_kv(n.back, n.nback, "ip", "10.0.0.5");
    expect_kv(n.back, n.nback, "vifname", "web0");
    expect_kv(n.back, n.nback, "script", "/etc/xen/scripts/vif-route");
    expect_kv(n.back, n.nback, "rate", "500000,50000");
    expect_kv(n.back, n.nback, "handle", "2");
    expect_kv(n.front, n.nfront, "trusted", "0");
    expect_kv(n.ro_front, n.nro, "mtu", "9000");
    pv_dev_nodes_dispose(&n);
    pv_device_nic_dispose(&nic);
}

static void default_mac_is_xen_oui_and_stable(void **state)
{
    static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    static const uint8_t uuid2[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17 };
    uint8_t a[6], b[6], c[6], d[6];
    int i;

    pv_nic_default_mac(uuid, 0, a);
    pv_nic_default_mac(uuid, 0, b);
    pv_nic_default_mac(uuid, 1, c);
    pv_nic_default_mac(uuid2, 0, d);
    assert_memory_equal(a, b, 6);
    assert_memory_not_equal(a, c, 6);
    assert_memory_not_equal(a, d, 6);
    for (i = 0; i < 64; i++) {
        pv_nic_default_mac(i & 1 ? NULL : uuid, i, a);
        assert_int_equal(a[0], 0x00);
        assert_int_equal(a[1], 0x16);
        assert_int_equal(a[2], 0x3e);
        assert_true(a[3] < 0x80);
    }
}

static void stock_scripts_run_in_process(void **state)
{
    assert_string_equal(pv_dev_script_stock("vif-bridge"), "vif-bridge");
    assert_string_equal(pv_dev_script_stock("/etc/xen/scripts/vif-route"), "vif-route");
    assert_string_equal(pv_dev_script_stock("vif-nat"), "vif-nat");
    assert_string_equal(pv_dev_script_stock("block"), "block");
    assert_null(pv_dev_script_stock("/usr/local/bin/vif-bridge"));
    assert_null(pv_dev_script_stock("my-vif"));
    assert_null(pv_dev_script_stock("block-iscsi"));
    assert_null(pv_dev_script_stock(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vdev_numbers_match_libxl),
        cmocka_unit_test(bad_vdevs_are_refused),
        cmocka_unit_test(vdev_parts_are_reported),
        cmocka_unit_test(devid_back_to_name),
        cmocka_unit_test(vbd_nodes_as_libxl),
        cmocka_unit_test(vif_nodes_as_libxl),
        cmocka_unit_test(default_mac_is_xen_oui_and_stable),
        cmocka_unit_test(stock_scripts_run_in_process),
    };
    return cmocka_run_group_tests_name("dev_nodes", tests, NULL, NULL);
}
