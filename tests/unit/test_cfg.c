/* xl.cfg grammar: what parses, to what.  (Diagnostics: test_cfg_errors.c.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "tests/unit/cfg_test_util.h"

static void assert_string_value(const struct pv_cfg_value *v, const char *s)
{
    assert_non_null(v);
    assert_int_equal(v->type, PV_CFG_STRING);
    assert_string_equal(v->str, s);
}

static void assert_number_value(const struct pv_cfg_value *v, const char *s)
{
    assert_non_null(v);
    assert_int_equal(v->type, PV_CFG_NUMBER);
    assert_string_equal(v->str, s);
}

static void simple_assignments(void **state)
{
    struct parsed p = parse("name = \"vm1\"\nmemory = 512\n"
                            "kernel='/boot/vmlinuz'\n");
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.diag, "");
    assert_int_equal(p.cfg->n_settings, 3);
    assert_string_value(val(&p, "name"), "vm1");
    assert_number_value(val(&p, "memory"), "512");
    assert_string_value(val(&p, "kernel"), "/boot/vmlinuz");
    assert_null(pv_cfg_lookup(p.cfg, "vcpus"));
    assert_string_equal(p.cfg->filename, "t.cfg");
    parsed_free(&p);
}

static void positions_are_recorded(void **state)
{
    struct parsed p = parse("\n  memory =\t512\nname=\"x\"");
    assert_int_equal(p.rc, 0);
    const struct pv_cfg_setting *s = pv_cfg_lookup(p.cfg, "memory");
    assert_int_equal(s->line, 2);
    assert_int_equal(s->col, 3);
    assert_int_equal(s->value->line, 2);
    assert_int_equal(s->value->col, 12);
    assert_int_equal(s->value->len, 3);
    s = pv_cfg_lookup(p.cfg, "name");
    assert_int_equal(s->line, 3);
    assert_int_equal(s->value->col, 6);
    parsed_free(&p);
}

static void semicolons_separate_statements(void **state)
{
    struct parsed p = parse("name=\"h0\"; type=\"hvm\";;\n;memory=1;");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "name"), "h0");
    assert_string_value(val(&p, "type"), "hvm");
    assert_number_value(val(&p, "memory"), "1");
    parsed_free(&p);
}

static void numbers_keep_their_text(void **state)
{
    struct parsed p = parse("a = 0x10\nb = 010\nc = 0\nd = 4294967296\n"
                            "e = 1abc\n");
    assert_int_equal(p.rc, 0);
    assert_number_value(val(&p, "a"), "0x10");
    assert_number_value(val(&p, "b"), "010");
    assert_number_value(val(&p, "c"), "0");
    assert_number_value(val(&p, "d"), "4294967296");
    /* Xen's lexer takes [0-9][0-9a-fx]*; validity is the model's call. */
    assert_number_value(val(&p, "e"), "1abc");
    parsed_free(&p);
}

static void identifiers_follow_xen(void **state)
{
    struct parsed p = parse("device_model_args.x9 = 1\nv.2_a = 2\n");
    assert_int_equal(p.rc, 0);
    assert_number_value(val(&p, "device_model_args.x9"), "1");
    assert_number_value(val(&p, "v.2_a"), "2");
    parsed_free(&p);
}

static void every_escape(void **state)
{
    struct parsed p = parse("s = \"\\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v\"\n"
                            "q = '\\\" \\' x'\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "s"), "\" ' \\ \a \b \f \n \r \t \v");
    assert_string_value(val(&p, "q"), "\" ' x");
    parsed_free(&p);
}

