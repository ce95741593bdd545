/* The deflate that writes zlib-type qcow2 clusters (ISA-L igzip, or zlib):
 * every stream must inflate through a strict 4 KiB window, because that is
 * all QEMU promises to keep (windowBits -12).  QEMU itself inflates a
 * cluster into one flat buffer, which would also accept references further
 * back, so the check below feeds the inflater one output byte at a time:
 * then only its 4 KiB window holds history and a reference past it fails
 * ("invalid distance too far back").  The negative control proves that. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "blktap/image.h"
#include "blktap/qcow2_int.h"

/* 0: LEN bytes of src came out of the stream of CLEN bytes with a 4 KiB
 * window, and the stream ended there. */
static int inflate_strict(const uint8_t *c, size_t clen, const uint8_t *want, size_t len)
{
    z_stream s;
    uint8_t *out = malloc(len + 1);
    int r = Z_OK, rc = -1;

    memset(&s, 0, sizeof(s));
    if (!out || inflateInit2(&s, -12) != Z_OK)
        goto out_free;
    s.next_in = (Bytef *)c;
    s.avail_in = (uInt)clen;
    s.next_out = out;
    while (r == Z_OK && s.total_out <= len) {
        s.avail_out = 1;
        r = inflate(&s, Z_NO_FLUSH);
    }
    if (r == Z_STREAM_END && s.total_out == len && s.avail_in == 0 && !memcmp(out, want, len))
        rc = 0;
    inflateEnd(&s);
out_free:
    free(out);
    return rc;
}

/* Raw deflate with zlib's full 32 KiB window: the negative control. */
static long deflate_wide(uint8_t *dst, size_t cap, const uint8_t *src, size_t len)
{
    z_stream s;
    long out;

    memset(&s, 0, sizeof(s));
    assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    s.next_in = (Bytef *)src;
    s.avail_in = (uInt)len;
    s.next_out = dst;
    s.avail_out = (uInt)cap;
    out = deflate(&s, Z_FINISH) == Z_STREAM_END ? (long)(cap - s.avail_out) : 0;
    deflateEnd(&s);
    return out;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint8_t rnd8(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)rng_state;
}

/* Adversarial cluster contents.  Returns a name for messages. */
static const char *make_case(int k, uint8_t *b, size_t len)
{
    size_t period;
    switch (k) {
    case 0:                                     /* incompressible */
        for (size_t i = 0; i < len; i++)
            b[i] = rnd8();
        return "random";
    case 1:
        memset(b, 0, len);
        return "zeros";
    case 2: case 3: case 4: case 5:             /* repeats just past, far past the window */
        period = k == 2 ? 4097 : k == 3 ? 5000 : k == 4 ? 8192 : 32768;
        for (size_t i = 0; i < len; i++)
            b[i] = i < period ? rnd8() : b[i - period];
        return "random block repeated beyond 4 KiB";
    case 6:                                     /* repeat exactly at the window edge */
        for (size_t i = 0; i < len; i++)
            b[i] = i < 4096 ? rnd8() : b[i - 4096];
        return "random block repeated at 4096";
    case 7:                                     /* text-like with long-range echoes */
        for (size_t i = 0; i < len; i++)
            b[i] = (i % 7000 < 300 && i > 7000) ? b[i - 7000] : (uint8_t)("pvstack qcow2 "[i % 14] ^ (rnd8() & 1));
        return "text with far echoes";
    default:                                    /* random, one byte short of shrinking */
        for (size_t i = 0; i < len; i++)
            b[i] = rnd8();
        memset(b, 'A', 12);
        return "random with a short run";
    }
}

static void check_impl(const char *impl)
{
    static const size_t sizes[] = { 512, 4096, 65536, 2 << 20 };
    if (qcow2__deflate_use(impl) == -ENOTSUP)
        skip();
    assert_string_equal(qcow2__deflate_name(), impl);
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        size_t cs = sizes[si];
        uint8_t *src = malloc(cs), *dst = malloc(cs);
        assert_non_null(src);
        assert_non_null(dst);
        for (int k = 0; k < 9; k++) {
            const char *what = make_case(k, src, cs);
            /* cap cs - 1: a cluster must shrink to be stored compressed */
            long n = qcow2__deflate(dst, cs - 1, src, cs);
            assert_true(n >= 0);
            /* Random data repeated only beyond 4 KiB is incompressible to a
             * deflate that keeps to the window (chance 3-byte matches may
             * save a few bytes): shrinking it much would mean references
             * further back. */
            bool must_not_shrink = k == 0 || (k >= 2 && k <= 5) ||
                                   (k == 6 && cs <= 4096);
            /* zlib keeps 262 bytes of lookahead out of its window, so only
             * igzip reaches a repeat exactly 4096 back */
            bool must_shrink = k == 1 || k == 7 ||
                               (k == 6 && cs > 4096 && !strcmp(impl, "isal"));
            if (must_not_shrink && n != 0 && (size_t)n < cs - cs / 64)
                fail_msg("%s: %s (%d) cluster of %zu compressed to %ld", impl, what, k, cs, n);
            if (must_shrink && n == 0)
                fail_msg("%s: %s cluster of %zu did not shrink", impl, what, cs);
            if (n && inflate_strict(dst, (size_t)n, src, cs))
                fail_msg("%s: %s cluster of %zu does not inflate with a 4 KiB window",
                         impl, what, cs);
        }
        free(src);
        free(dst);
    }
}

static void test_isal_window(void **state) { check_impl("isal"); }
static void test_zlib_window(void **state) { check_impl("zlib"); }

/* The strict check fails a stream with references beyond 4 KiB. */
static void test_checker_rejects_wide_window(void **state)
{
    size_t cs = 65536;
    uint8_t *src = malloc(cs), *dst = malloc(cs);
    make_case(3, src, cs);
    long n = deflate_wide(dst, cs, src, cs);
    assert_true(n > 0 && n < 20000);
    assert_int_not_equal(inflate_strict(dst, (size_t)n, src, cs), 0);
    free(src);
    free(dst);
}

/* Short random runs: whatever the data, a stored stream inflates back. */
static void test_random_mixture(void **state)
{
    const char *impls[] = { "isal", "zlib" };
    size_t cs = 65536;
    uint8_t *src = malloc(cs), *dst = malloc(cs);
    for (int im = 0; im < 2; im++) {
        if (qcow2__deflate_use(impls[im]))
            continue;
        for (int iter = 0; iter < 40; iter++) {
            size_t i = 0;
            while (i < cs) {    /* pieces: literals, runs, copies from far back */
                size_t n = 1 + rnd8() % 200 * (1 + rnd8() % 40);
                if (n > cs - i)
                    n = cs - i;
                int kind = rnd8() % 3;
                size_t dist = 1 + (size_t)(rnd8() | rnd8() << 8) % 20000;
                for (size_t j = 0; j < n; j++, i++)
                    src[i] = kind == 0 ? rnd8() : kind == 1 ? 0x5a
                           : (i >= dist ? src[i - dist] : rnd8());
            }
            long n = qcow2__deflate(dst, cs - 1, src, cs);
            assert_true(n >= 0);
            if (n && inflate_strict(dst, (size_t)n, src, cs))
                fail_msg("%s: mixture %d does not inflate with a 4 KiB window", impls[im], iter);
        }
    }
    free(src);
    free(dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_rejects_wide_window),
        cmocka_unit_test(test_isal_window),
        cmocka_unit_test(test_zlib_window),
        cmocka_unit_test(test_random_mixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
