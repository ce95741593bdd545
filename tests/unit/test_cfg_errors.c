/* xl.cfg diagnostics: exact positions, carets, every error reported, the
 * Python hint, and command-line overrides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/cfg_test_util.h"

/* TEXT must fail to parse with exactly the diagnostics EXPECTED. */
static void expect_diag(const char *text, const char *expected)
{
    struct parsed p = parse(text);
    assert_int_equal(p.rc, -1);
    assert_null(p.cfg);
    assert_string_equal(p.diag, expected);
    parsed_free(&p);
}

static void unterminated_string(void **state)
{
    expect_diag("name = \"web01\n",
                "t.cfg:1:8: error: unterminated string: missing closing \"\n"
                "    1 | name = \"web01\n"
                "      |        ^~~~~~\n");
    expect_diag("k = 'abc\\\n'\n",
                "t.cfg:1:5: error: unterminated string: missing closing ' "
                "(a backslash does not continue a line)\n"
                "    1 | k = 'abc\\\n"
                "      |     ^~~~~\n"
                "t.cfg:2:1: error: unterminated string: missing closing '\n"
                "    2 | '\n"
                "      | ^\n");
}

static void bad_escapes(void **state)
{
    expect_diag("x = \"a\\qb\"\n",
                "t.cfg:1:7: error: unknown escape sequence `\\q'; the escapes "
                "are \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v \\xNN\n"
                "    1 | x = \"a\\qb\"\n"
                "      |       ^~\n");
    expect_diag("x = \"\\x4\"\n",
                "t.cfg:1:6: error: \\x must be followed by exactly two hex "
                "digits\n"
                "    1 | x = \"\\x4\"\n"
                "      |      ^~\n");
    expect_diag("x = '\\x00'\n",
                "t.cfg:1:6: error: \\x00 (NUL) is not allowed in a string\n"
                "    1 | x = '\\x00'\n"
                "      |      ^~~~\n");
    expect_diag("x = '\\101'\n",
                "t.cfg:1:6: error: octal escapes are not supported (Xen's are "
                "broken); use \\xNN\n"
                "    1 | x = '\\101'\n"
                "      |      ^~\n");
}

static void bad_numbers(void **state)
{
    expect_diag("memory = 512M\n",
                "t.cfg:1:10: error: invalid number `512M': numbers are "
                "decimal, octal (0...) or lowercase hex (0x...); quote it if "
                "it is meant as text (\"512M\")\n"
                "    1 | memory = 512M\n"
                "      |          ^~~~\n");
    expect_diag("rtc_timeoffset = -3600\n",
                "t.cfg:1:18: error: negative number `-3600' must be quoted "
                "(\"-3600\"): xl.cfg numbers have no sign\n"
                "    1 | rtc_timeoffset = -3600\n"
                "      |                  ^~~~~\n");
    struct parsed p = parse("a = 1.5\n");
    assert_non_null(strstr(p.diag, "t.cfg:1:5: error: invalid number `1.5': "
                           "xl.cfg numbers are integers"));
    parsed_free(&p);
}

static void invalid_keys(void **state)
{
    expect_diag("Memory = 512\n",
                "t.cfg:1:1: error: invalid key `Memory': keys are lowercase "
                "letters, digits, '_' and '.'; did you mean `memory'?\n"
                "    1 | Memory = 512\n"
                "      | ^~~~~~\n");
    expect_diag("on-crash = 'destroy'\n",
                "t.cfg:1:1: error: invalid key `on-crash': keys are lowercase "
                "letters, digits, '_' and '.'; did you mean `on_crash'?\n"
                "    1 | on-crash = 'destroy'\n"
                "      | ^~~~~~~~\n");
    struct parsed p = parse("_x = 1\n");
    assert_non_null(strstr(p.diag, "t.cfg:1:1: error: invalid key `_x': keys "
                           "start with a lowercase letter"));
    parsed_free(&p);
}