static void hex_escapes_work(void **state)
{
    struct parsed p = parse("s = \"\\x41\\x62\\x7e\\xfF\\x0a\"\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "s"), "Ab~\xff\n");
    parsed_free(&p);
}

static void quotes_inside_other_quotes(void **state)
{
    struct parsed p = parse("a = \"it's\"\nb = 'say \"hi\"'\nc = \"\"\n"
                            "d = '# not a comment'\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "a"), "it's");
    assert_string_value(val(&p, "b"), "say \"hi\"");
    assert_string_value(val(&p, "c"), "");
    assert_string_value(val(&p, "d"), "# not a comment");
    parsed_free(&p);
}

static void non_ascii_in_strings(void **state)
{
    struct parsed p = parse("name = \"caf\xc3\xa9\"\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "name"), "caf\xc3\xa9");
    parsed_free(&p);
}

static void lists_nested_multiline_trailing_comma(void **state)
{
    struct parsed p = parse(
        "disk = [ 'phy:/dev/vg/a,xvda,w',   # first\n"
        "         'file:/b.img,xvdb,r',\n"
        "         # a comment line inside the list\n"
        "\n"
        "       ]\n"
        "n = [ [1, 2], [], [ 'x', [ 3 ] ], ]\n"
        "e = []\n"
        "f = [\n1\n,\n2\n]\n");
    assert_int_equal(p.rc, 0);
    const struct pv_cfg_value *d = val(&p, "disk");
    assert_int_equal(d->type, PV_CFG_LIST);
    assert_int_equal(d->n_items, 2);
    assert_string_value(d->items[0], "phy:/dev/vg/a,xvda,w");
    assert_string_value(d->items[1], "file:/b.img,xvdb,r");
    assert_int_equal(d->items[1]->line, 2);
    assert_int_equal(d->items[1]->col, 10);

    const struct pv_cfg_value *n = val(&p, "n");
    assert_int_equal(n->n_items, 3);
    assert_int_equal(n->items[0]->type, PV_CFG_LIST);
    assert_number_value(n->items[0]->items[1], "2");
    assert_int_equal(n->items[1]->n_items, 0);
    assert_number_value(n->items[2]->items[1]->items[0], "3");
    assert_int_equal(val(&p, "e")->n_items, 0);
    assert_int_equal(val(&p, "f")->n_items, 2);
    parsed_free(&p);
}

static void last_assignment_wins(void **state)
{
    struct parsed p = parse("memory = 512\nname='a'\nmemory = 1024\n"
                            "memory = 'big'\n");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.cfg->n_settings, 2);
    assert_string_value(val(&p, "memory"), "big");
    assert_int_equal(pv_cfg_lookup(p.cfg, "memory")->line, 4);
    /* Order is that of first assignment. */
    assert_string_equal(p.cfg->settings[0].name, "memory");
    parsed_free(&p);
}

static void plus_equals_appends(void **state)
{
    struct parsed p = parse("extra = 'root=/dev/xvda1'\nextra += ' console=hvc0'\n"
                            "disk = ['a']\ndisk += ['b', ['c']]\ndisk += []\n"
                            "new += 'x'\nnl += [1]\ns = 'v'\ns += 1\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "extra"), "root=/dev/xvda1 console=hvc0");
    assert_int_equal(pv_cfg_lookup(p.cfg, "extra")->line, 2);
    const struct pv_cfg_value *d = val(&p, "disk");
    assert_int_equal(d->n_items, 3);
    assert_string_value(d->items[1], "b");
    assert_int_equal(d->items[1]->line, 4);
    assert_int_equal(d->items[2]->type, PV_CFG_LIST);
    /* += on an unset key is a plain assignment. */
    assert_string_value(val(&p, "new"), "x");
    assert_int_equal(val(&p, "nl")->n_items, 1);
    /* string += number concatenates the text, as Xen does. */
    assert_string_value(val(&p, "s"), "v1");
    parsed_free(&p);
}

static void plus_equals_after_reassignment(void **state)
{
    struct parsed p = parse("a = 'x'\na += 'y'\na = 'z'\na += 'w'\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "a"), "zw");
    parsed_free(&p);
}

static void plus_equals_on_number_then_replaced_is_fine(void **state)
{
    /* Xen refuses a number built with += only when it is read; a later
     * plain assignment makes the += harmless, so the file is good. */
    struct parsed p = parse("memory = 512\nmemory += 256\nmemory = 1024\n");
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.diag, "");
    assert_number_value(val(&p, "memory"), "1024");
    parsed_free(&p);
}

static void comments(void **state)
{
    struct parsed p = parse("# header\nname = 'a' # trailing\n"
                            "   # indented\nmemory = 1#no space\n#last");
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.diag, "");
    assert_int_equal(p.cfg->n_settings, 2);
    assert_number_value(val(&p, "memory"), "1");
    parsed_free(&p);
}

static void no_final_newline(void **state)
{
    struct parsed p = parse("memory = 512");
    assert_int_equal(p.rc, 0);
    assert_number_value(val(&p, "memory"), "512");
    parsed_free(&p);
    p = parse("disk = ['a',\n 'b']");
    assert_int_equal(p.rc, 0);
    assert_int_equal(val(&p, "disk")->n_items, 2);
    parsed_free(&p);
}

static void empty_and_blank_files(void **state)
{
    struct parsed p = parse("");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.cfg->n_settings, 0);
    parsed_free(&p);
    p = parse("\n\n \t\n# only comments\n;\n");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.cfg->n_settings, 0);
    parsed_free(&p);
}

