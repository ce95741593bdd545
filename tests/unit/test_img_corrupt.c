/* Malformed qcow2 images are refused with a message that says what and
 * where, without crashing or allocating unboundedly (the classes of
 * CVE-2014-0143..0148).  Fixtures: tests/unit/img_fixture.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "blktap/image.h"
#include "img_fixture.h"

static uint8_t img[FIX_SIZE * 4];

/* Open the poked fixture (len bytes) and return rc; message must contain
 * NEEDLE when rc != 0. */
static int open_poked(size_t len, unsigned flags, const char *needle)
{
    const char *p = tmp_path("corrupt.qcow2");
    struct image_open_opts o = { .flags = flags | IMAGE_O_NO_BACKING };
    struct image *im = NULL;
    int rc;

    write_file(p, img, len);
    rc = image__open(p, &o, &im);
    if (rc == 0) {
        /* Reading the whole disk must not crash either. */
        uint8_t *buf = malloc(image__size(im) < (1u << 22) ? image__size(im) : (1u << 22));
        image__pread(im, buf, image__size(im) < (1u << 22) ? image__size(im) : (1u << 22), 0);
        free(buf);
        image__close(im);
    } else if (needle && !strstr(image__errmsg(), needle)) {
        fail_msg("message '%s' lacks '%s'", image__errmsg(), needle);
    }
    unlink(p);
    return rc;
}

static void test_fixture_is_valid(void **state)
{
    fixture_build(img);
    assert_int_equal(open_poked(FIX_SIZE, IMAGE_O_RDWR, NULL), 0);
}

/* CVE-2014-0143 class: integer overflow in table sizes. */
static void test_huge_l1_size(void **state)
{
    fixture_build(img);
    put_be32(img, 36, 0x20000000);          /* l1_size: 4 GiB of entries */
    assert_int_equal(open_poked(FIX_SIZE, 0, "L1 table is too large"), -EUCLEAN);
}

static void test_huge_refcount_table(void **state)
{
    fixture_build(img);
    put_be32(img, 56, 0x40000000);          /* refcount_table_clusters */
    assert_int_equal(open_poked(FIX_SIZE, 0, "refcount table is too large"), -EUCLEAN);
}

static void test_l1_too_small_for_size(void **state)
{
    fixture_build(img);
    put_be64(img, 24, 1ull << 40);          /* 1 TiB with a 32-entry L1 */
    assert_int_equal(open_poked(FIX_SIZE, 0, "L1 table is too small"), -EUCLEAN);
}

/* CVE-2014-0144 class: header field validation. */
static void test_bad_header_length(void **state)
{
    fixture_build(img);
    put_be32(img, 100, 101);
    assert_int_equal(open_poked(FIX_SIZE, 0, "invalid header length"), -EINVAL);
}

static void test_refcount_order_out_of_range(void **state)
{
    fixture_build(img);
    put_be32(img, 96, 7);
    assert_int_equal(open_poked(FIX_SIZE, 0, "refcount_order 7"), -EINVAL);
}

/* CVE-2014-0145 class: tables past the end of the file. */
static void test_l1_past_eof(void **state)
{
    fixture_build(img);
    put_be64(img, 40, 0x100000);
    assert_int_equal(open_poked(FIX_SIZE, 0, "past the end of the file"), -EUCLEAN);
}

static void test_l2_past_eof(void **state)
{
    fixture_build(img);
    put_be64(img, 0x600, 0x8000000000100000ull);   /* L1[0] -> 1 MiB */
    assert_int_equal(open_poked(FIX_SIZE, 0, "lies past the end of the file"), -EUCLEAN);
}

static void test_snapshot_table_off_the_end(void **state)
{
    fixture_build(img);
    put_be32(img, 60, 1);                   /* one snapshot ... */
    put_be64(img, 64, 0x800);               /* ... whose entry runs off the end */
    memset(img + 0x800, 0, 40);
    hex_patch(img, 0x800 + 12, "ffff");     /* id length 65535 */
    assert_int_equal(open_poked(0x800 + 40, 0, "runs off the end"), -EUCLEAN);
}

static void test_too_many_snapshots(void **state)
{
    fixture_build(img);
    put_be32(img, 60, 0x7fffffff);
    put_be64(img, 64, 0x600);
    assert_int_equal(open_poked(FIX_SIZE, 0, "too many snapshots"), -EUCLEAN);
}