static void missing_equals_and_values(void **state)
{
    expect_diag("kernel \"/boot/vmlinuz\"\n",
                "t.cfg:1:7: error: missing '=' after `kernel'\n"
                "    1 | kernel \"/boot/vmlinuz\"\n"
                "      |       ^\n");
    expect_diag("memory\n",
                "t.cfg:1:7: error: expected '=' or '+=' after `memory', found "
                "end of line\n"
                "    1 | memory\n"
                "      |       ^\n");
    expect_diag("memory =\n",
                "t.cfg:1:9: error: missing value: expected a string, number "
                "or list before end of line\n"
                "    1 | memory =\n"
                "      |         ^\n");
    expect_diag("  = 5\n",
                "t.cfg:1:3: error: missing key before '='\n"
                "    1 |   = 5\n"
                "      |   ^\n");
    expect_diag("'x' = 5\n",
                "t.cfg:1:1: error: expected a key (`name = value'), found a "
                "string\n"
                "    1 | 'x' = 5\n"
                "      | ^~~\n");
}

static void unexpected_tokens(void **state)
{
    expect_diag("vcpus = 2 3\n",
                "t.cfg:1:11: error: expected end of line or ';' after the "
                "value of `vcpus', found a number\n"
                "    1 | vcpus = 2 3\n"
                "      |           ^\n");
    expect_diag("extra = 'root=/dev/xvda1' ' quiet'\n",
                "t.cfg:1:27: error: adjacent strings are not joined in "
                "xl.cfg: write one string, or `extra += ...' on the next "
                "line\n"
                "    1 | extra = 'root=/dev/xvda1' ' quiet'\n"
                "      |                           ^~~~~~~~\n");
    expect_diag("on_crash = destroy\n",
                "t.cfg:1:12: error: bare word `destroy' is not a value; "
                "strings must be quoted: \"destroy\"\n"
                "    1 | on_crash = destroy\n"
                "      |            ^~~~~~~\n");
    expect_diag("x = @\n",
                "t.cfg:1:5: error: unexpected character '@'\n"
                "    1 | x = @\n"
                "      |     ^\n");
    expect_diag("x = \\\n  1\n",
                "t.cfg:1:5: error: unexpected '\\': there are no line "
                "continuations in xl.cfg (lists may span lines)\n"
                "    1 | x = \\\n"
                "      |     ^\n"
                "t.cfg:2:3: error: expected a key (`name = value'), found a "
                "number\n"
                "    2 |   1\n"
                "      |   ^\n");
    struct parsed p = parse("x = 'a' \x01\n");
    assert_non_null(strstr(p.diag, "t.cfg:1:9: error: unexpected control "
                           "character (byte 0x01)\n    1 | x = 'a' ?\n"));
    parsed_free(&p);
    p = parse("\xc3\xa9t\xc3\xa9 = 1\n");
    assert_non_null(strstr(p.diag, "t.cfg:1:1: error: unexpected non-ASCII "
                           "character (byte 0xc3) outside quotes\n"));
    parsed_free(&p);
    p = parse("x = 1\ry = 2\n");
    assert_non_null(strstr(p.diag, "t.cfg:1:6: error: stray carriage "
                           "return"));
    parsed_free(&p);
}

static void unbalanced_brackets(void **state)
{
    expect_diag("disk = [ 'a', 'b'\nmemory = 512\n",
                "t.cfg:1:8: error: unclosed '[': missing ']' before line 2\n"
                "    1 | disk = [ 'a', 'b'\n"
                "      |        ^\n");
    expect_diag("vcpus = [1",
                "t.cfg:1:9: error: unclosed '[': missing ']' before the end "
                "of the file\n"
                "    1 | vcpus = [1\n"
                "      |         ^\n");
    expect_diag("x = 1]\n",
                "t.cfg:1:6: error: unbalanced ']': no list is open here\n"
                "    1 | x = 1]\n"
                "      |      ^\n");
    expect_diag("x = [1 2]\n",
                "t.cfg:1:8: error: expected ',' or ']' after a list item, "
                "found a number\n"
                "    1 | x = [1 2]\n"
                "      |        ^\n");
    expect_diag("x = [1,,2]\n",
                "t.cfg:1:8: error: expected a value (string, number or "
                "list), found ','\n"
                "    1 | x = [1,,2]\n"
                "      |        ^\n");
    expect_diag("x = [,]\n",
                "t.cfg:1:6: error: expected a value (string, number or "
                "list), found ','\n"
                "    1 | x = [,]\n"
                "      |      ^\n");
}

