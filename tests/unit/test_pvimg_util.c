/* Unit tests of pvimg's qemu-compatible helpers: sizes, -o options, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blktap/pvimg.h"

static void test_parse_size(void **state)
{
    uint64_t v;
    assert_int_equal(pvimg_parse_size("512", &v), 0);
    assert_int_equal(v, 512);
    assert_int_equal(pvimg_parse_size("1k", &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(pvimg_parse_size("64K", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(pvimg_parse_size("1.5G", &v), 0);
    assert_int_equal(v, 1610612736ULL);
    assert_int_equal(pvimg_parse_size("2M", &v), 0);
    assert_int_equal(v, 2097152);
    assert_int_equal(pvimg_parse_size("1e", &v), 0);
    assert_int_equal(v, 1ULL << 60);
    assert_int_equal(pvimg_parse_size("100b", &v), 0);
    assert_int_equal(v, 100);
    assert_true(pvimg_parse_size("12Q", &v) < 0);
    assert_true(pvimg_parse_size("-1", &v) < 0);
    assert_true(pvimg_parse_size("", &v) < 0);
    assert_true(pvimg_parse_size("1.5", &v) < 0);   /* fraction needs a unit */
    assert_true(pvimg_parse_size("16E", &v) < 0);   /* above INT64_MAX */
    assert_true(pvimg_parse_size("99999999999999999999", &v) < 0);
}

static void test_size_str(void **state)
{
    char b[32];
    assert_string_equal(pvimg_size_str(0, b), "0 B");
    assert_string_equal(pvimg_size_str(999, b), "999 B");
    assert_string_equal(pvimg_size_str(1000, b), "0.977 KiB");
    assert_string_equal(pvimg_size_str(200704, b), "196 KiB");
    assert_string_equal(pvimg_size_str(1073741824ULL, b), "1 GiB");
    assert_string_equal(pvimg_size_str(1610612736ULL, b), "1.5 GiB");
    assert_string_equal(pvimg_size_str(3280896, b), "3.13 MiB");
    assert_string_equal(pvimg_size_str(100ULL << 30, b), "100 GiB");
}

static void test_opts(void **state)
{
    struct pvimg_opts o = { 0 };
    assert_int_equal(pvimg_opts_parse(&o, "cluster_size=4k,compat=0.10"), 0);
    assert_int_equal(pvimg_opts_parse(&o, "backing_file=a,,b.qcow2,lazy_refcounts"), 0);
    assert_int_equal(o.n, 4);
    assert_string_equal(pvimg_opts_get(&o, "cluster_size"), "4k");
    assert_string_equal(pvimg_opts_get(&o, "backing_file"), "a,b.qcow2");
    assert_string_equal(pvimg_opts_get(&o, "lazy_refcounts"), "on");
    assert_null(pvimg_opts_get(&o, "size"));
    assert_int_equal(pvimg_create_opts_syntax(IMAGE_FMT_QCOW2, &o, "f"), 0);
    assert_int_equal(pvimg_create_opts_syntax(IMAGE_FMT_RAW, &o, "f"), -EINVAL);
    pvimg_opts_free(&o);
}

static void test_json(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct pvimg_json j;
    pvimg_json_begin(&j, f, '{');
    pvimg_json_uint(&j, "virtual-size", 1024);
    pvimg_json_str(&j, "filename", "a\"b");
    pvimg_json_open(&j, "data", '{');
    pvimg_json_bool(&j, "corrupt", false);
    pvimg_json_close(&j, '}');
    pvimg_json_open(&j, "empty", '[');
    pvimg_json_close(&j, ']');
    pvimg_json_end(&j, '}');
    fclose(f);
    assert_string_equal(buf, "{\n"
                             "    \"virtual-size\": 1024,\n"
                             "    \"filename\": \"a\\\"b\",\n"
                             "    \"data\": {\n"
                             "        \"corrupt\": false\n"
                             "    },\n"
                             "    \"empty\": [\n"
                             "    ]\n"
                             "}\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_size_str),
        cmocka_unit_test(test_opts),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
