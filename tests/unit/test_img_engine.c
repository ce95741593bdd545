/* Image engine behaviour: I/O round trips across geometries, backing
 * chains (loop and depth cap), feature bits, header extensions, dirty
 * repair, refcount overflow, COPIED exactness, parallel writers. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "blktap/image.h"
#include "blktap/qcow2_int.h"
#include "img_fixture.h"

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 9));
}

static struct image *open_rw(const char *p)
{
    struct image_open_opts o = { .flags = IMAGE_O_RDWR };
    struct image *im = NULL;
    assert_int_equal(image__open(p, &o, &im), 0);
    return im;
}

static void roundtrip(const struct image_create_opts *co)
{
    const char *p = tmp_path("rt.qcow2");
    size_t n = 300000;
    uint8_t *w = malloc(n), *r = malloc(n);
    struct image *im;

    assert_int_equal(image__create(p, co), 0);
    im = open_rw(p);
    fill(w, n, 3);
    assert_int_equal(image__pwrite(im, w, n, 12345), 0);
    assert_int_equal(image__pwrite(im, w, 1000, co->size - 1000), 0);
    assert_int_equal(image__flush(im), 0);
    assert_int_equal(image__pread(im, r, n, 12345), 0);
    assert_memory_equal(w, r, n);
    assert_int_equal(image__close(im), 0);
    assert_int_equal(image__open(p, NULL, &im), 0);
    memset(r, 0, n);
    assert_int_equal(image__pread(im, r, n, 12345), 0);
    assert_memory_equal(w, r, n);
    assert_int_equal(image__pread(im, r, 1000, co->size - 1000), 0);
    assert_memory_equal(w, r, 1000);
    assert_int_equal(image__pread(im, r, 512, 0), 0);
    for (int i = 0; i < 512; i++)
        assert_int_equal(r[i], 0);
    image__close(im);
    unlink(p);
    free(w);
    free(r);
}

static void test_roundtrip_geometries(void **state)
{
    static const uint32_t cs[] = { 512, 4096, 65536, 2u << 20 };
    static const int rb[] = { 1, 2, 8, 16, 32, 64 };

    for (unsigned i = 0; i < 4; i++) {
        struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 8 << 20,
                                       .cluster_size = cs[i] };
        roundtrip(&o);
    }
    for (unsigned i = 0; i < 6; i++) {
        struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 8 << 20,
                                       .cluster_size = 4096, .refcount_bits = rb[i] };
        roundtrip(&o);
    }
    struct image_create_opts v2 = { .format = IMAGE_FMT_QCOW2, .size = 4 << 20, .compat = 2 };
    roundtrip(&v2);
    struct image_create_opts raw = { .format = IMAGE_FMT_RAW, .size = 4 << 20 };
    roundtrip(&raw);
}

static void test_v2_refuses_v3_options(void **state)
{
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 1 << 20, .compat = 2,
                                   .lazy_refcounts = true };
    assert_int_equal(image__create(tmp_path("v2.qcow2"), &o), -EINVAL);
    assert_non_null(strstr(image__errmsg(), "compatibility level 1.1"));
}

static void test_backing_loop_refused(void **state)
{
    char *a = tmp_path("loop-a.qcow2"), *b = tmp_path("loop-b.qcow2");
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 1 << 20 };
    struct image *im;

    assert_int_equal(image__create(a, &o), 0);
    o.backing_file = a;
    o.backing_format = IMAGE_FMT_QCOW2;
    assert_int_equal(image__create(b, &o), 0);
    /* Point a at b: a -> b -> a. */
    struct image_open_opts oo = { .flags = IMAGE_O_RDWR | IMAGE_O_NO_BACKING };
    assert_int_equal(image__open(a, &oo, &im), 0);
    assert_int_equal(image__set_backing(im, b, IMAGE_FMT_QCOW2), 0);
    image__close(im);
    assert_int_equal(image__open(a, NULL, &im), -ELOOP);
    assert_non_null(strstr(image__errmsg(), "loops back"));
    unlink(a);
    unlink(b);
}