/* CVE-2014-0146 class: snapshot L1 tables that are bogus. */
static void test_snapshot_l1_bogus(void **state)
{
    fixture_build(img);
    memset(img + FIX_SIZE, 0, 512);
    put_be32(img, 60, 1);
    put_be64(img, 64, 0x800);
    put_be64(img, 0x800, 0x7fffffffffff0000ull);   /* L1 offset */
    put_be32(img, 0x800 + 8, 4);
    hex_patch(img, 0x800 + 12, "0001" "0001");
    put_be32(img, 0x800 + 36, 0);
    hex_patch(img, 0x800 + 40, "3161");          /* id "1", name "a" */
    assert_int_equal(open_poked(FIX_SIZE + 512, 0, "past the end of the file"), -EUCLEAN);
}

/* CVE-2014-0147 class: block (cluster) size validation. */
static void test_cluster_bits_out_of_range(void **state)
{
    fixture_build(img);
    put_be32(img, 20, 30);
    assert_int_equal(open_poked(FIX_SIZE, 0, "cluster size"), -EINVAL);
    put_be32(img, 20, 8);
    assert_int_equal(open_poked(FIX_SIZE, 0, "cluster size"), -EINVAL);
}

/* CVE-2014-0148 class: metadata regions that overlap. */
static void test_l1_overlaps_refcount_table(void **state)
{
    fixture_build(img);
    put_be64(img, 40, 0x200);               /* L1 on top of the refcount table */
    assert_int_equal(open_poked(FIX_SIZE, 0, "overlaps the refcount table"), -EUCLEAN);
}

static void test_l2_overlaps_refcount_table(void **state)
{
    fixture_build(img);
    put_be64(img, 0x600, 0x8000000000000000ull | 0x200);  /* L2 = refcount table */
    assert_int_equal(open_poked(FIX_SIZE, 0, "overlaps the refcount table"), -EUCLEAN);
}

static void test_backing_name_too_long(void **state)
{
    fixture_build(img);
    put_be64(img, 8, 0x68);
    put_be32(img, 16, 1024);
    assert_int_equal(open_poked(FIX_SIZE, 0, "backing file name too long"), -EINVAL);
}

static void test_extension_past_header_area(void **state)
{
    fixture_build(img);
    hex_patch(img, 0x68, "12345678" "00001000");   /* unknown ext, 4 KiB long */
    assert_int_equal(open_poked(FIX_SIZE, 0, "past the end of the header area"), -EUCLEAN);
}

static void test_unknown_incompatible_bit_named(void **state)
{
    fixture_build(img);
    put_be64(img, 72, 1ull << 10);
    assert_int_equal(open_poked(FIX_SIZE, 0, "incompatible bit 10"), -ENOTSUP);
    /* With a feature-name table the name is shown too. */
    fixture_build(img);
    put_be64(img, 72, 1ull << 10);
    hex_patch(img, 0x68, "6803f857" "00000030" "000a");
    memcpy(img + 0x68 + 10, "frobnication", 12);
    assert_int_equal(open_poked(FIX_SIZE, 0, "frobnication"), -ENOTSUP);
}

static void test_extended_l2_refused_by_name(void **state)
{
    fixture_build(img);
    put_be64(img, 72, 1ull << 4);
    assert_int_equal(open_poked(FIX_SIZE, 0, "extended L2 entries"), -ENOTSUP);
}

static void test_corrupt_bit_refuses_rw(void **state)
{
    fixture_build(img);
    put_be64(img, 72, 1ull << 1);
    assert_int_equal(open_poked(FIX_SIZE, IMAGE_O_RDWR, "marked corrupt"), -EUCLEAN);
    assert_int_equal(open_poked(FIX_SIZE, 0, NULL), 0);
}

/* The low 9 bits of a refcount table entry are reserved: QEMU masks them
 * and so do we (check reports them); reading and writing go on. */
static void test_reftable_reserved_bits_ignored(void **state)
{
    fixture_build(img);
    put_be64(img, 0x200, 0x401);
    assert_int_equal(open_poked(FIX_SIZE, 0, NULL), 0);
    const char *p = tmp_path("rsv.qcow2");
    struct image_open_opts o = { .flags = IMAGE_O_RDWR };
    struct image *im;
    uint8_t buf[512] = { 7 };
    write_file(p, img, FIX_SIZE);
    assert_int_equal(image__open(p, &o, &im), 0);
    assert_int_equal(image__pwrite(im, buf, sizeof(buf), 4096), 0);
    assert_int_equal(image__close(im), 0);
    unlink(p);
}

/* A refcount block that is really misaligned (4 KiB clusters, 512 bytes
 * in) does not stop read-only use - info, map and convert read data
 * without refcounts, as qemu-img does; the first allocating write marks
 * the image corrupt on disk and fails, so the next read-write open is
 * refused.  This open used to fail outright, even read-only. */
