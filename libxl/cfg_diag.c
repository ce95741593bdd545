/* Diagnostics in the compiler format users already read:
 *
 *   vm.cfg:3:8: error: unterminated string: missing closing "
 *       3 | name = "web01
 *         |        ^~~~~~
 *
 * Columns are 1-based byte offsets.  The caret line copies the tabs of the
 * source line so the caret lands under the column in any tab width, and
 * skips UTF-8 continuation bytes so it lands right after non-ASCII text. */
#include "libxl/cfg_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/suggest.h"

#define LINE_WINDOW 80          /* bytes shown each side of a long line's caret */

static const char *sev_name(enum pv_cfg_severity sev)
{
    switch (sev) {
    case PV_CFG_NOTE:    return "note";
    case PV_CFG_WARNING: return "warning";
    case PV_CFG_ERROR:   return "error";
    }
    return "?";
}

/* Start and length of line LINE (1-based) of S, without its line end. */
static bool find_line(const struct pv_cfg_source *s, int line,
                      const char **start, size_t *len)
{
    const char *p = s->text, *end = s->text + s->len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', end - p);
        if (!nl)
            return false;
        p = nl + 1;
    }
    const char *e = memchr(p, '\n', end - p);
    if (!e)
        e = end;
    if (e > p && e[-1] == '\r')
        e--;
    *start = p;
    *len = e - p;
    return true;
}