static void test_backing_depth_cap(void **state)
{
    char names[6][128];
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 1 << 20 };
    struct image_open_opts oo = { .max_chain_depth = 4 };
    struct image *im;
    uint8_t buf[16];

    for (int i = 0; i < 6; i++) {
        snprintf(names[i], sizeof(names[i]), "%s%d", tmp_path("chain"), i);
        o.backing_file = i ? names[i - 1] : NULL;
        o.backing_format = IMAGE_FMT_QCOW2;
        assert_int_equal(image__create(names[i], &o), 0);
    }
    /* Data in the bottom image is visible through the whole chain. */
    im = open_rw(names[0]);
    assert_int_equal(image__pwrite(im, "bottom", 6, 100), 0);
    image__close(im);
    assert_int_equal(image__open(names[5], &oo, &im), -ELOOP);
    assert_non_null(strstr(image__errmsg(), "deeper than 4"));
    assert_int_equal(image__open(names[5], NULL, &im), 0);
    assert_int_equal(image__pread(im, buf, 6, 100), 0);
    assert_memory_equal(buf, "bottom", 6);
    struct image_extent e;
    assert_int_equal(image__block_status(im, 100, 10, 0, &e), 0);
    assert_int_equal(e.depth, 5);
    assert_true(e.flags & IMAGE_EXT_DATA);
    image__close(im);
    for (int i = 0; i < 6; i++)
        unlink(names[i]);
}

static uint64_t header_u64(const char *p, unsigned off)
{
    uint8_t b[8];
    uint64_t v = 0;
    read_at(p, b, 8, off);
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static void test_autoclear_cleared_before_write(void **state)
{
    uint8_t img[FIX_SIZE];
    const char *p = tmp_path("autoclear.qcow2");
    struct image *im;

    fixture_build(img);
    put_be64(img, 88, (1ull << 0) | (1ull << 40));
    write_file(p, img, sizeof(img));
    assert_int_equal(image__open(p, NULL, &im), 0);   /* read-only: untouched */
    image__close(im);
    assert_int_equal(header_u64(p, 88), (1ull << 0) | (1ull << 40));
    im = open_rw(p);
    assert_int_equal(image__pwrite(im, "x", 1, 0), 0);
    image__close(im);
    assert_int_equal(header_u64(p, 88), 0);
    unlink(p);
}

static void test_unknown_extension_preserved(void **state)
{
    uint8_t img[FIX_SIZE];
    const char *p = tmp_path("ext.qcow2");
    const struct image_hdr_ext *e;
    unsigned n;
    struct image *im;

    fixture_build(img);
    hex_patch(img, 0x68, "cafef00d" "00000005" "68656c6c6f000000");  /* "hello" */
    write_file(p, img, sizeof(img));
    struct image_open_opts oo = { .flags = IMAGE_O_RDWR | IMAGE_O_NO_BACKING };
    assert_int_equal(image__open(p, &oo, &im), 0);
    assert_int_equal(image__set_backing(im, "base.img", IMAGE_FMT_RAW), 0);
    image__close(im);
    assert_int_equal(image__open(p, &oo, &im), 0);
    assert_int_equal(image__header_extensions(im, &e, &n), 0);
    bool found = false;
    for (unsigned i = 0; i < n; i++)
        if (e[i].magic == 0xcafef00d && e[i].len == 5 && !memcmp(e[i].data, "hello", 5))
            found = true;
    assert_true(found);
    struct image_info info;
    image__get_info(im, &info);
    assert_string_equal(info.backing_file, "base.img");
    assert_string_equal(info.backing_format, "raw");
    image__close(im);
    unlink(p);
}

/* Every cluster's stored refcount equals the references the metadata makes
 * to it: nothing leaked, nothing too low. */
static void assert_refcounts_match_references(struct image *im)
{
    struct qcow2 *q = image__qcow2(im);
    uint32_t *counts;
    uint64_t n, rcv;

    assert_int_equal(qcow2__count_references(q, &counts, &n), 0);
    for (uint64_t c = 0; c < n; c++) {
        assert_int_equal(qcow2__get_refcount(q, c, &rcv), 0);
        assert_int_equal(rcv, counts[c]);
    }
    free(counts);
}

static void test_dirty_image_repaired_on_open(void **state)
{
    const char *p = tmp_path("dirty.qcow2");
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 4 << 20,
                                   .lazy_refcounts = true, .cluster_size = 4096 };
    struct image *im;
    struct qcow2 *q;
    uint8_t buf[8192];

    assert_int_equal(image__create(p, &o), 0);
    im = open_rw(p);
    fill(buf, sizeof(buf), 1);
    assert_int_equal(image__pwrite(im, buf, sizeof(buf), 65536), 0);
    assert_int_equal(image__flush(im), 0);
    /* Simulate the crash: the dirty bit is on disk; zero every refcount
     * past the metadata so they are too low, as lazy refcounts allow. */
    assert_int_equal(header_u64(p, 72) & 1, 1);
    q = image__qcow2(im);
    uint64_t rb = q->reftable[0];
    int fd = open(p, O_WRONLY);
    uint8_t z[64] = { 0 };
    assert_int_equal(pwrite(fd, z, sizeof(z), rb + 8), (ssize_t)sizeof(z));
    close(fd);
    q->read_only = true;        /* drop the handle without cleaning up */
    image__close(im);
    im = open_rw(p);            /* repairs */
    image__close(im);
    assert_int_equal(header_u64(p, 72) & 1, 0);
    assert_int_equal(image__open(p, NULL, &im), 0);
    uint8_t r[8192];
    assert_int_equal(image__pread(im, r, sizeof(r), 65536), 0);
    assert_memory_equal(buf, r, sizeof(r));
    assert_refcounts_match_references(im);
    image__close(im);
    unlink(p);
}