static void deep_nesting_is_bounded(void **state)
{
    char text[512] = "x = ";
    for (int i = 0; i < 100; i++)
        strcat(text, "[");
    struct parsed p = parse(text);
    assert_int_equal(p.rc, -1);
    assert_non_null(strstr(p.diag, "error: lists nested more than 64 deep"));
    parsed_free(&p);
}

static void caret_follows_tabs(void **state)
{
    expect_diag("\tdisk = [ \"a\" \"b\" ]\n",
                "t.cfg:1:15: error: expected ',' or ']' after a list item, "
                "found a string\n"
                "    1 | \tdisk = [ \"a\" \"b\" ]\n"
                "      | \t             ^~~\n");
}

static void caret_after_utf8_text(void **state)
{
    /* "café" is 5 bytes but 4 columns on screen: the caret must not drift. */
    expect_diag("n = 'caf\xc3\xa9' x\n",
                "t.cfg:1:13: error: expected end of line or ';' after the "
                "value of `n', found a bare word\n"
                "    1 | n = 'caf\xc3\xa9' x\n"
                "      |            ^\n");
}

static void plus_equals_type_errors(void **state)
{
    expect_diag("disk = ['a']\ndisk += 'b'\n",
                "t.cfg:2:6: error: `+=' can't add a string to `disk', which "
                "is a list (line 1)\n"
                "    2 | disk += 'b'\n"
                "      |      ^~\n");
    expect_diag("memory = 512\nmemory += 256\n",
                "t.cfg:2:8: error: `+=' can't extend `memory': it is a number "
                "(line 1); `+=' appends to strings and lists\n"
                "    2 | memory += 256\n"
                "      |        ^~\n");
}

static void every_error_is_reported_in_order(void **state)
{
    struct parsed p = parse(
        "name = \"ok\"\n"               /* fine */
        "Memory = 512\n"                /* 2: bad key */
        "vcpus 2\n"                     /* 3: missing = */
        "disk = [ 'a',\n"               /* 4: unclosed [ */
        "on_crash = destroy\n"          /* 5: bare word */
        "x = \"\\q\" y\n"               /* 6: bad escape AND junk after */
        "kernel = '/ok'\n"
        "extra = 'unterminated\n");     /* 8 */
    assert_int_equal(p.rc, -1);
    assert_null(p.cfg);
    const char *lines[] = { "t.cfg:2:1: error", "t.cfg:3:6: error",
                            "t.cfg:4:8: error", "t.cfg:5:12: error",
                            "t.cfg:6:6: error", "t.cfg:6:10: error",
                            "t.cfg:8:9: error" };
    const char *at = p.diag;
    for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
        const char *found = strstr(at, lines[i]);
        if (!found)
            fail_msg("missing or out of order: %s\nin:\n%s", lines[i],
                     p.diag);
        at = found + 1;
    }
    assert_int_equal(count_of(p.diag, ": error: "), 7);
    parsed_free(&p);
}

static void one_error_per_broken_statement(void **state)
{
    /* Garbage after the first error in a statement is not re-reported. */
    struct parsed p = parse("x = ( 1 + 2 ) * 3 :\ny = 1\n");
    assert_int_equal(count_of(p.diag, ": error: "), 1);
    parsed_free(&p);
    /* Inside a broken multi-line list, the rest of the list is skipped. */
    p = parse("disk = [ 'a' 'b',\n  'c',\n  'd' ]\nz = 1 2\n");
    assert_int_equal(count_of(p.diag, ": error: "), 2);
    assert_non_null(strstr(p.diag, "t.cfg:4:7: error"));
    parsed_free(&p);
}