static void crlf_accepted_with_one_warning(void **state)
{
    struct parsed p = parse("name = 'a'\r\nmemory = 5\r\n"
                            "disk = [ 'x',\r\n 'y' ]\r\n# end\r\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "name"), "a");
    assert_int_equal(val(&p, "disk")->n_items, 2);
    assert_int_equal(p.cfg->n_warnings, 1);
    assert_int_equal(count_of(p.diag, "warning:"), 1);
    assert_non_null(strstr(p.diag, "t.cfg:1:11: warning: DOS (CRLF) line "
                           "endings"));
    parsed_free(&p);
}

static void bom_accepted_with_warning(void **state)
{
    struct parsed p = parse("\xef\xbb\xbfname = 'a'\n");
    assert_int_equal(p.rc, 0);
    assert_string_value(val(&p, "name"), "a");
    assert_int_equal(p.cfg->n_warnings, 1);
    assert_int_equal(pv_cfg_lookup(p.cfg, "name")->col, 4);
    parsed_free(&p);
}

static void xen_examples_parse(void **state)
{
    /* The shape of Xen's tools/examples/xlexample.pvlinux. */
    struct parsed p = parse(
        "# =====================================================================\n"
        "# Example PV Linux guest configuration\n"
        "name = \"example.pvlinux\"\n"
        "#uuid = \"4dea22b3-1d52-d8f3-2516-782e98ab3fa0\"\n"
        "kernel = \"/boot/vmlinuz\"\n"
        "extra = \"root=/dev/xvda1\"\n"
        "memory = 128\n"
        "#maxmem = 512\n"
        "vcpus = 2\n"
        "vif = [ '' ]\n"
        "disk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]\n");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.cfg->n_settings, 7);
    assert_string_value(val(&p, "vif")->items[0], "");
    parsed_free(&p);
}

static void parse_file_reads_files(void **state)
{
    char path[] = "/tmp/test_cfg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "name = 'fromfile'\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct pv_cfg *cfg = NULL;
    assert_int_equal(pv_cfg_parse_file(path, NULL, &cfg), 0);
    assert_string_equal(pv_cfg_lookup(cfg, "name")->value->str, "fromfile");
    assert_string_equal(cfg->filename, path);
    pv_cfg_free(cfg);
    unlink(path);

    char *diag = NULL;
    size_t dlen = 0;
    FILE *f = open_memstream(&diag, &dlen);
    assert_int_equal(pv_cfg_parse_file("/nonexistent/x.cfg", f, &cfg), -1);
    fclose(f);
    assert_null(cfg);
    assert_string_equal(diag, "/nonexistent/x.cfg: error: cannot open "
                        "configuration file: No such file or directory\n");
    free(diag);
    assert_int_equal(pv_cfg_parse_file("/tmp", NULL, &cfg), -1);

    /* Far too big to be a domain config: refused, not parsed. */
    memcpy(path, "/tmp/test_cfg_XXXXXX", sizeof(path));
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 2 * 1024 * 1024), 0);
    close(fd);
    diag = NULL;
    f = open_memstream(&diag, &dlen);
    assert_int_equal(pv_cfg_parse_file(path, f, &cfg), -1);
    fclose(f);
    assert_non_null(strstr(diag, "error: larger than 1 MiB"));
    free(diag);
    unlink(path);
}