static void test_refcount_overflow_refused(void **state)
{
    const char *p = tmp_path("rc1.qcow2");
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 1 << 20,
                                   .refcount_bits = 1 };
    struct image *im;
    const struct image_snapshot *l;
    unsigned n;

    assert_int_equal(image__create(p, &o), 0);
    im = open_rw(p);
    assert_int_equal(image__pwrite(im, "data", 4, 0), 0);
    assert_int_equal(image__snapshot_create(im, "s1"), -ERANGE);
    assert_non_null(strstr(image__errmsg(), "refcount overflow"));
    assert_int_equal(image__snapshot_list(im, &l, &n), 0);
    assert_int_equal(n, 0);
    /* The image stays usable. */
    assert_int_equal(image__pwrite(im, "more", 4, 70000), 0);
    assert_int_equal(image__close(im), 0);
    unlink(p);
}

/* Every active L1/L2 entry has COPIED exactly when its refcount is 1. */
static void assert_copied_exact(struct image *im)
{
    struct qcow2 *q = image__qcow2(im);
    uint64_t rcv;

    for (uint32_t i = 0; i < q->l1_size; i++) {
        uint64_t l2 = q->l1[i] & QCOW2_L1E_OFFSET_MASK;
        if (!l2)
            continue;
        assert_int_equal(qcow2__get_refcount(q, l2 >> q->cluster_bits, &rcv), 0);
        assert_int_equal(rcv == 1, !!(q->l1[i] & QCOW2_OFLAG_COPIED));
        for (uint64_t j = 0; j < q->cluster_size / 8; j++) {
            uint64_t vc = ((uint64_t)i << q->l2_bits) + j, e;
            assert_int_equal(qcow2__get_l2e(q, vc, &e), 0);
            if (!(e & QCOW2_L2E_OFFSET_MASK) || (e & QCOW2_OFLAG_COMPRESSED))
                continue;
            assert_int_equal(qcow2__get_refcount(q, (e & QCOW2_L2E_OFFSET_MASK) >>
                                                        q->cluster_bits, &rcv), 0);
            assert_int_equal(rcv == 1, !!(e & QCOW2_OFLAG_COPIED));
        }
    }
}