static void long_lines_are_shown_as_a_window(void **state)
{
    /* x = '<300 a>' @ '<300 b>': the error at column 308 shows 160 bytes
     * around it with "..." at both ends, and the caret still under '@'. */
    char text[700], want[1200];
    int n = sprintf(text, "x = '");
    memset(text + n, 'a', 300);
    n += 300;
    n += sprintf(text + n, "' @ '");
    memset(text + n, 'b', 300);
    n += 300;
    sprintf(text + n, "'\n");
    struct parsed p = parse(text);
    /* '@' is at byte 307 (0-based), the window starts 80 before it. */
    int m = sprintf(want, "t.cfg:1:308: error: unexpected character '@'\n"
                          "    1 | ...");
    memcpy(want + m, text + 227, 160);
    m += 160;
    m += sprintf(want + m, "...\n      |    ");
    memset(want + m, ' ', 80);
    m += 80;
    sprintf(want + m, "^\n");
    assert_string_equal(p.diag, want);
    parsed_free(&p);
}

static void error_flood_is_capped(void **state)
{
    char *text = malloc(150 * 8 + 1);
    text[0] = '\0';
    for (int i = 0; i < 150; i++)
        strcat(text, "X = 1\n");
    struct parsed p = parse(text);
    assert_int_equal(count_of(p.diag, ": error: "), 100);
    assert_non_null(strstr(p.diag, "t.cfg: note: 50 more errors not shown"));
    parsed_free(&p);
    free(text);
}

static void python_hint(void **state)
{
    struct parsed p = parse("import os\n"
                            "kernel = '/boot/vmlinuz-%s' % os.uname()[2]\n"
                            "memory = 512\n");
    assert_int_equal(p.rc, -1);
    /* The hint comes last and points at the first Python-looking thing. */
    const char *note = strstr(p.diag, "t.cfg:1:1: note: this looks like a "
                              "Python (xm-era) config (a Python statement);"
                              " xl.cfg is not Python");
    assert_non_null(note);
    assert_null(strstr(note, "error:"));
    assert_int_equal(count_of(p.diag, "note:"), 1);
    parsed_free(&p);

    const struct { const char *text, *why; } cases[] = {
        { "acpi = True\n", "(True/False)" },
        { "x = '%s' % y\n", "('%' formatting)" },
        { "if x:\n  memory = 5\n", "(a Python statement)" },
        { "def f():\n", "(a Python statement)" },
        { "x = f(1)\n", "(parentheses or braces)" },
        { "\"\"\"doc\"\"\"\n", "(a triple-quoted string)" },
        { "x = None\n", "(None)" },
        { "#  -*- mode: python; -*-\nx = y\n", "(a 'mode: python' comment)" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        p = parse(cases[i].text);
        if (!strstr(p.diag, cases[i].why) || !strstr(p.diag, "note: this "
                                                     "looks like a Python"))
            fail_msg("no python hint %s for %s:\n%s", cases[i].why,
                     cases[i].text, p.diag);
        parsed_free(&p);
    }
    /* Errors that are not Python-like get no hint. */
    p = parse("Memory = 5\nx = [1\n");
    assert_null(strstr(p.diag, "Python"));
    parsed_free(&p);
}

static void warnings_alone_do_not_fail(void **state)
{
    struct parsed p = parse("a = 1\r\nb = 2\r\n");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.cfg->n_errors, 0);
    assert_int_equal(p.cfg->n_warnings, 1);
    assert_string_equal(p.diag,
                        "t.cfg:1:6: warning: DOS (CRLF) line endings: "
                        "accepted, but Xen's xl rejects this file\n"
                        "    1 | a = 1\n"
                        "      |      ^\n");
    parsed_free(&p);
}

static void null_diag_stream_is_quiet(void **state)
{
    struct pv_cfg *cfg = (struct pv_cfg *)1;
    assert_int_equal(pv_cfg_parse("q.cfg", "X = [", 5, NULL, &cfg), -1);
    assert_null(cfg);
}