static void many_keys_and_appends_stay_fast_and_right(void **state)
{
    /* Exercises the name index through several rebuilds, and long +=
     * chains; correctness here, speed in docs/benchmarks.md. */
    size_t cap = 1 << 20, n = 0;
    char *text = malloc(cap);
    for (int i = 0; i < 20000; i++)
        n += snprintf(text + n, cap - n, "k%d = %d\n", i, i);
    for (int i = 0; i < 5000; i++)
        n += snprintf(text + n, cap - n, "k%d += 1\n",
                      i * 4);
    struct parsed p = parse_n(text, n);
    /* Each += extends a number: 5000 errors, the first 100 shown. */
    assert_int_equal(p.rc, -1);
    assert_non_null(strstr(p.diag, "t.cfg: note: 4900 more errors not "
                           "shown"));
    parsed_free(&p);
    n = 0;
    for (int i = 0; i < 20000; i++)
        n += snprintf(text + n, cap - n, "k%d = '%d'\n", i, i);
    for (int i = 0; i < 5000; i++)
        n += snprintf(text + n, cap - n, "k%d += 'x'\ns += 'ab'\n", i * 4);
    p = parse_n(text, n);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.cfg->n_settings, 20001);
    assert_string_equal(val(&p, "k0")->str, "0x");
    assert_string_equal(val(&p, "k19996")->str, "19996x");
    assert_string_equal(val(&p, "k19997")->str, "19997");
    assert_int_equal(strlen(val(&p, "s")->str), 10000);
    assert_string_equal(p.cfg->settings[12345].name, "k12345");
    parsed_free(&p);
    free(text);
}

static void embedded_nul_is_an_error(void **state)
{
    struct parsed p = parse_n("a = 1\n\0b = 2\n", 13);
    assert_int_equal(p.rc, -1);
    assert_null(p.cfg);
    assert_non_null(strstr(p.diag, "t.cfg:2:1: error: unexpected control "
                           "character (byte 0x00)"));
    parsed_free(&p);
    p = parse_n("a = \"x\0y\"\n", 10);
    assert_int_equal(p.rc, -1);
    assert_non_null(strstr(p.diag, "t.cfg:1:7: error: NUL byte in a string"));
    parsed_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_assignments),
        cmocka_unit_test(positions_are_recorded),
        cmocka_unit_test(semicolons_separate_statements),
        cmocka_unit_test(numbers_keep_their_text),
        cmocka_unit_test(identifiers_follow_xen),
        cmocka_unit_test(every_escape),
        cmocka_unit_test(hex_escapes_work),
        cmocka_unit_test(quotes_inside_other_quotes),
        cmocka_unit_test(non_ascii_in_strings),
        cmocka_unit_test(lists_nested_multiline_trailing_comma),
        cmocka_unit_test(last_assignment_wins),
        cmocka_unit_test(plus_equals_appends),
        cmocka_unit_test(plus_equals_after_reassignment),
        cmocka_unit_test(plus_equals_on_number_then_replaced_is_fine),
        cmocka_unit_test(comments),
        cmocka_unit_test(no_final_newline),
        cmocka_unit_test(empty_and_blank_files),
        cmocka_unit_test(crlf_accepted_with_one_warning),
        cmocka_unit_test(bom_accepted_with_warning),
        cmocka_unit_test(xen_examples_parse),
        cmocka_unit_test(parse_file_reads_files),
        cmocka_unit_test(embedded_nul_is_an_error),
        cmocka_unit_test(many_keys_and_appends_stay_fast_and_right),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