static void test_snapshots_keep_copied_exact(void **state)
{
    const char *p = tmp_path("snap.qcow2");
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 4 << 20,
                                   .cluster_size = 4096 };
    struct image *im;
    uint8_t a[20000], b[20000], r[20000];

    fill(a, sizeof(a), 1);
    fill(b, sizeof(b), 2);
    assert_int_equal(image__create(p, &o), 0);
    im = open_rw(p);
    assert_int_equal(image__pwrite(im, a, sizeof(a), 1000), 0);
    assert_copied_exact(im);
    assert_int_equal(image__snapshot_create(im, "one"), 0);
    assert_int_equal(image__snapshot_create(im, "one"), -EEXIST);
    assert_copied_exact(im);
    assert_int_equal(image__pwrite(im, b, sizeof(b), 1000), 0);
    assert_copied_exact(im);
    assert_int_equal(image__snapshot_apply(im, "one"), 0);
    assert_copied_exact(im);
    assert_int_equal(image__pread(im, r, sizeof(r), 1000), 0);
    assert_memory_equal(a, r, sizeof(r));
    assert_int_equal(image__pwrite(im, b, sizeof(b), 1000), 0);
    assert_int_equal(image__snapshot_delete(im, "1"), 0);
    assert_copied_exact(im);
    assert_int_equal(image__pread(im, r, sizeof(r), 1000), 0);
    assert_memory_equal(b, r, sizeof(r));
    assert_int_equal(image__close(im), 0);
    unlink(p);
}

struct worker { struct image *im; int id; int rc; };

static void *writer(void *arg)
{
    struct worker *w = arg;
    uint8_t buf[4096], r[4096];

    for (int i = 0; i < 200 && !w->rc; i++) {
        uint64_t off = ((uint64_t)(i * 4 + w->id)) * 65536 + (i % 3) * 4096;
        fill(buf, sizeof(buf), w->id * 1000 + i);
        w->rc = image__pwrite(w->im, buf, sizeof(buf), off);
        if (!w->rc)
            w->rc = image__pread(w->im, r, sizeof(r), off);
        if (!w->rc && memcmp(buf, r, sizeof(r)))
            w->rc = -EIO;
    }
    return NULL;
}

static void test_parallel_writers(void **state)
{
    const char *p = tmp_path("mt.qcow2");
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 64 << 20 };
    struct worker w[4];
    pthread_t t[4];
    struct image *im;

    assert_int_equal(image__create(p, &o), 0);
    im = open_rw(p);
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){ .im = im, .id = i };
        pthread_create(&t[i], NULL, writer, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].rc, 0);
    }
    assert_int_equal(image__close(im), 0);
    assert_int_equal(image__open(p, NULL, &im), 0);
    assert_refcounts_match_references(im);
    image__close(im);
    unlink(p);
}

static void test_zero_and_discard(void **state)
{
    const char *p = tmp_path("zero.qcow2");
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 4 << 20 };
    struct image *im;
    uint8_t buf[131072], r[131072];
    struct image_extent e;

    assert_int_equal(image__create(p, &o), 0);
    im = open_rw(p);
    fill(buf, sizeof(buf), 5);
    assert_int_equal(image__pwrite(im, buf, sizeof(buf), 0), 0);
    assert_int_equal(image__write_zeroes(im, 65536, 65536, 0), 0);
    assert_int_equal(image__block_status(im, 65536, 65536, 0, &e), 0);
    assert_true(e.flags & IMAGE_EXT_ZERO);
    assert_int_equal(image__pread(im, r, sizeof(r), 0), 0);
    assert_memory_equal(buf, r, 65536);
    for (int i = 65536; i < 131072; i++)
        assert_int_equal(r[i], 0);
    assert_int_equal(image__discard(im, 0, 65536), 0);
    assert_int_equal(image__pread(im, r, 65536, 0), 0);
    for (int i = 0; i < 65536; i++)
        assert_int_equal(r[i], 0);
    assert_int_equal(image__close(im), 0);
    unlink(p);
}

