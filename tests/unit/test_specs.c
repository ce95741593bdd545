/* Disk and vif spec grammars, cpu lists: the parsed structure and the
 * error messages.  (Byte-exact JSON against Xen's xl is in tests/cli.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/cpulist.h"
#include "libxl/disk_spec.h"
#include "libxl/vif_spec.h"

static int disk(const char *spec, struct pv_device_disk *d, char **diag)
{
    size_t len = 0;
    FILE *f = open_memstream(diag, &len);
    int rc = pv_disk_spec_parse("src", spec, d, f);

    fclose(f);
    return rc;
}

static void disk_positional(void **state)
{
    struct pv_device_disk d;
    char *diag;

    assert_int_equal(disk("/dev/vg/x,qcow2,xvdb,ro", &d, &diag), 0);
    assert_string_equal(d.pdev_path, "/dev/vg/x");
    assert_int_equal(d.format, PV_DISK_FORMAT_QCOW2);
    assert_string_equal(d.vdev, "xvdb");
    assert_int_equal(d.readwrite, 0);
    assert_string_equal(diag, "");
    pv_device_disk_dispose(&d);
    free(diag);
}

static void disk_target_swallows_rest(void **state)
{
    struct pv_device_disk d;
    char *diag;

    assert_int_equal(disk("vdev=xvda,target=/a,b=c,d", &d, &diag), 0);
    assert_string_equal(d.pdev_path, "/a,b=c,d");
    pv_device_disk_dispose(&d);
    free(diag);
}

static void disk_prefixes(void **state)
{
    struct pv_device_disk d;
    char *diag;

    assert_int_equal(disk("tap:qcow2:/i.qcow2,xvda,w", &d, &diag), 0);
    assert_int_equal(d.format, PV_DISK_FORMAT_QCOW2);
    assert_string_equal(d.pdev_path, "/i.qcow2");
    pv_device_disk_dispose(&d);
    free(diag);
    assert_int_equal(disk("nbd:host:10809,xvda", &d, &diag), 0);
    assert_string_equal(d.script, "block-nbd");
    assert_string_equal(d.pdev_path, "host:10809");
    pv_device_disk_dispose(&d);
    free(diag);
}

static void disk_cdrom_empty(void **state)
{
    struct pv_device_disk d;
    char *diag;

    assert_int_equal(disk(",,hdc:cdrom,r", &d, &diag), 0);
    assert_int_equal(d.is_cdrom, 1);
    assert_int_equal(d.removable, 1);
    assert_int_equal(d.format, PV_DISK_FORMAT_EMPTY);
    pv_device_disk_dispose(&d);
    free(diag);
}

static const struct { const char *spec, *msg; } disk_errors[] = {
    { "foo", "no vdev specified" },
    { "vdev=xvda", "no target specified (and device not removable)" },
    { "/i,bogus,xvda", "unknown value for format: near `bogus'" },
    { "/i,raw,xvda,rw,x", "too many positional parameters: near `x'" },
    { "/i,raw,xvda,q", "unknown value for access: near `q'" },
    { "vdev=a,vdev=b,target=/i", "vdev respecified: near `b'" },
    { "foo:/i,xvda", "unknown deprecated disk prefix: near `foo:'" },
    { "=x", "bad disk syntax: near `=x'" },
    { "vdev=xvda,color=red,target=/i", "unknown parameter: near `color=r'" },
    { "vdev=xvda,acess=rw,target=/i",
      "unknown parameter (did you mean `access=...'?): near `acess=r'" },
    { "devtype=floppy,vdev=a,target=/i", "unknown value for type" },
    { "backendtype=nbd,vdev=a,target=/i", "unknown value for backendtype" },
    { "/i,raw,hda:tape", "unknown deprecated type: near `tape'" },
    { "format=raw,format=qcow,vdev=a,target=/i", "format respecified" },
};

static void disk_error_messages(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(disk_errors) / sizeof(disk_errors[0]); i++) {
        struct pv_device_disk d;
        char *diag, want[256];

        if (disk(disk_errors[i].spec, &d, &diag) != -1)
            fail_msg("`%s' accepted", disk_errors[i].spec);
        snprintf(want, sizeof(want), "src: config parsing error in disk "
                 "specification: %s", disk_errors[i].msg);
        if (!strstr(diag, want) || !strstr(diag, disk_errors[i].spec))
            fail_msg("`%s': want \"%s\", got \"%s\"", disk_errors[i].spec,
                     want, diag);
        /* a failed parse leaves nothing allocated */
        assert_null(d.pdev_path);
        assert_null(d.vdev);
        free(diag);
    }
}