static void more_lexical_errors(void **state)
{
    expect_diag("a = 0xFF\n",
                "t.cfg:1:5: error: invalid number `0xFF': numbers are "
                "decimal, octal (0...) or lowercase hex (0x...); quote it if "
                "it is meant as text (\"0xFF\")\n"
                "    1 | a = 0xFF\n"
                "      |     ^~~~\n");
    /* A CRLF ends an unclosed string like a LF does; the CR is not shown. */
    struct parsed p = parse("a = 'x\r\nb = 1\r\n");
    assert_int_equal(p.rc, -1);
    assert_non_null(strstr(p.diag, "t.cfg:1:5: error: unterminated string: "
                           "missing closing '\n    1 | a = 'x\n"));
    parsed_free(&p);
    p = parse("a = 'x\\\r\n'\r\n");
    assert_non_null(strstr(p.diag, "(a backslash does not continue a line)"));
    parsed_free(&p);
    /* Unknown escapes of non-printable bytes are named by value. */
    p = parse("a = '\\\x01'\n");
    assert_non_null(strstr(p.diag, "unknown escape sequence: '\\' followed "
                           "by byte 0x01"));
    parsed_free(&p);
    /* Several errors on one line that do not break structure: all shown. */
    p = parse("Vcpus = \"\\q\" \n");
    assert_int_equal(count_of(p.diag, ": error: "), 2);
    assert_non_null(strstr(p.diag, "t.cfg:1:1: error: invalid key `Vcpus'"));
    assert_non_null(strstr(p.diag, "t.cfg:1:10: error: unknown escape"));
    parsed_free(&p);
}

static void statement_recovery_at_semicolon(void **state)
{
    struct parsed p = parse("a = 1 2; b = 'ok'; c = ]; d = 4\ne = [1; 2]\n"
                            "f = 5\n");
    assert_int_equal(p.rc, -1);
    assert_non_null(strstr(p.diag, "t.cfg:1:7: error"));
    assert_non_null(strstr(p.diag, "t.cfg:1:24: error: expected a value"));
    assert_non_null(strstr(p.diag, "t.cfg:2:7: error: expected ',' or ']'"));
    assert_int_equal(count_of(p.diag, ": error: "), 3);
    parsed_free(&p);
}

static void default_names(void **state)
{
    char *d = NULL;
    size_t dl = 0;
    FILE *f = open_memstream(&d, &dl);
    struct pv_cfg *cfg = NULL;
    assert_int_equal(pv_cfg_parse(NULL, "X=1", 3, f, &cfg), -1);
    fclose(f);
    assert_non_null(strstr(d, "<config>:1:1: error: invalid key `X'"));
    free(d);

    assert_int_equal(pv_cfg_parse("n.cfg", "a = 'x'", 7, NULL, &cfg), 0);
    d = NULL;
    f = open_memstream(&d, &dl);
    /* A source index that does not exist: the header only, no crash. */
    pv_cfg_report(cfg, f, PV_CFG_WARNING, 7, 3, 1, 1, "odd %d", 1);
    /* A line past the end of the text: the header only. */
    pv_cfg_report(cfg, f, PV_CFG_ERROR, 0, 9, 1, 1, "late");
    pv_cfg_report(cfg, NULL, PV_CFG_ERROR, 0, 1, 1, 1, "counted only");
    fclose(f);
    assert_string_equal(d, "n.cfg:3:1: warning: odd 1\n"
                           "n.cfg:9:1: error: late\n");
    assert_int_equal(cfg->n_errors, 2);
    assert_int_equal(cfg->n_warnings, 1);
    free(d);
    pv_cfg_free(cfg);
}

/* --- overrides ----------------------------------------------------------- */

