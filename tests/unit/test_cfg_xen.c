/* Our parser against Xen 4.17's, case by case.
 *
 * tests/fixtures/cfg-xen/xen.expected records what Xen's own libxlutil
 * made of each file in cases/ (accepted or not, and the final settings),
 * produced by generate.sh there.  Every case must come out the same here,
 * except those listed in `deviations`, whose outcome must be the one
 * listed.  Run from the repository root (make check-unit does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/cfg.h"

#define DIR_ "tests/fixtures/cfg-xen/"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run from the repository root)", path);
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    fclose(m);
    if (len)
        *len = n;
    return buf;
}

static void put_string(FILE *o, const char *s)
{
    fputc('\'', o);
    for (; *s; s++) {
        unsigned char c = *s;
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
            fputc(c, o);
        else
            fprintf(o, "\\x%02x", c);
    }
    fputc('\'', o);
}

static void put_value(FILE *o, const struct pv_cfg_value *v)
{
    if (v->type != PV_CFG_LIST) {
        put_string(o, v->str);      /* Xen keeps numbers as strings too */
        return;
    }
    fputc('[', o);
    for (int i = 0; i < v->n_items; i++) {
        if (i)
            fputs(", ", o);
        put_value(o, v->items[i]);
    }
    fputc(']', o);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const struct pv_cfg_setting *const *)a)->name,
                  (*(const struct pv_cfg_setting *const *)b)->name);
}

/* Our result for one case, in xen.expected's format. */
static char *ours(const char *name)
{
    char path[512], *out = NULL;
    size_t len, olen;
    snprintf(path, sizeof(path), DIR_ "cases/%s.cfg", name);
    char *data = slurp(path, &len);
    struct pv_cfg *cfg = NULL;
    FILE *o = open_memstream(&out, &olen);
    if (pv_cfg_parse(name, data, len, NULL, &cfg)) {
        fputs("REJECT\n", o);
    } else {
        const struct pv_cfg_setting **s = calloc(cfg->n_settings + 1,
                                                 sizeof(*s));
        for (int i = 0; i < cfg->n_settings; i++)
            s[i] = &cfg->settings[i];
        qsort(s, cfg->n_settings, sizeof(*s), by_name);
        fputs("ACCEPT\n", o);
        for (int i = 0; i < cfg->n_settings; i++) {
            fprintf(o, "%s = ", s[i]->name);
            put_value(o, s[i]->value);
            fputc('\n', o);
        }
        free(s);
    }
    fclose(o);
    pv_cfg_free(cfg);
    free(data);
    return out;
}

/* The deviation outcome for NAME ("ACCEPT"/"REJECT"), or NULL. */
static const char *deviation(const char *devs, const char *name)
{
    static char outcome[16];
    size_t n = strlen(name);
    for (const char *l = devs; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (*l == '#' || strncmp(l, name, n) || (l[n] != ' ' && l[n] != '\t'))
            continue;
        if (sscanf(l + n, " %15s", outcome) != 1)
            fail_msg("bad deviations line for %s", name);
        return outcome;
    }
    return NULL;
}

static void same_as_xen(void **state)
{
    char *expected = slurp(DIR_ "xen.expected", NULL);
    char *devs = slurp(DIR_ "deviations", NULL);
    int cases = 0, deviated = 0, failures = 0;

    for (char *sec = strstr(expected, "\n== "); sec; ) {
        char *name = sec + 4, *eol = strchr(name, '\n');
        char *next = strstr(eol, "\n== ");
        *eol = '\0';
        char *body = eol + 1;
        size_t blen = next ? (size_t)(next - body) + 1 : strlen(body);
        char *want = strndup(body, blen);
        char *got = ours(name);
        const char *dev = deviation(devs, name);
        cases++;
        if (dev) {
            deviated++;
            if (strncmp(got, dev, strlen(dev))) {
                print_error("%s: deviation says %s, we gave:\n%s", name, dev,
                            got);
                failures++;
            }
        } else if (strcmp(got, want)) {
            print_error("%s: Xen:\n%sus:\n%s", name, want, got);
            failures++;
        }
        free(want);
        free(got);
        sec = next;
    }
    free(expected);
    free(devs);

    /* Every case file has a reference: nothing is silently skipped. */
    DIR *d = opendir(DIR_ "cases");
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d)); )
        files += strlen(e->d_name) > 4 &&
                 !strcmp(e->d_name + strlen(e->d_name) - 4, ".cfg");
    closedir(d);
    assert_int_equal(files, cases);
    assert_true(cases >= 70);
    assert_true(deviated >= 10);
    assert_int_equal(failures, 0);
}

static void deviations_name_real_cases(void **state)
{
    char *devs = slurp(DIR_ "deviations", NULL);
    for (char *l = strtok(devs, "\n"); l; l = strtok(NULL, "\n")) {
        char name[128], outcome[16], path[256];
        if (*l == '#')
            continue;
        assert_int_equal(sscanf(l, "%127s %15s", name, outcome), 2);
        assert_true(!strcmp(outcome, "ACCEPT") || !strcmp(outcome, "REJECT"));
        snprintf(path, sizeof(path), DIR_ "cases/%s.cfg", name);
        FILE *f = fopen(path, "rb");
        if (!f)
            fail_msg("deviation for a missing case: %s", name);
        fclose(f);
    }
    free(devs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_xen),
        cmocka_unit_test(deviations_name_real_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
