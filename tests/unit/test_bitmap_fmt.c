/* Bitmaps print as xl prints them: scripts parse "all", "none", "0-3,6". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "libxl/bitmap_fmt.h"

static const char *fmt(const uint8_t *map, int nbits)
{
    static char buf[128];

    return pv_bitmap_format(map, nbits, buf, sizeof(buf));
}

static void all_and_none(void **state)
{
    const uint8_t full[2] = { 0xff, 0x0f }, empty[2] = { 0, 0 };

    assert_string_equal(fmt(full, 12), "all");
    assert_string_equal(fmt(full, 1), "all");
    assert_string_equal(fmt(empty, 12), "none");
    assert_string_equal(fmt(empty, 0), "none");
}

static void ranges(void **state)
{
    const uint8_t a[2] = { 0x4f, 0x01 };   /* 0-3, 6, 8 */
    const uint8_t b[1] = { 0x7e };         /* 1-6 of 8 */
    const uint8_t c[1] = { 0x0f };         /* 0-3 of 8: a run from 0, not all */
    const uint8_t d[1] = { 0x80 };

    assert_string_equal(fmt(a, 12), "0-3,6,8");
    assert_string_equal(fmt(b, 8), "1-6");
    assert_string_equal(fmt(c, 8), "0-3");
    assert_string_equal(fmt(d, 8), "7");
    /* Bits beyond nbits are not looked at. */
    assert_string_equal(fmt(a, 4), "all");
}

static void truncation_is_safe(void **state)
{
    const uint8_t a[2] = { 0x55, 0x55 };
    char small[6];

    pv_bitmap_format(a, 16, small, sizeof(small));
    assert_string_equal(small, "0,2,4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_and_none),
        cmocka_unit_test(ranges),
        cmocka_unit_test(truncation_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
