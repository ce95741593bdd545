/* The "did you mean" helper: distances and which suggestions are made. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "libxl/suggest.h"

static const char *const keys[] = {
    "name", "memory", "maxmem", "vcpus", "maxvcpus", "cpus", "cpus_soft",
    "cap", "vif", "disk", "on_crash", "on_reboot", "on_poweroff", "kernel",
    "ramdisk", "extra", "cmdline", "bootloader", "type", "builder", NULL,
};

static void distances(void **state)
{
    assert_int_equal(pv_edit_distance("", ""), 0);
    assert_int_equal(pv_edit_distance("abc", ""), 3);
    assert_int_equal(pv_edit_distance("", "abc"), 3);
    assert_int_equal(pv_edit_distance("vcpu", "vcpus"), 1);     /* insert */
    assert_int_equal(pv_edit_distance("vcpuss", "vcpus"), 1);   /* delete */
    assert_int_equal(pv_edit_distance("memery", "memory"), 1);  /* subst. */
    assert_int_equal(pv_edit_distance("mmeory", "memory"), 1);  /* swap */
    assert_int_equal(pv_edit_distance("kitten", "sitting"), 3);
    /* Case and '-' vs '_' do not count. */
    assert_int_equal(pv_edit_distance("Memory", "memory"), 0);
    assert_int_equal(pv_edit_distance("on-crash", "on_crash"), 0);
    /* Symmetric. */
    assert_int_equal(pv_edit_distance("maxcpus", "maxvcpus"),
                     pv_edit_distance("maxvcpus", "maxcpus"));
}

static void overlong_words_are_far(void **state)
{
    char a[200], b[200];
    memset(a, 'a', sizeof(a) - 1);
    a[sizeof(a) - 1] = '\0';
    memcpy(b, a, sizeof(b));
    assert_true(pv_edit_distance(a, b) >= 64);  /* refused, not computed */
    assert_null(pv_suggest(a, keys, (size_t)-1));
}

static void suggestions_for_common_mistakes(void **state)
{
    const struct { const char *typo, *want; } cases[] = {
        { "vcpu", "vcpus" },        { "maxcpus", "maxvcpus" },
        { "memroy", "memory" },     { "nmae", "name" },
        { "on-crash", "on_crash" }, { "Memory", "memory" },
        { "on_reboo", "on_reboot" },{ "ramdsik", "ramdisk" },
        { "bootlaoder", "bootloader" }, { "cpu_soft", "cpus_soft" },
        { "kernal", "kernel" },     { "maxmemory", "maxmem" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *got = pv_suggest(cases[i].typo, keys, (size_t)-1);
        if (!got || strcmp(got, cases[i].want))
            fail_msg("%s: wanted %s, got %s", cases[i].typo, cases[i].want,
                     got ? got : "(none)");
    }
}

static void no_wild_guesses(void **state)
{
    assert_null(pv_suggest("frobnicate", keys, (size_t)-1));
    assert_null(pv_suggest("xyz", keys, (size_t)-1));
    assert_null(pv_suggest("ab", keys, (size_t)-1));
    assert_null(pv_suggest("usbdevice", keys, (size_t)-1));
    assert_null(pv_suggest("", keys, (size_t)-1));
    assert_null(pv_suggest(NULL, keys, (size_t)-1));
    assert_null(pv_suggest("vcpu", NULL, 3));
}

static void counted_arrays_and_ties(void **state)
{
    const char *const c[] = { "vcpus", NULL, "vcpux" };
    /* Counted: NULL entries skipped, ties go to the earlier candidate. */
    assert_string_equal(pv_suggest("vcpuz", c, 3), "vcpus");
    /* Only the first N are considered. */
    const char *const d[] = { "alpha", "memory" };
    assert_null(pv_suggest("memroy", d, 1));
    assert_string_equal(pv_suggest("memroy", d, 2), "memory");
    /* Closer beats earlier. */
    const char *const e[] = { "maxmem", "maxvcpus" };
    assert_string_equal(pv_suggest("maxvcpu", e, 2), "maxvcpus");
}

static void thresholds(void **state)
{
    assert_int_equal(pv_suggest_max_distance(2), 0);
    assert_int_equal(pv_suggest_max_distance(4), 1);
    assert_int_equal(pv_suggest_max_distance(8), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distances),
        cmocka_unit_test(overlong_words_are_far),
        cmocka_unit_test(suggestions_for_common_mistakes),
        cmocka_unit_test(no_wild_guesses),
        cmocka_unit_test(counted_arrays_and_ties),
        cmocka_unit_test(thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