/* xl's flex scanner drops a single bad character at the end of a word
 * (found by tests/cli/xldiff.py); one with text after it is an error. */
static void disk_trailing_bad_char(void **state)
{
    struct pv_device_disk d;
    char *diag;

    assert_int_equal(disk("/img,raw,xvda=", &d, &diag), 0);
    assert_string_equal(d.vdev, "xvda");
    pv_device_disk_dispose(&d);
    free(diag);
    assert_int_equal(disk("/img,raw,xvda,=x", &d, &diag), -1);
    assert_non_null(strstr(diag, "bad disk syntax: near `=x'"));
    free(diag);
}

static void disk_words_share_state(void **state)
{
    const char *words[] = { "/i", "raw", "xvda", "r" };
    struct pv_device_disk d;

    assert_int_equal(pv_disk_spec_parse_words("x", 4, words, &d, NULL), 0);
    assert_string_equal(d.vdev, "xvda");
    assert_int_equal(d.readwrite, 0);
    pv_device_disk_dispose(&d);
}

static int vif(const char *spec, struct pv_device_nic *n, char **diag)
{
    size_t len = 0;
    FILE *f = open_memstream(diag, &len);
    int rc;

    pv_device_nic_init(n);
    rc = pv_vif_spec_parse("src", spec, n, f);
    fclose(f);
    return rc;
}

static void vif_settings(void **state)
{
    struct pv_device_nic n;
    char *diag;
    static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0xab, 0xcd, 0xef };

    assert_int_equal(vif("mac=00:16:3E:ab:cd:ef, bridge=xenbr0,ip=1.2.3.4,"
                         "type=ioemu,model=e1000,vifname=v0,script=s,"
                         "backend=b,mtu=1400,devid=3,untrusted", &n, &diag), 0);
    assert_memory_equal(n.mac, mac, 6);
    assert_string_equal(n.bridge, "xenbr0");
    assert_string_equal(n.ip, "1.2.3.4");
    assert_int_equal(n.nictype, PV_NIC_TYPE_VIF_IOEMU);
    assert_string_equal(n.model, "e1000");
    assert_string_equal(n.ifname, "v0");
    assert_string_equal(n.script, "s");
    assert_string_equal(n.backend_domname, "b");
    assert_int_equal(n.mtu, 1400);
    assert_int_equal(n.devid, 3);
    assert_int_equal(n.trusted, PV_DEFBOOL_FALSE);
    pv_device_nic_dispose(&n);
    free(diag);
}

static void vif_rates(void **state)
{
    static const struct { const char *rate; uint64_t bytes; uint32_t us; } r[] = {
        { "10Mb/s", 62500, 50000 },
        { "10MB/s@20ms", 200000, 20000 },
        { "1GB/s@1s", 1000000000, 1000000 },
        { "100B/s@100us", 0, 100 },
        { "8Kb/s@2", 2000, 2000000 },
        { "010MB/s", 400000, 50000 },   /* strtoull base 0: octal, as xl */
    };
    size_t i;

    for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
        struct pv_device_nic n;

        pv_device_nic_init(&n);
        assert_int_equal(pv_vif_rate_parse("s", r[i].rate, &n, NULL), 0);
        if (n.rate_bytes_per_interval != r[i].bytes ||
            n.rate_interval_usecs != r[i].us)
            fail_msg("%s: %llu/%u", r[i].rate,
                     (unsigned long long)n.rate_bytes_per_interval,
                     n.rate_interval_usecs);
        pv_device_nic_dispose(&n);
    }
}

static const struct { const char *spec, *msg; } vif_errors[] = {
    { "rate=10MB", "config parsing error in vif: invalid rate in `10MB'" },
    { "rate=0B/s", "rate overflow in `0B/s'" },
    { "rate=1B/s@0us", "replenishment interval overflow in `0us'" },
    { "rate=1B/s@10h", "invalid replenishment interval in `10h'" },
    { "rate=@", "no rate specified in `@'" },
    { "mac=00:16", "`00:16' is not a MAC address" },
    { "mac=00:16:3e:00:00:100", "is not a MAC address" },
    { "mtu=big", "failed to convert \"big\" to number" },
    { "type=tun", "invalid vif parameter `type': `tun'" },
    { "brigde=x", "unrecognized vif argument `brigde=x'; did you mean `bridge'?" },
    { "trusted=1", "unrecognized vif argument `trusted=1'" },
};