/* The split API convert -c uses: compress in any thread, store in order. */
static void test_compressed_clusters(void **state)
{
    static const enum image_compression types[] = { IMAGE_COMP_ZLIB, IMAGE_COMP_ZSTD };
    const char *p = tmp_path("comp.qcow2");

    for (int t = 0; t < 2; t++) {
        struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 1 << 20,
                                       .compression_type = types[t] };
        struct image *im;
        uint8_t src[65536], dst[65536], r[65536];
        struct image_extent e;
        long clen;

        for (size_t i = 0; i < sizeof(src); i++)
            src[i] = "pvstack "[i % 8] + (uint8_t)(i >> 12);
        assert_int_equal(image__create(p, &o), 0);
        im = open_rw(p);
        clen = image__compress_cluster(im, dst, sizeof(dst), src);
        assert_true(clen > 0 && clen < 65536);
        assert_int_equal(image__write_precompressed(im, 65536, dst, clen), 0);
        assert_int_equal(image__write_compressed(im, src, sizeof(src), 131072), 0);
        assert_int_equal(image__block_status(im, 65536, 65536, 0, &e), 0);
        assert_true(e.flags & IMAGE_EXT_COMPRESSED);
        assert_int_equal(image__close(im), 0);
        assert_int_equal(image__open(p, NULL, &im), 0);
        assert_int_equal(image__pread(im, r, sizeof(r), 65536), 0);
        assert_memory_equal(src, r, sizeof(r));
        assert_int_equal(image__pread(im, r, sizeof(r), 131072), 0);
        assert_memory_equal(src, r, sizeof(r));
        struct image_info info;
        image__get_info(im, &info);
        assert_int_equal(info.compression_type, types[t]);
        image__close(im);
        /* Overwriting a compressed cluster partially keeps the rest. */
        im = open_rw(p);
        assert_int_equal(image__pwrite(im, "X", 1, 65536 + 100), 0);
        assert_int_equal(image__pread(im, r, sizeof(r), 65536), 0);
        src[100] = 'X';
        assert_memory_equal(src, r, sizeof(r));
        assert_int_equal(image__close(im), 0);
    }
    unlink(p);
}

/* Figures qemu-img 7.2 prints for `measure -O qcow2 --size 1G` (and with
 * cluster_size=512, refcount_bits=64). */
static void test_measure_matches_qemu(void **state)
{
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2, .size = 1ull << 30 };
    uint64_t req, full;

    assert_int_equal(image__measure(&o, NULL, &req, &full), 0);
    assert_int_equal(req, 393216);
    assert_int_equal(full, 1074135040);
    o.size = 100 << 20;
    o.cluster_size = 512;
    o.refcount_bits = 64;
    assert_int_equal(image__measure(&o, NULL, &req, &full), 0);
    assert_int_equal(req, 3382784);
    assert_int_equal(full, 108240384);
    o.size = 1ull << 30;
    o.format = IMAGE_FMT_RAW;
    assert_int_equal(image__measure(&o, NULL, &req, &full), 0);
    assert_int_equal(req, 1ull << 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_geometries),
        cmocka_unit_test(test_v2_refuses_v3_options),
        cmocka_unit_test(test_backing_loop_refused),
        cmocka_unit_test(test_backing_depth_cap),
        cmocka_unit_test(test_autoclear_cleared_before_write),
        cmocka_unit_test(test_unknown_extension_preserved),
        cmocka_unit_test(test_dirty_image_repaired_on_open),
        cmocka_unit_test(test_refcount_overflow_refused),
        cmocka_unit_test(test_snapshots_keep_copied_exact),
        cmocka_unit_test(test_parallel_writers),
        cmocka_unit_test(test_zero_and_discard),
        cmocka_unit_test(test_compressed_clusters),
        cmocka_unit_test(test_measure_matches_qemu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