static void overrides_replace_and_append(void **state)
{
    struct parsed p = parse("name = 'vm'\nmemory = 512\ndisk = ['a']\n"
                            "extra = 'x'\n");
    char *d = NULL;
    assert_int_equal(p.rc, 0);
    assert_int_equal(override(p.cfg, "memory=1024", &d), 0);
    assert_string_equal(d, "");
    free(d);
    assert_string_equal(val(&p, "memory")->str, "1024");
    assert_int_equal(val(&p, "memory")->type, PV_CFG_NUMBER);
    assert_int_equal(override(p.cfg, "disk += ['b']; extra+=' y'", &d), 0);
    free(d);
    assert_int_equal(val(&p, "disk")->n_items, 2);
    assert_string_equal(val(&p, "extra")->str, "x y");
    assert_int_equal(override(p.cfg, "vcpus=4", &d), 0);
    free(d);
    assert_string_equal(val(&p, "vcpus")->str, "4");
    /* The override's positions point into the override's text. */
    const struct pv_cfg_setting *s = pv_cfg_lookup(p.cfg, "vcpus");
    assert_int_equal(s->line, 1);
    assert_int_equal(s->col, 1);
    assert_string_equal(p.cfg->sources[s->src].name, "command line");
    assert_string_equal(p.cfg->sources[s->src].text, "vcpus=4");
    assert_string_equal(p.cfg->sources[pv_cfg_lookup(p.cfg, "name")->src]
                        .name, "t.cfg");
    parsed_free(&p);
}

static void override_unquoted_value_is_a_string(void **state)
{
    struct parsed p = parse("name = 'vm'\n");
    char *d = NULL;
    assert_int_equal(override(p.cfg, "name=vm2", &d), 0);
    assert_string_equal(d, "");
    free(d);
    assert_string_equal(val(&p, "name")->str, "vm2");
    assert_int_equal(val(&p, "name")->type, PV_CFG_STRING);
    assert_int_equal(override(p.cfg, "cpus=0-3,^1", &d), 0);
    free(d);
    assert_string_equal(val(&p, "cpus")->str, "0-3,^1");
    assert_int_equal(override(p.cfg, "name+=-b", &d), 0);
    free(d);
    assert_string_equal(val(&p, "name")->str, "vm2-b");
    parsed_free(&p);
}

static void override_edge_cases(void **state)
{
    struct parsed p = parse("name = 'vm'\n");
    char *d = NULL;
    /* Quotes inside an unquoted value: not guessed at, reported. */
    assert_int_equal(override(p.cfg, "name=a\"b", &d), -1);
    assert_non_null(strstr(d, "command line:1:7: error: unterminated "
                           "string"));
    free(d);
    /* Nothing after '=' is an error, not an empty string. */
    assert_int_equal(override(p.cfg, "name=", &d), -1);
    assert_non_null(strstr(d, "missing value"));
    free(d);
    /* A list must be written in the grammar. */
    assert_int_equal(override(p.cfg, "disk=['a','b']", &d), 0);
    free(d);
    assert_int_equal(val(&p, "disk")->n_items, 2);
    /* Empty override: nothing to do. */
    assert_int_equal(override(p.cfg, "", &d), 0);
    free(d);
    assert_string_equal(val(&p, "name")->str, "vm");
    /* Overrides see each other in order. */
    assert_int_equal(override(p.cfg, "extra='a'", &d), 0);
    free(d);
    assert_int_equal(override(p.cfg, "extra+=' b'", &d), 0);
    free(d);
    assert_string_equal(val(&p, "extra")->str, "a b");
    assert_int_equal(p.cfg->n_sources, 7);
    parsed_free(&p);
}