static void vif_error_messages(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(vif_errors) / sizeof(vif_errors[0]); i++) {
        struct pv_device_nic n;
        char *diag;

        if (vif(vif_errors[i].spec, &n, &diag) != -1)
            fail_msg("`%s' accepted", vif_errors[i].spec);
        if (strncmp(diag, "src: ", 5) || !strstr(diag, vif_errors[i].msg))
            fail_msg("`%s': want \"%s\", got \"%s\"", vif_errors[i].spec,
                     vif_errors[i].msg, diag);
        pv_device_nic_dispose(&n);
        free(diag);
    }
}

static int two_nodes(unsigned node, struct pv_bitmap *out, void *opaque)
{
    unsigned c;

    for (c = node * 4; c < node * 4 + 4; c++)
        pv_bitmap_set(out, c);
    return 0;
}

static void cpulists(void **state)
{
    struct pv_cpu_topology t = { .max_cpus = 8, .nr_nodes = 2,
                                 .node_to_cpus = two_nodes };
    static const struct { const char *list; const char *want; } c[] = {
        { "all", "11111111" },
        { "0-3,^1", "10110000" },
        { "3", "00010000" },
        { "0-63", "11111111" },          /* beyond the host: dropped */
        { "nodes:1", "00001111" },
        { "all,^node:0", "00001111" },
        { "node:0-1,^2-5", "11000011" },
        { "5,0", "10000100" },
        { "", "00000000" },
        { "0-4000000000", "11111111" },
    };
    size_t i;

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct pv_bitmap b = { 0, NULL };
        char err[128], got[9];
        unsigned k;

        pv_bitmap_alloc(&b, 8);
        if (pv_cpulist_parse(c[i].list, &b, &t, err, sizeof(err)))
            fail_msg("`%s': %s", c[i].list, err);
        for (k = 0; k < 8; k++)
            got[k] = pv_bitmap_test(&b, k) ? '1' : '0';
        got[8] = 0;
        if (strcmp(got, c[i].want))
            fail_msg("`%s': %s, want %s", c[i].list, got, c[i].want);
        assert_false(pv_bitmap_test(&b, 8));
        pv_bitmap_dispose(&b);
    }
}

static void cpulist_errors(void **state)
{
    struct pv_cpu_topology t = { .max_cpus = 8, .nr_nodes = 2,
                                 .node_to_cpus = two_nodes };
    static const struct { const char *list, *msg; } c[] = {
        { "^all", "can't combine \"^\" and \"all\" in `^all'" },
        { "3-1", "invalid cpu range `3-1'" },
        { "x", "invalid cpu range `x'" },
        { "1-", "invalid cpu range `1-'" },
        { "1,,2x", "invalid cpu range `2x'" },
        { "nodes:2", "NUMA node 2 does not exist (host has 2)" },
        { "-1", "invalid cpu range `-1'" },
    };
    size_t i;

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct pv_bitmap b = { 0, NULL };
        char err[128];

        pv_bitmap_alloc(&b, 8);
        if (!pv_cpulist_parse(c[i].list, &b, &t, err, sizeof(err)))
            fail_msg("`%s' accepted", c[i].list);
        if (!strstr(err, c[i].msg))
            fail_msg("`%s': want \"%s\", got \"%s\"", c[i].list, c[i].msg, err);
        pv_bitmap_dispose(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(disk_positional),
        cmocka_unit_test(disk_target_swallows_rest),
        cmocka_unit_test(disk_prefixes),
        cmocka_unit_test(disk_cdrom_empty),
        cmocka_unit_test(disk_error_messages),
        cmocka_unit_test(disk_trailing_bad_char),
        cmocka_unit_test(disk_words_share_state),
        cmocka_unit_test(vif_settings),
        cmocka_unit_test(vif_rates),
        cmocka_unit_test(vif_error_messages),
        cmocka_unit_test(cpulists),
        cmocka_unit_test(cpulist_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
