/* Command lookup must behave as xl's: exact match wins, unique prefix
 * accepted, ambiguous prefix refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "xl/xl.h"

static void exact_match_wins_over_longer_names(void **state)
{
    /* "list" is also a prefix of nothing else, but "block-list" must not match. */
    const struct xl_cmd_spec *s = xl_cmd_lookup("list");
    assert_non_null(s);
    assert_string_equal(s->name, "list");
}

static void unique_prefix_is_accepted(void **state)
{
    const struct xl_cmd_spec *s = xl_cmd_lookup("cr");
    assert_non_null(s);
    assert_string_equal(s->name, "create");
    s = xl_cmd_lookup("domn");
    assert_non_null(s);
    assert_string_equal(s->name, "domname");
}

static void ambiguous_prefix_is_refused(void **state)
{
    assert_null(xl_cmd_lookup("d"));       /* destroy, domid, domname, dmesg */
    assert_null(xl_cmd_lookup("dom"));     /* domid, domname */
    assert_null(xl_cmd_lookup("block-"));  /* attach, list, detach */
}

static void unknown_is_refused(void **state)
{
    assert_null(xl_cmd_lookup("frobnicate"));
    assert_null(xl_cmd_lookup(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_match_wins_over_longer_names),
        cmocka_unit_test(unique_prefix_is_accepted),
        cmocka_unit_test(ambiguous_prefix_is_refused),
        cmocka_unit_test(unknown_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
