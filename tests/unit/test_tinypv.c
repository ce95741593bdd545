/* tinypv's pure parts, built for the host: the command line decides what
 * a test guest does, so a misparse would make e2e tests lie; the
 * formatter produces the marker lines tests grep for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "tests/fixtures/tinypv/cmdline.c"
#include "tests/fixtures/tinypv/fmt.c"

static void defaults_wait_without_ticks(void **state)
{
    struct tp_opts o;
    char err[TP_ERR_MAX];

    assert_int_equal(tp_cmdline_parse(NULL, &o, err), 0);
    assert_int_equal(o.action, TP_ACT_WAIT);
    assert_int_equal(o.ticks, 0);
    assert_int_equal(o.delay_s, 0);
    assert_int_equal(tp_cmdline_parse("", &o, err), 0);
    assert_int_equal(o.action, TP_ACT_WAIT);
    assert_string_equal(err, "");
}

static void every_action_is_recognised(void **state)
{
    static const struct { const char *cmd; enum tp_action a; } cases[] = {
        { "action=poweroff", TP_ACT_POWEROFF }, { "action=reboot", TP_ACT_REBOOT },
        { "action=crash", TP_ACT_CRASH },       { "action=halt", TP_ACT_HALT },
        { "action=wait", TP_ACT_WAIT },         { "action=watchdog", TP_ACT_WATCHDOG },
    };
    struct tp_opts o;
    char err[TP_ERR_MAX];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(tp_cmdline_parse(cases[i].cmd, &o, err), 0);
        assert_int_equal(o.action, cases[i].a);
        assert_string_equal(tp_action_name(o.action), cases[i].cmd + 7);
    }
}

static void foreign_words_are_ignored(void **state)
{
    struct tp_opts o;
    char err[TP_ERR_MAX];

    /* What xl builds from root= and extra= for a Linux guest. */
    assert_int_equal(tp_cmdline_parse("root=/dev/xvda1 ro  console=hvc0\t"
                                      "quiet action=reboot ticks=1 delay=3 "
                                      "actions=halt xaction=crash",
                                      &o, err), 0);
    assert_int_equal(o.action, TP_ACT_REBOOT);
    assert_int_equal(o.ticks, 1);
    assert_int_equal(o.delay_s, 3);
}

static void last_setting_wins(void **state)
{
    struct tp_opts o;
    char err[TP_ERR_MAX];

    assert_int_equal(tp_cmdline_parse("action=halt action=crash ticks=1 ticks=0",
                                      &o, err), 0);
    assert_int_equal(o.action, TP_ACT_CRASH);
    assert_int_equal(o.ticks, 0);
}

static void bad_values_are_reported_and_keep_defaults(void **state)
{
    struct tp_opts o;
    char err[TP_ERR_MAX];

    assert_int_equal(tp_cmdline_parse("action=explode ticks=yes delay=-1 "
                                      "watchdog=0", &o, err), 4);
    assert_int_equal(o.action, TP_ACT_WAIT);
    assert_int_equal(o.ticks, 0);
    assert_int_equal(o.delay_s, 0);
    assert_int_equal(o.watchdog_s, 5);
    /* The first problem is named with its value. */
    assert_non_null(strstr(err, "action=explode"));
    assert_non_null(strstr(err, "poweroff"));

    /* Prefixes and empty values are not accepted as actions. */
    assert_int_equal(tp_cmdline_parse("action=power", &o, err), 1);
    assert_int_equal(tp_cmdline_parse("action=", &o, err), 1);
    assert_int_equal(tp_cmdline_parse("action=poweroffx", &o, err), 1);
    assert_int_equal(o.action, TP_ACT_WAIT);
    assert_int_equal(tp_cmdline_parse("delay=86401", &o, err), 1);
    assert_int_equal(tp_cmdline_parse("delay=99999999999", &o, err), 1);
    assert_int_equal(tp_cmdline_parse("watchdog=30 delay=86400", &o, err), 0);
    assert_int_equal(o.watchdog_s, 30);
    assert_int_equal(o.delay_s, 86400);
}

static void long_bad_value_is_truncated_in_message(void **state)
{
    char cmd[600], err[TP_ERR_MAX + 8];
    struct tp_opts o;

    memset(err, 'Z', sizeof(err));
    snprintf(cmd, sizeof(cmd), "action=%0500d", 7);
    assert_int_equal(tp_cmdline_parse(cmd, &o, err), 1);
    assert_true(strlen(err) < TP_ERR_MAX);
    assert_int_equal(err[TP_ERR_MAX], 'Z');  /* nothing written past it */
}

/* Our formatter must agree with libc's for every conversion we use. */
static void fmt_matches_libc(void **state)
{
    char ours[128], libc[128];

#define SAME(...) do { \
        int n1 = tp_snprintf(ours, sizeof(ours), __VA_ARGS__); \
        int n2 = snprintf(libc, sizeof(libc), __VA_ARGS__); \
        assert_string_equal(ours, libc); \
        assert_int_equal(n1, n2); \
    } while (0)
    SAME("TINYPV: hello type=%s domid=%s vcpus=%u mem=%lukB cmdline=%s",
         "pv", "7", 2u, 32768ul, "action=wait ticks=1");
    SAME("%d %d %i %ld %lld", 0, -42, 2147483647, -9000000000l, -1ll);
    SAME("%u %lu %llu %zu", 4294967295u, 18446744073709551615ul, 0ull,
         (size_t)12345);
    SAME("%x %lx %08x %3u %03lu|%5s|%c%%", 0xdeadu, 0xfffffffffful, 0xabu,
         7u, 5ul, "ab", 'q');
    SAME("%05d %5d", -42, -42);
    SAME("uptime=%lu.%03lus", 12ul, 7ul);
#undef SAME
}

static void fmt_truncates_and_reports_full_length(void **state)
{
    char buf[8];

    memset(buf, 'Z', sizeof(buf));
    assert_int_equal(tp_snprintf(buf, 5, "%s-%u", "abcdef", 12u), 9);
    assert_string_equal(buf, "abcd");
    assert_int_equal(buf[5], 'Z');
    assert_int_equal(tp_snprintf(buf, 0, "xyz"), 3);
    assert_int_equal(buf[0], 'a');
    {
        const char *volatile nul = NULL;  /* hidden from -Wformat */
        assert_int_equal(tp_snprintf(buf, sizeof(buf), "%s", nul), 6);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_wait_without_ticks),
        cmocka_unit_test(every_action_is_recognised),
        cmocka_unit_test(foreign_words_are_ignored),
        cmocka_unit_test(last_setting_wins),
        cmocka_unit_test(bad_values_are_reported_and_keep_defaults),
        cmocka_unit_test(long_bad_value_is_truncated_in_message),
        cmocka_unit_test(fmt_matches_libc),
        cmocka_unit_test(fmt_truncates_and_reports_full_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
