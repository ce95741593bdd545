/* Unit tests of blktap/qcow2_check.c on the hex fixtures in
 * tests/fixtures/qcow2 (qemu-img's own verdicts on the same files are
 * compared by tests/interop/t_check.sh; here we pin the counts, the repair
 * and robustness against damaged metadata under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blktap/qcow2_check.h"

#define FIXDIR "tests/fixtures/qcow2/"

/* Decode a sparse hex fixture ("size N" + "OFFSET: HEX" rows) into a
 * temporary file; returns an O_RDWR fd. */
static int load_fixture(const char *name, char *path_out)
{
    char p[256];
    snprintf(p, sizeof(p), FIXDIR "%s.hex", name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    strcpy(path_out, "/tmp/pvimg-ut-XXXXXX");
    int fd = mkstemp(path_out);
    assert_true(fd >= 0);
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        unsigned long long v;
        if (line[0] == '#')
            continue;
        if (sscanf(line, "size %llu", &v) == 1) {
            assert_int_equal(ftruncate(fd, (off_t)v), 0);
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        unsigned long long off = strtoull(line, NULL, 16);
        uint8_t buf[64];
        size_t n = 0;
        for (char *h = colon + 1; *h && n < sizeof(buf);) {
            while (*h == ' ')
                h++;
            if (!h[0] || !h[1] || h[0] == '\n')
                break;
            char b[3] = { h[0], h[1], 0 };
            buf[n++] = (uint8_t)strtoul(b, NULL, 16);
            h += 2;
        }
        assert_int_equal(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
    }
    fclose(f);
    return fd;
}

static struct qcow2_check_result run(int fd, int fix, int *rc)
{
    struct qcow2_check_result r;
    char why[256];
    FILE *devnull = fopen("/dev/null", "w");
    *rc = qcow2_check_fd(fd, fix, &r, devnull, why, sizeof(why));
    fclose(devnull);
    return r;
}

static void test_clean(void **state)
{
    char path[64];
    int fd = load_fixture("clean", path), rc;
    struct qcow2_check_result r = run(fd, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(r.corruptions + r.leaks + r.check_errors, 0);
    assert_int_equal(r.allocated_clusters, 3);
    assert_int_equal(r.total_clusters, 128);
    assert_true(r.image_end_offset > 0);
    close(fd);
    unlink(path);
}

static void test_leak_repaired(void **state)
{
    char path[64];
    int fd = load_fixture("leak", path), rc;
    struct qcow2_check_result r = run(fd, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(r.leaks, 1);
    assert_int_equal(r.corruptions, 0);
    r = run(fd, QCOW2_FIX_LEAKS, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(r.leaks_fixed, 1);
    r = run(fd, 0, &rc);
    assert_int_equal(r.leaks + r.corruptions, 0);
    close(fd);
    unlink(path);
}

static void test_refcount_zero_needs_rebuild(void **state)
{
    char path[64];
    int fd = load_fixture("refcount-zero", path), rc;
    struct qcow2_check_result r = run(fd, 0, &rc);
    assert_true(r.corruptions > 0);
    /* -r leaks cannot rebuild: it must refuse, not half-repair */
    r = run(fd, QCOW2_FIX_LEAKS, &rc);
    assert_int_equal(rc, -EIO);
    r = run(fd, QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS, &rc);
    assert_int_equal(rc, 0);
    r = run(fd, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(r.leaks + r.corruptions + r.check_errors, 0);
    close(fd);
    unlink(path);
}

static void test_readonly_check_never_writes(void **state)
{
    static const char *const names[] = { "clean", "leak", "leak-refcount2", "refcount-zero",
        "copied-clear", "l1-copied-clear", "l2-unaligned", "reftable-unaligned", "l2-past-eof",
        "rc1-leak", "snap-refcount", "dirty" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[64];
        int fd = load_fixture(names[i], path), rc;
        struct stat a, b;
        fstat(fd, &a);
        uint8_t *before = malloc((size_t)a.st_size), *after = malloc((size_t)a.st_size);
        assert_int_equal(pread(fd, before, (size_t)a.st_size, 0), a.st_size);
        run(fd, 0, &rc);
        fstat(fd, &b);
        assert_int_equal(a.st_size, b.st_size);
        assert_int_equal(pread(fd, after, (size_t)a.st_size, 0), a.st_size);
        assert_memory_equal(before, after, (size_t)a.st_size);
        /* and a full repair converges: a second repair has nothing to do */
        run(fd, QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS, &rc);
        struct qcow2_check_result r2 = run(fd, QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS, &rc);
        if (rc == 0)
            assert_int_equal(r2.leaks_fixed + r2.corruptions_fixed, 0);
        free(before);
        free(after);
        close(fd);
        unlink(path);
    }
}

static void test_garbage_header_refused(void **state)
{
    char path[] = "/tmp/pvimg-ut-XXXXXX";
    int fd = mkstemp(path), rc;
    static const uint8_t hdr[] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    assert_int_equal(pwrite(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
    assert_int_equal(ftruncate(fd, 4096), 0);
    struct qcow2_check_result r;
    char why[256];
    rc = qcow2_check_fd(fd, 0, &r, NULL, why, sizeof(why));
    assert_true(rc < 0);
    assert_string_equal(why, "Unsupported cluster size: 2^0");
    /* a huge L1 size is refused, not allocated */
    uint8_t h[104] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    h[23] = 16;                                     /* cluster_bits */
    h[31] = 1;                                      /* size 1 byte */
    h[36] = 0x7f; h[37] = 0xff; h[38] = 0xff; h[39] = 0xff;  /* l1_size */
    h[45] = 0x03;                                   /* l1 offset 0x30000 */
    h[53] = 0x01;                                   /* reftable 0x10000 */
    h[59] = 1;
    h[99] = 4;                                      /* refcount order */
    h[103] = 104;                                   /* header length */
    assert_int_equal(pwrite(fd, h, sizeof(h), 0), (ssize_t)sizeof(h));
    rc = qcow2_check_fd(fd, 0, &r, NULL, why, sizeof(why));
    assert_true(rc < 0);
    assert_string_equal(why, "Active L1 table too large");
    close(fd);
    unlink(path);
}

/* Flip bytes all over the metadata of the clean fixture: the checker must
 * neither crash (ASan/UBSan run this) nor loop, with or without repair. */
static void test_damaged_metadata_no_crash(void **state)
{
    srand(7);
    for (int iter = 0; iter < 300; iter++) {
        char path[64];
        int fd = load_fixture(iter % 2 ? "clean" : "snap-refcount", path), rc;
        struct stat st;
        fstat(fd, &st);
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++) {
            /* metadata lives in the first 9 clusters of these images */
            off_t off = rand() % (9 * 512);
            if (off < 8)
                off += 8;       /* keep the magic and version */
            uint8_t v = (uint8_t)rand();
            assert_int_equal(pwrite(fd, &v, 1, off), 1);
        }
        run(fd, 0, &rc);
        run(fd, iter % 3 ? QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS : QCOW2_FIX_LEAKS, &rc);
        close(fd);
        unlink(path);
    }
}

static void test_preallocation_heuristic(void **state)
{
    char path[64];
    int fd = load_fixture("clean", path);
    /* the fixture's file is fully written: not "metadata preallocated" */
    assert_int_equal(qcow2_metadata_preallocated(fd), 0);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_leak_repaired),
        cmocka_unit_test(test_refcount_zero_needs_rebuild),
        cmocka_unit_test(test_readonly_check_never_writes),
        cmocka_unit_test(test_garbage_header_refused),
        cmocka_unit_test(test_damaged_metadata_no_crash),
        cmocka_unit_test(test_preallocation_heuristic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