void cfg__emit(FILE *out, const struct pv_cfg_source *s,
               enum pv_cfg_severity sev, int line, int col, int len,
               const char *msg)
{
    const char *name = s && s->name ? s->name : "<config>";
    const char *text;
    size_t n;

    if (!out)
        return;
    if (line <= 0) {
        fprintf(out, "%s: %s: %s\n", name, sev_name(sev), msg);
        return;
    }
    fprintf(out, "%s:%d:%d: %s: %s\n", name, line, col, sev_name(sev), msg);
    if (!s || !s->text || !find_line(s, line, &text, &n))
        return;
    size_t skip = 0;
    if (line == 1 && n >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        skip = 3;               /* an invisible BOM would shift the caret */
    size_t c0 = col > 0 ? (size_t)col - 1 : 0;
    if (c0 > n)
        c0 = n;
    /* Show a window of a very long line (minified or binary input), not
     * the whole of it once per error. */
    size_t from = skip, to = n;
    if (n - skip > 2 * LINE_WINDOW) {
        if (c0 > from + LINE_WINDOW)
            from = c0 - LINE_WINDOW;
        while (from > skip && ((unsigned char)text[from] & 0xc0) == 0x80)
            from--;
        to = from + 2 * LINE_WINDOW < n ? from + 2 * LINE_WINDOW : n;
        while (to < n && ((unsigned char)text[to] & 0xc0) == 0x80)
            to++;
    }
    fprintf(out, "%5d | %s", line, from > skip ? "..." : "");
    for (size_t i = from; i < to; i++) {
        unsigned char c = text[i];
        fputc(c == '\t' || c >= 0x20 ? (c == 0x7f ? '?' : c) : '?', out);
    }
    fprintf(out, "%s\n      | %s", to < n ? "..." : "", from > skip ? "   " : "");
    for (size_t i = from; i < c0; i++) {
        unsigned char c = text[i];
        if (c == '\t')
            fputc('\t', out);
        else if ((c & 0xc0) != 0x80)
            fputc(' ', out);
    }
    fputc('^', out);
    for (size_t i = c0 + 1; len > 1 && i < c0 + (size_t)len && i < to; i++)
        if (((unsigned char)text[i] & 0xc0) != 0x80)
            fputc('~', out);
    fputc('\n', out);
}

void cfg__vdiag(struct cfg_parse *ps, enum pv_cfg_severity sev, int line,
                int col, int len, const char *fmt, va_list ap)
{
    char *msg;

    if (sev == PV_CFG_ERROR)
        ps->n_errors++;
    else if (sev == PV_CFG_WARNING)
        ps->n_warnings++;
    if (sev == PV_CFG_ERROR && ps->n_errors > CFG_MAX_ERRORS)
        return;                 /* counted, not printed: see flush */
    if (ps->n_diags == ps->cap_diags) {
        int ncap = ps->cap_diags ? ps->cap_diags * 2 : 16;
        struct cfg_diag *nd = realloc(ps->diags, ncap * sizeof(*nd));
        if (!nd) {
            ps->oom = true;
            return;
        }
        ps->diags = nd;
        ps->cap_diags = ncap;
    }
    if (vasprintf(&msg, fmt, ap) < 0) {
        ps->oom = true;
        return;
    }
    ps->diags[ps->n_diags] = (struct cfg_diag){
        .sev = sev, .line = line, .col = col, .len = len,
        .seq = ps->n_diags, .msg = msg,
    };
    ps->n_diags++;
}

void cfg__diag(struct cfg_parse *ps, enum pv_cfg_severity sev, int line,
               int col, int len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cfg__vdiag(ps, sev, line, col, len, fmt, ap);
    va_end(ap);
}

static int diag_cmp(const void *a, const void *b)
{
    const struct cfg_diag *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void cfg__diag_flush(struct cfg_parse *ps, FILE *out)
{
    const struct pv_cfg_source *s = ps->source;

    if (ps->n_diags)
        qsort(ps->diags, ps->n_diags, sizeof(*ps->diags), diag_cmp);
    for (int i = 0; i < ps->n_diags; i++)
        cfg__emit(out, s, ps->diags[i].sev, ps->diags[i].line,
                  ps->diags[i].col, ps->diags[i].len, ps->diags[i].msg);
    if (ps->n_errors > CFG_MAX_ERRORS && out)
        fprintf(out, "%s: note: %d more errors not shown\n", s->name,
                ps->n_errors - CFG_MAX_ERRORS);
    if (ps->n_errors && ps->py_what) {
        char *msg;
        if (asprintf(&msg, "this looks like a Python (xm-era) config "
                     "(%s); xl.cfg is not Python: only `key = value` "
                     "lines with quoted strings, numbers and [lists] are "
                     "allowed (see xl.cfg(5))", ps->py_what) >= 0) {
            cfg__emit(out, s, PV_CFG_NOTE, ps->py_line, ps->py_col,
                      ps->py_len, msg);
            free(msg);
        }
    }
    cfg__diag_free(ps);
}

void cfg__diag_free(struct cfg_parse *ps)
{
    for (int i = 0; i < ps->n_diags; i++)
        free(ps->diags[i].msg);
    free(ps->diags);
    ps->diags = NULL;
    ps->n_diags = ps->cap_diags = 0;
}

/* --- the public reporting helpers -------------------------------------- */

static void vreport(struct pv_cfg *cfg, FILE *diag, enum pv_cfg_severity sev,
                    int src, int line, int col, int len, const char *fmt,
                    va_list ap)
{
    char *msg;
    const struct pv_cfg_source *s = NULL;

    if (sev == PV_CFG_ERROR)
        cfg->n_errors++;
    else if (sev == PV_CFG_WARNING)
        cfg->n_warnings++;
    if (!diag)
        return;
    if (src >= 0 && src < cfg->n_sources)
        s = &cfg->sources[src];
    if (vasprintf(&msg, fmt, ap) < 0)
        return;
    if (s)
        cfg__emit(diag, s, sev, line, col, len, msg);
    else {
        struct pv_cfg_source fake = { .name = cfg->filename };
        cfg__emit(diag, &fake, sev, line, col, len, msg);
    }
    free(msg);
}

void pv_cfg_report(struct pv_cfg *cfg, FILE *diag, enum pv_cfg_severity sev,
                   int src, int line, int col, int len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cfg, diag, sev, src, line, col, len, fmt, ap);
    va_end(ap);
}

void pv_cfg_report_setting(struct pv_cfg *cfg, FILE *diag,
                           enum pv_cfg_severity sev,
                           const struct pv_cfg_setting *set,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cfg, diag, sev, set->src, set->line, set->col,
            (int)strlen(set->name), fmt, ap);
    va_end(ap);
}

void pv_cfg_report_value(struct pv_cfg *cfg, FILE *diag,
                         enum pv_cfg_severity sev,
                         const struct pv_cfg_value *val,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cfg, diag, sev, val->src, val->line, val->col, val->len, fmt, ap);
    va_end(ap);
}

int pv_cfg_warn_unknown_keys(struct pv_cfg *cfg, FILE *diag,
                             const char *const *known, size_t n)
{
    int unknown = 0;

    for (int i = 0; i < cfg->n_settings; i++) {
        const struct pv_cfg_setting *set = &cfg->settings[i];
        bool found = false;
        for (size_t k = 0; k < n && (n != (size_t)-1 || known[k]); k++)
            if (known[k] && !strcmp(known[k], set->name)) {
                found = true;
                break;
            }
        if (found)
            continue;
        unknown++;
        const char *s = pv_suggest(set->name, known, n);
        if (s)
            pv_cfg_report_setting(cfg, diag, PV_CFG_WARNING, set,
                                  "unknown key `%s' ignored; did you mean "
                                  "`%s'?", set->name, s);
        else
            pv_cfg_report_setting(cfg, diag, PV_CFG_WARNING, set,
                                  "unknown key `%s' ignored", set->name);
    }
    return unknown;
}