static void bad_override_leaves_config_unchanged(void **state)
{
    struct parsed p = parse("memory = 512\ndisk = ['a']\n");
    char *d = NULL;
    int errors = p.cfg->n_errors;
    assert_int_equal(override(p.cfg, "memory=1024; disk = [", &d), -1);
    assert_string_equal(d, "command line:1:21: error: unclosed '[': missing "
                        "']' before the end of the file\n"
                        "    1 | memory=1024; disk = [\n"
                        "      |                     ^\n");
    free(d);
    assert_int_equal(p.cfg->n_errors, errors + 1);
    assert_string_equal(val(&p, "memory")->str, "512");
    assert_int_equal(p.cfg->n_settings, 2);
    assert_int_equal(override(p.cfg, "disk += 'b'", &d), -1);
    assert_non_null(strstr(d, "command line:1:6: error: `+=' can't add a "
                           "string to `disk', which is a list (line 2)"));
    free(d);
    assert_int_equal(val(&p, "disk")->n_items, 1);
    assert_int_equal(override(p.cfg, "Memory=5", &d), -1);
    assert_non_null(strstr(d, "invalid key `Memory'"));
    free(d);
    parsed_free(&p);
}

/* --- reporting helpers for later layers ---------------------------------- */

static void report_helpers_use_the_same_format(void **state)
{
    struct parsed p = parse("memory = 'lots'\nvcpu = 2\nmaxcpus = 4\n"
                            "frobnicate = 1\n");
    char *d = NULL;
    size_t dl = 0;
    FILE *f = open_memstream(&d, &dl);
    pv_cfg_report_value(p.cfg, f, PV_CFG_ERROR, val(&p, "memory"),
                        "memory must be a number of MiB");
    static const char *const known[] = { "memory", "vcpus", "maxvcpus",
                                         "name", NULL };
    assert_int_equal(pv_cfg_warn_unknown_keys(p.cfg, f, known, (size_t)-1),
                     3);
    pv_cfg_report(p.cfg, f, PV_CFG_NOTE, 0, 0, 0, 0, "whole-file note");
    fclose(f);
    assert_string_equal(d,
        "t.cfg:1:10: error: memory must be a number of MiB\n"
        "    1 | memory = 'lots'\n"
        "      |          ^~~~~~\n"
        "t.cfg:2:1: warning: unknown key `vcpu' ignored; did you mean "
        "`vcpus'?\n"
        "    2 | vcpu = 2\n"
        "      | ^~~~\n"
        "t.cfg:3:1: warning: unknown key `maxcpus' ignored; did you mean "
        "`maxvcpus'?\n"
        "    3 | maxcpus = 4\n"
        "      | ^~~~~~~\n"
        "t.cfg:4:1: warning: unknown key `frobnicate' ignored\n"
        "    4 | frobnicate = 1\n"
        "      | ^~~~~~~~~~\n"
        "t.cfg: note: whole-file note\n");
    assert_int_equal(p.cfg->n_errors, 1);
    assert_int_equal(p.cfg->n_warnings, 3);
    free(d);
    parsed_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unterminated_string),
        cmocka_unit_test(bad_escapes),
        cmocka_unit_test(bad_numbers),
        cmocka_unit_test(invalid_keys),
        cmocka_unit_test(missing_equals_and_values),
        cmocka_unit_test(unexpected_tokens),
        cmocka_unit_test(unbalanced_brackets),
        cmocka_unit_test(deep_nesting_is_bounded),
        cmocka_unit_test(caret_follows_tabs),
        cmocka_unit_test(caret_after_utf8_text),
        cmocka_unit_test(plus_equals_type_errors),
        cmocka_unit_test(every_error_is_reported_in_order),
        cmocka_unit_test(one_error_per_broken_statement),
        cmocka_unit_test(long_lines_are_shown_as_a_window),
        cmocka_unit_test(error_flood_is_capped),
        cmocka_unit_test(python_hint),
        cmocka_unit_test(warnings_alone_do_not_fail),
        cmocka_unit_test(null_diag_stream_is_quiet),
        cmocka_unit_test(more_lexical_errors),
        cmocka_unit_test(statement_recovery_at_semicolon),
        cmocka_unit_test(default_names),
        cmocka_unit_test(overrides_replace_and_append),
        cmocka_unit_test(override_edge_cases),
        cmocka_unit_test(override_unquoted_value_is_a_string),
        cmocka_unit_test(bad_override_leaves_config_unchanged),
        cmocka_unit_test(report_helpers_use_the_same_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