static void test_misaligned_refcount_block(void **state)
{
    const char *p = tmp_path("misal.qcow2");
    struct image_create_opts co = { .format = IMAGE_FMT_QCOW2, .size = 1 << 20,
                                    .cluster_size = 4096 };
    struct image_open_opts ro = { 0 }, rw = { .flags = IMAGE_O_RDWR };
    struct image *im;
    uint8_t data[4096], r[4096], hdr[56];
    int fd;

    memset(data, 0xaa, sizeof(data));
    assert_int_equal(image__create(p, &co), 0);
    assert_int_equal(image__open(p, &rw, &im), 0);
    assert_int_equal(image__pwrite(im, data, sizeof(data), 0), 0);
    assert_int_equal(image__close(im), 0);
    /* reftable[0] += 0x200 */
    fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
    uint64_t rt = 0, e = 0;
    for (int i = 0; i < 8; i++)
        rt = rt << 8 | hdr[48 + i];
    uint8_t eb[8];
    assert_int_equal(pread(fd, eb, 8, (off_t)rt), 8);
    for (int i = 0; i < 8; i++)
        e = e << 8 | eb[i];
    e += 0x200;
    put_be64(eb, 0, e);
    assert_int_equal(pwrite(fd, eb, 8, (off_t)rt), 8);
    close(fd);

    assert_int_equal(image__open(p, &ro, &im), 0);
    assert_int_equal(image__pread(im, r, sizeof(r), 0), 0);
    assert_memory_equal(r, data, sizeof(r));
    image__close(im);

    assert_int_equal(image__open(p, &rw, &im), 0);
    assert_int_equal(image__pread(im, r, sizeof(r), 0), 0);
    assert_int_equal(image__pwrite(im, data, sizeof(data), 65536), -EUCLEAN);
    assert_non_null(strstr(image__errmsg(), "unaligned"));
    image__close(im);
    assert_int_equal(image__open(p, &rw, &im), -EUCLEAN);
    assert_non_null(strstr(image__errmsg(), "marked corrupt"));
    assert_int_equal(image__open(p, &ro, &im), 0);
    image__close(im);
    unlink(p);
}

/* A data cluster pointing into the refcount table must not be written. */
static void test_write_into_metadata_refused(void **state)
{
    const char *p = tmp_path("meta.qcow2");
    struct image_open_opts o = { .flags = IMAGE_O_RDWR };
    struct image *im;
    uint8_t buf[512] = { 1 };

    fixture_build(img);
    memset(img + FIX_SIZE, 0, FIX_SIZE);
    put_be64(img, 0x600, 0x8000000000000800ull);            /* L1[0] -> L2 at 0x800 */
    put_be64(img, 0x800, 0x8000000000000200ull);            /* guest 0 -> reftable! */
    hex_patch(img, 0x408, "0001");                          /* L2 refcount 1 */
    write_file(p, img, FIX_SIZE + 512);
    assert_int_equal(image__open(p, &o, &im), 0);
    assert_int_equal(image__pwrite(im, buf, sizeof(buf), 0), -EUCLEAN);
    assert_non_null(strstr(image__errmsg(), "overlaps the refcount table"));
    /* Further writes are refused too. */
    assert_int_equal(image__pwrite(im, buf, sizeof(buf), 4096), -EUCLEAN);
    image__close(im);
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_is_valid),
        cmocka_unit_test(test_huge_l1_size),
        cmocka_unit_test(test_huge_refcount_table),
        cmocka_unit_test(test_l1_too_small_for_size),
        cmocka_unit_test(test_bad_header_length),
        cmocka_unit_test(test_refcount_order_out_of_range),
        cmocka_unit_test(test_l1_past_eof),
        cmocka_unit_test(test_l2_past_eof),
        cmocka_unit_test(test_snapshot_table_off_the_end),
        cmocka_unit_test(test_too_many_snapshots),
        cmocka_unit_test(test_snapshot_l1_bogus),
        cmocka_unit_test(test_cluster_bits_out_of_range),
        cmocka_unit_test(test_l1_overlaps_refcount_table),
        cmocka_unit_test(test_l2_overlaps_refcount_table),
        cmocka_unit_test(test_backing_name_too_long),
        cmocka_unit_test(test_extension_past_header_area),
        cmocka_unit_test(test_unknown_incompatible_bit_named),
        cmocka_unit_test(test_extended_l2_refused_by_name),
        cmocka_unit_test(test_corrupt_bit_refuses_rw),
        cmocka_unit_test(test_misaligned_refcount_block),
        cmocka_unit_test(test_reftable_reserved_bits_ignored),
        cmocka_unit_test(test_write_into_metadata_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
