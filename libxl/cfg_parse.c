/* xl.cfg parser: tokens -> settings, and the public API of cfg.h.
 *
 * Grammar (Xen 4.17 libxlu_cfg_y.y, restated):
 *
 *   file      := { stmt } [ assignment ]          -- last one needs no end
 *   stmt      := [ assignment ] ( NEWLINE | ';' )
 *   assignment:= IDENT ( '=' | '+=' ) value
 *   value     := STRING | NUMBER | '[' nl* [ items ] ']'
 *   items     := value nl* { ',' nl* value nl* } [ ',' nl* ]
 *
 * Error recovery is per statement: the first structural error in a
 * statement is reported, the rest of it skipped up to a newline or ';'
 * outside brackets.  Inside an unclosed list, a line that starts
 * `key =` / `key +=` is taken as the next statement, so one missing ']'
 * does not swallow the rest of the file.  Errors that do not break
 * structure (an invalid key name, a bad escape, a bare word where a string
 * belongs) are reported and parsing goes on, so they are all listed; a
 * statement with any error stores nothing, and a file with any error
 * yields no config at all. */
#include "libxl/cfg_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libxl/suggest.h"

/* Real configs are a few KiB; anything this big is a mistake (the wrong
 * file), and refusing it bounds the parser's time and memory. */
#define CFG_MAX_FILE (1024 * 1024)

static const char *const python_keywords[] = {
    "import", "from", "def", "if", "elif", "else", "for", "while", "print",
    "return", "class", "try", "except", "with", "lambda", "pass", NULL,
};

static struct cfg_tok *peek(struct cfg_parse *ps)
{
    return &ps->toks[ps->pos];
}

static struct cfg_tok *peek_at(struct cfg_parse *ps, int ahead)
{
    int i = ps->pos + ahead;
    return &ps->toks[i < ps->n_toks ? i : ps->n_toks - 1];
}

static struct cfg_tok *next(struct cfg_parse *ps)
{
    struct cfg_tok *t = &ps->toks[ps->pos];
    if (t->kind != TK_EOF)
        ps->pos++;
    return t;
}

static bool is_name(const struct cfg_tok *t)
{
    return t->kind == TK_IDENT || t->kind == TK_BADIDENT;
}

static bool is_op(const struct cfg_tok *t)
{
    return t->kind == TK_EQ || t->kind == TK_ADD;
}

/* A description of T for "expected X, found T" messages. */
static const char *describe(const struct cfg_tok *t)
{
    switch (t->kind) {
    case TK_EOF:       return "end of file";
    case TK_NEWLINE:   return "end of line";
    case TK_SEMI:      return "';'";
    case TK_EQ:        return "'='";
    case TK_ADD:       return "'+='";
    case TK_COMMA:     return "','";
    case TK_LBRACK:    return "'['";
    case TK_RBRACK:    return "']'";
    case TK_IDENT:
    case TK_BADIDENT:  return "a bare word";
    case TK_NUMBER:
    case TK_BADNUM:    return "a number";
    case TK_STRING:
    case TK_BADSTRING: return "a string";
    case TK_ERROR:     return "an invalid character";
    }
    return "?";
}

static void error_at(struct cfg_parse *ps, const struct cfg_tok *t,
                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error_at(struct cfg_parse *ps, const struct cfg_tok *t,
                     const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cfg__vdiag(ps, PV_CFG_ERROR, t->line, t->col, t->len ? t->len : 1, fmt, ap);
    va_end(ap);
}

static void report_token_msg(struct cfg_parse *ps, const struct cfg_tok *t)
{
    cfg__diag(ps, PV_CFG_ERROR, t->line, t->msg_col, t->msg_len,
              "%s", t->msg ? t->msg : "lexical error");
}

/* Skip to the end of the statement (see the header comment). */
static void skip_statement(struct cfg_parse *ps)
{
    int depth = ps->depth;

    ps->depth = 0;
    if (ps->resync) {
        ps->resync = false;
        return;
    }
    for (;;) {
        struct cfg_tok *t = peek(ps);
        switch (t->kind) {
        case TK_EOF:
            return;
        case TK_SEMI:
            if (depth <= 0) {
                next(ps);
                return;
            }
            break;
        case TK_NEWLINE:
            next(ps);
            if (depth <= 0)
                return;
            if (is_name(peek(ps)) && is_op(peek_at(ps, 1)))
                return;
            continue;
        case TK_LBRACK:
            depth++;
            break;
        case TK_RBRACK:
            depth--;
            break;
        default:
            break;
        }
        next(ps);
    }
}

/* --- values ------------------------------------------------------------ */

static void value_free(struct pv_cfg_value *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->n_items; i++)
        value_free(v->items[i]);
    free(v->items);
    free(v->str);
    free(v);
}

static struct pv_cfg_value *value_new(struct cfg_parse *ps,
                                      enum pv_cfg_type type,
                                      const struct cfg_tok *t)
{
    struct pv_cfg_value *v = calloc(1, sizeof(*v));
    if (!v) {
        ps->oom = true;
        return NULL;
    }
    v->type = type;
    v->line = t->line;
    v->col = t->col;
    v->len = t->len;
    v->src = ps->src;
    return v;
}

/* Arrays here grow by doubling and keep no capacity field: an array of N
 * entries has room for max(MIN, the power of two >= N) of them, so it is
 * full exactly when N is 0, or a power of two at least MIN. */
static int grow_if_full(void *arrp, int n, size_t elem, int min)
{
    void **arr = arrp;
    if (n != 0 && (n < min || (n & (n - 1)) != 0))
        return 0;
    if (n > (1 << 28))
        return -1;
    void *na = realloc(*arr, (size_t)(n ? n * 2 : min) * elem);
    if (!na)
        return -1;
    *arr = na;
    return 0;
}

static int list_append(struct pv_cfg_value *list, struct pv_cfg_value *item)
{
    if (grow_if_full(&list->items, list->n_items, sizeof(*list->items), 4))
        return -1;
    list->items[list->n_items++] = item;
    return 0;
}

static struct pv_cfg_value *parse_value(struct cfg_parse *ps, bool *bad);

static void skip_newlines(struct cfg_parse *ps)
{
    while (peek(ps)->kind == TK_NEWLINE)
        next(ps);
}

static struct pv_cfg_value *parse_list(struct cfg_parse *ps, bool *bad)
{
    struct cfg_tok *open = next(ps);
    struct pv_cfg_value *list = value_new(ps, PV_CFG_LIST, open);

    if (!list)
        return NULL;
    list->len = 1;
    if (++ps->depth > CFG_MAX_DEPTH) {
        error_at(ps, open, "lists nested more than %d deep", CFG_MAX_DEPTH);
        goto fail;
    }
    skip_newlines(ps);
    if (peek(ps)->kind == TK_RBRACK)
        goto close;
    for (;;) {
        struct cfg_tok *t = peek(ps);
        if (t->kind == TK_EOF) {
            error_at(ps, open, "unclosed '[': missing ']' before the end of "
                     "the file");
            goto fail;
        }
        if (is_name(t) && is_op(peek_at(ps, 1)) && t->line > open->line &&
            ps->pos > 0 && ps->toks[ps->pos - 1].kind == TK_NEWLINE) {
            error_at(ps, open, "unclosed '[': missing ']' before line %d",
                     t->line);
            ps->resync = true;
            goto fail;
        }
        struct pv_cfg_value *item = parse_value(ps, bad);
        if (!item)
            goto fail;
        if (list_append(list, item)) {
            value_free(item);
            ps->oom = true;
            goto fail;
        }
        bool newline_seen = peek(ps)->kind == TK_NEWLINE;
        skip_newlines(ps);
        t = peek(ps);
        if (t->kind == TK_COMMA) {
            next(ps);
            newline_seen = peek(ps)->kind == TK_NEWLINE;
            skip_newlines(ps);
            t = peek(ps);
            if (t->kind == TK_RBRACK)
                goto close;
            continue;
        }
        if (t->kind == TK_RBRACK)
            goto close;
        if (t->kind == TK_EOF) {
            error_at(ps, open, "unclosed '[': missing ']' before the end of "
                     "the file");
            goto fail;
        }
        if (newline_seen && is_name(t) && is_op(peek_at(ps, 1))) {
            error_at(ps, open, "unclosed '[': missing ']' before line %d",
                     t->line);
            ps->resync = true;
            goto fail;
        }
        if (t->kind == TK_ERROR)
            report_token_msg(ps, t);
        else
            error_at(ps, t, "expected ',' or ']' after a list item, found %s",
                     describe(t));
        goto fail;
    }
close:
    next(ps);
    ps->depth--;
    return list;
fail:
    value_free(list);
    return NULL;
}

/* Parse one value.  On a structural error, report it and return NULL; on
 * an error that leaves the structure intact, report it, set *BAD and carry
 * on so later errors in the statement are found too. */
static struct pv_cfg_value *parse_value(struct cfg_parse *ps, bool *bad)
{
    struct cfg_tok *t = peek(ps);
    struct pv_cfg_value *v;

    switch (t->kind) {
    case TK_LBRACK:
        return parse_list(ps, bad);
    case TK_STRING:
    case TK_BADSTRING:
    case TK_NUMBER:
    case TK_BADNUM:
        if (t->kind == TK_BADSTRING || t->kind == TK_BADNUM) {
            report_token_msg(ps, t);
            *bad = true;
        }
        next(ps);
        v = value_new(ps, t->kind == TK_NUMBER || t->kind == TK_BADNUM ?
                      PV_CFG_NUMBER : PV_CFG_STRING, t);
        if (v && !(v->str = strdup(t->text ? t->text : ""))) {
            ps->oom = true;
            value_free(v);
            v = NULL;
        }
        return v;
    case TK_IDENT:
    case TK_BADIDENT:
        /* A bare word where a value belongs: almost always a string
         * missing its quotes.  Structure is intact, so keep going. */
        if (!strcmp(t->text, "True") || !strcmp(t->text, "False")) {
            error_at(ps, t, "`%s' is Python; xl.cfg booleans are numbers: "
                     "use %d", t->text, t->text[0] == 'T');
            cfg__python_evidence(ps, t->line, t->col, t->len, "True/False");
        } else if (!strcmp(t->text, "None")) {
            error_at(ps, t, "`None' is Python; leave the key out instead");
            cfg__python_evidence(ps, t->line, t->col, t->len, "None");
        } else {
            error_at(ps, t, "bare word `%s' is not a value; strings must be "
                     "quoted: \"%s\"", t->text, t->text);
        }
        *bad = true;
        next(ps);
        v = value_new(ps, PV_CFG_STRING, t);
        if (v && !(v->str = strdup(t->text))) {
            ps->oom = true;
            value_free(v);
            v = NULL;
        }
        return v;
    case TK_ERROR:
        report_token_msg(ps, t);
        return NULL;
    case TK_NEWLINE:
    case TK_SEMI:
    case TK_EOF:
        error_at(ps, t, "missing value: expected a string, number or list "
                 "before %s", describe(t));
        return NULL;
    default:
        error_at(ps, t, "expected a value (string, number or list), found %s",
                 describe(t));
        return NULL;
    }
}

/* --- settings ----------------------------------------------------------- */

static unsigned name_hash(const char *s)
{
    unsigned h = 2166136261u;               /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void index_put(struct cfg_parse *ps, int idx)
{
    unsigned m = ps->index_cap - 1;
    unsigned h = name_hash(ps->cfg->settings[idx].name) & m;
    while (ps->index[h])
        h = (h + 1) & m;
    ps->index[h] = idx + 1;
}

/* Keep the index at most half full, (re)building it from the settings;
 * the config may already hold settings (an override's scratch copy). */
static int index_reserve(struct cfg_parse *ps, int n)
{
    if (ps->index_cap && n * 2 <= ps->index_cap)
        return 0;
    int cap = 64;
    while (cap < n * 2) {
        if (cap > (1 << 26))
            return -1;
        cap *= 2;
    }
    int *ni = calloc(cap, sizeof(*ni));
    if (!ni)
        return -1;
    free(ps->index);
    ps->index = ni;
    ps->index_cap = cap;
    for (int i = 0; i < ps->cfg->n_settings; i++)
        index_put(ps, i);
    return 0;
}

static struct pv_cfg_setting *find_setting(struct cfg_parse *ps,
                                           const char *name)
{
    struct pv_cfg *cfg = ps->cfg;

    if (index_reserve(ps, cfg->n_settings + 1)) {
        ps->oom = true;
        return NULL;
    }
    unsigned m = ps->index_cap - 1;
    for (unsigned h = name_hash(name) & m; ps->index[h]; h = (h + 1) & m)
        if (!strcmp(cfg->settings[ps->index[h] - 1].name, name))
            return &cfg->settings[ps->index[h] - 1];
    return NULL;
}

static const char *type_name(enum pv_cfg_type t)
{
    return t == PV_CFG_LIST ? "a list" : t == PV_CFG_NUMBER ? "a number"
                                                            : "a string";
}

/* Record (OPTOK) or clear (NULL) the pending `+=' error of setting IDX. */
static int set_pending(struct cfg_parse *ps, long idx, const struct cfg_tok *optok,
                       int prev_line)
{
    if (idx >= ps->n_pending) {
        if (!optok)
            return 0;
        struct cfg_pending *np = realloc(ps->pending,
                                         (idx + 1) * sizeof(*np));
        if (!np) {
            ps->oom = true;
            return -1;
        }
        memset(np + ps->n_pending, 0,
               (idx + 1 - ps->n_pending) * sizeof(*np));
        ps->pending = np;
        ps->n_pending = (int)idx + 1;
    }
    ps->pending[idx] = optok ? (struct cfg_pending){ optok->line, optok->col,
                                                     prev_line }
                             : (struct cfg_pending){ 0, 0, 0 };
    return 0;
}

static void report_pending(struct cfg_parse *ps)
{
    for (int i = 0; i < ps->n_pending && i < ps->cfg->n_settings; i++)
        if (ps->pending[i].line)
            cfg__diag(ps, PV_CFG_ERROR, ps->pending[i].line,
                      ps->pending[i].col, 2, "`+=' can't extend `%s': it is "
                      "a number (line %d); `+=' appends to strings and lists",
                      ps->cfg->settings[i].name, ps->pending[i].prev_line);
    free(ps->pending);
    ps->pending = NULL;
    ps->n_pending = 0;
}

/* Store NAME op V (V is consumed).  OPTOK locates errors. */
static void store(struct cfg_parse *ps, const struct cfg_tok *name_tok,
                  const struct cfg_tok *optok, struct pv_cfg_value *v)
{
    struct pv_cfg *cfg = ps->cfg;
    struct pv_cfg_setting *set = find_setting(ps, name_tok->text);

    if (ps->oom)
        goto drop;

    if (set && optok->kind == TK_ADD) {
        struct pv_cfg_value *prev = set->value;
        if ((prev->type == PV_CFG_LIST) != (v->type == PV_CFG_LIST)) {
            error_at(ps, optok, "`+=' can't add %s to `%s', which is %s "
                     "(line %d)", type_name(v->type), name_tok->text,
                     type_name(prev->type), prev->line);
            goto drop;
        }
        if (prev->type == PV_CFG_NUMBER || v->type == PV_CFG_NUMBER) {
            /* Concatenate the text as Xen does; the result stays a number
             * that is an error unless a later `=' replaces it. */
            if (prev->type == PV_CFG_NUMBER &&
                set_pending(ps, set - cfg->settings, optok, prev->line))
                goto drop;
        }
        if (prev->type == PV_CFG_LIST) {
            for (int i = 0; i < v->n_items; i++) {
                if (list_append(prev, v->items[i])) {
                    /* items [i..] still belong to v */
                    memmove(v->items, v->items + i,
                            (v->n_items - i) * sizeof(*v->items));
                    v->n_items -= i;
                    ps->oom = true;
                    goto drop;
                }
            }
            v->n_items = 0;
        } else {
            /* realloc, not a fresh copy: many `+=' lines stay linear
             * when the allocator can extend in place. */
            size_t a = strlen(prev->str), b = strlen(v->str);
            char *ns = realloc(prev->str, a + b + 1);
            if (!ns) {
                ps->oom = true;
                goto drop;
            }
            memcpy(ns + a, v->str, b + 1);
            prev->str = ns;
            prev->len = 0;          /* no longer one stretch of source */
        }
        value_free(v);
        goto position;
    }
    if (set) {
        value_free(set->value);
        set->value = v;
        set_pending(ps, set - cfg->settings, NULL, 0);
        goto position;
    }
    if (grow_if_full(&cfg->settings, cfg->n_settings, sizeof(*cfg->settings),
                     16)) {
        ps->oom = true;
        goto drop;
    }
    set = &cfg->settings[cfg->n_settings];
    if (!(set->name = strdup(name_tok->text))) {
        ps->oom = true;
        goto drop;
    }
    cfg->n_settings++;
    set->value = v;
    index_put(ps, cfg->n_settings - 1);     /* room: find_setting reserved */
position:
    set->line = name_tok->line;
    set->col = name_tok->col;
    set->src = ps->src;
    return;
drop:
    value_free(v);
}

static bool is_python_keyword(const char *w)
{
    for (int i = 0; python_keywords[i]; i++)
        if (!strcmp(w, python_keywords[i]))
            return true;
    return false;
}

static bool starts_value(const struct cfg_tok *t)
{
    return t->kind == TK_STRING || t->kind == TK_BADSTRING ||
           t->kind == TK_NUMBER || t->kind == TK_BADNUM ||
           t->kind == TK_LBRACK;
}

static void report_bad_name(struct cfg_parse *ps, const struct cfg_tok *t)
{
    char lower[64];
    size_t n = strlen(t->text);
    bool fixable = n < sizeof(lower);

    /* Offer the spelling that would be valid, if there is one. */
    for (size_t i = 0; fixable && i <= n; i++) {
        char c = t->text[i];
        lower[i] = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c == '-' ? '_' : c;
    }
    fixable = fixable && lower[0] >= 'a' && lower[0] <= 'z';
    if (!strcmp(t->text, "True") || !strcmp(t->text, "False") ||
        !strcmp(t->text, "None"))
        cfg__python_evidence(ps, t->line, t->col, t->len, t->text);
    if (fixable)
        error_at(ps, t, "invalid key `%s': keys are lowercase letters, "
                 "digits, '_' and '.'; did you mean `%s'?", t->text, lower);
    else
        error_at(ps, t, "invalid key `%s': keys start with a lowercase "
                 "letter, then lowercase letters, digits, '_' and '.'",
                 t->text);
}

static void parse_statement(struct cfg_parse *ps)
{
    struct cfg_tok *t = peek(ps), *name, *op;
    struct pv_cfg_value *v;
    bool bad = false;

    switch (t->kind) {
    case TK_NEWLINE:
    case TK_SEMI:
        next(ps);
        return;
    case TK_IDENT:
    case TK_BADIDENT:
        break;
    case TK_ERROR:
        report_token_msg(ps, t);
        goto skip;
    case TK_EQ:
    case TK_ADD:
        error_at(ps, t, "missing key before '%s'",
                 t->kind == TK_EQ ? "=" : "+=");
        goto skip;
    case TK_RBRACK:
        error_at(ps, t, "unbalanced ']': no list is open here");
        goto skip;
    default:
        error_at(ps, t, "expected a key (`name = value'), found %s",
                 describe(t));
        goto skip;
    }

    name = next(ps);
    op = peek(ps);
    if (name->kind == TK_BADIDENT) {
        report_bad_name(ps, name);
        bad = true;
    }
    if (!is_op(op)) {
        if (is_python_keyword(name->text))
            cfg__python_evidence(ps, name->line, name->col, name->len,
                                 "a Python statement");
        if (op->kind == TK_ERROR) {
            report_token_msg(ps, op);
            goto skip;
        }
        if (starts_value(op)) {
            /* "name 'x'": report, then parse the value anyway. */
            cfg__diag(ps, PV_CFG_ERROR, name->line, name->col + name->len, 1,
                      "missing '=' after `%s'", name->text);
            bad = true;
        } else {
            error_at(ps, op, "expected '=' or '+=' after `%s', found %s",
                     name->text, describe(op));
            goto skip;
        }
    } else {
        next(ps);
    }

    v = parse_value(ps, &bad);
    if (!v)
        goto skip;
    t = peek(ps);
    if (t->kind == TK_NEWLINE || t->kind == TK_SEMI)
        next(ps);
    else if (t->kind != TK_EOF) {
        if (t->kind == TK_ERROR)
            report_token_msg(ps, t);
        else if (t->kind == TK_RBRACK)
            error_at(ps, t, "unbalanced ']': no list is open here");
        else if (v->type == PV_CFG_STRING &&
                 (t->kind == TK_STRING || t->kind == TK_BADSTRING))
            error_at(ps, t, "adjacent strings are not joined in xl.cfg: "
                     "write one string, or `%s += ...' on the next line",
                     name->text);
        else
            error_at(ps, t, "expected end of line or ';' after the value of "
                     "`%s', found %s", name->text, describe(t));
        value_free(v);
        goto skip;
    }
    if (bad || !is_op(op))
        value_free(v);
    else
        store(ps, name, op, v);
    return;
skip:
    skip_statement(ps);
}

static void parse_all(struct cfg_parse *ps)
{
    if (cfg__lex(ps))
        return;
    while (peek(ps)->kind != TK_EOF && !ps->oom) {
        int before = ps->pos;
        parse_statement(ps);
        if (ps->pos == before && peek(ps)->kind != TK_EOF && !ps->resync)
            next(ps);       /* cannot happen; never loop forever anyway */
    }
    report_pending(ps);
    free(ps->index);
    ps->index = NULL;
    ps->index_cap = 0;
}

/* --- public API --------------------------------------------------------- */

static int add_source(struct pv_cfg *cfg, const char *name, const char *data,
                      size_t len)
{
    struct pv_cfg_source *ns = realloc(cfg->sources,
                                       (cfg->n_sources + 1) * sizeof(*ns));
    if (!ns)
        return -1;
    cfg->sources = ns;
    struct pv_cfg_source *s = &ns[cfg->n_sources];
    s->name = strdup(name);
    s->text = cfg__strndup(data, len);
    s->len = len;
    if (!s->name || !s->text) {
        free(s->name);
        free(s->text);
        return -1;
    }
    return cfg->n_sources++;
}

/* Parse SOURCE (index SRC of the config that will own it) into the
 * settings of INTO; diagnostics to DIAG, counted in COUNTS. */
static int run_parse(struct pv_cfg *into, const struct pv_cfg_source *source,
                     int src, struct pv_cfg *counts, FILE *diag)
{
    struct cfg_parse ps = {
        .cfg = into, .source = source, .src = src,
        .data = source->text, .len = source->len,
    };

    parse_all(&ps);
    if (ps.oom)
        cfg__diag(&ps, PV_CFG_ERROR, 0, 0, 0, "out of memory");
    cfg__diag_flush(&ps, diag);
    cfg__toks_free(&ps);
    if (counts) {
        counts->n_errors += ps.n_errors;
        counts->n_warnings += ps.n_warnings;
    }
    return ps.n_errors || ps.oom ? -1 : 0;
}

static struct pv_cfg *cfg_new(const char *filename)
{
    struct pv_cfg *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        return NULL;
    if (!(cfg->filename = strdup(filename ? filename : "<config>"))) {
        free(cfg);
        return NULL;
    }
    return cfg;
}

int pv_cfg_parse(const char *filename, const char *data, size_t len,
                 FILE *diag, struct pv_cfg **out)
{
    struct pv_cfg *cfg = cfg_new(filename);

    *out = NULL;
    if (!cfg || add_source(cfg, cfg->filename, data, len) < 0) {
        if (diag)
            fprintf(diag, "%s: error: out of memory\n",
                    filename ? filename : "<config>");
        pv_cfg_free(cfg);
        return -1;
    }
    if (run_parse(cfg, &cfg->sources[0], 0, cfg, diag)) {
        pv_cfg_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

int pv_cfg_parse_file(const char *filename, FILE *diag, struct pv_cfg **out)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    int rc = -1;

    *out = NULL;
    f = fopen(filename, "rb");
    if (!f) {
        if (diag)
            fprintf(diag, "%s: error: cannot open configuration file: %s\n",
                    filename, strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (diag)
            fprintf(diag, "%s: error: is a directory, not a configuration "
                    "file\n", filename);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) {
                if (diag)
                    fprintf(diag, "%s: error: out of memory\n", filename);
                goto out;
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (len > CFG_MAX_FILE) {
            if (diag)
                fprintf(diag, "%s: error: larger than %d MiB; this is not a "
                        "domain configuration file\n", filename,
                        CFG_MAX_FILE >> 20);
            goto out;
        }
        if (r == 0) {
            if (ferror(f)) {
                if (diag)
                    fprintf(diag, "%s: error: read failed: %s\n", filename,
                            strerror(errno));
                goto out;
            }
            break;
        }
    }
    rc = pv_cfg_parse(filename, buf ? buf : "", len, diag, out);
out:
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

/* The convenience xl lacks: "name=vm2" or "cpus=0-3" on the command line,
 * where quoting would need shell gymnastics, means the string.  Only when
 * the override does not parse and is a plain `key=rest` with an unquoted,
 * non-list rest. */
static char *override_as_string(const char *text)
{
    const char *p = text, *key, *key_end, *val;

    while (*p == ' ' || *p == '\t')
        p++;
    key = p;
    if (!(*p >= 'a' && *p <= 'z'))
        return NULL;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
           *p == '_' || *p == '.')
        p++;
    key_end = p;
    while (*p == ' ' || *p == '\t')
        p++;
    bool add = p[0] == '+' && p[1] == '=';
    if (!add && *p != '=')
        return NULL;
    val = p + (add ? 2 : 1);
    while (*val == ' ' || *val == '\t')
        val++;
    if (!*val || strchr("\"'[", *val) || strpbrk(val, "\"'\n\\#;[]"))
        return NULL;
    char *r;
    if (asprintf(&r, "%.*s %s \"%s\"", (int)(key_end - key), key,
                 add ? "+=" : "=", val) < 0)
        return NULL;
    return r;
}

static struct pv_cfg_value *value_dup(const struct pv_cfg_value *v)
{
    struct pv_cfg_value *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    *d = *v;
    d->str = NULL;
    d->items = NULL;
    d->n_items = 0;
    if (v->str && !(d->str = strdup(v->str)))
        goto fail;
    for (int i = 0; i < v->n_items; i++) {
        struct pv_cfg_value *item = value_dup(v->items[i]);
        if (!item || list_append(d, item)) {
            value_free(item);
            goto fail;
        }
    }
    return d;
fail:
    value_free(d);
    return NULL;
}

static void settings_free(struct pv_cfg *cfg)
{
    for (int i = 0; i < cfg->n_settings; i++) {
        free(cfg->settings[i].name);
        value_free(cfg->settings[i].value);
    }
    free(cfg->settings);
    cfg->settings = NULL;
    cfg->n_settings = 0;
}

/* A config holding a deep copy of CFG's settings and nothing else: the
 * override is applied to it, and it replaces CFG's settings only when the
 * whole override is good. */
static struct pv_cfg *clone_settings(const struct pv_cfg *cfg)
{
    struct pv_cfg *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    for (int i = 0; i < cfg->n_settings; i++) {
        if (grow_if_full(&c->settings, c->n_settings, sizeof(*c->settings),
                         16))
            goto fail;
        struct pv_cfg_setting *d = &c->settings[i];
        *d = cfg->settings[i];
        d->name = strdup(cfg->settings[i].name);
        d->value = value_dup(cfg->settings[i].value);
        c->n_settings++;
        if (!d->name || !d->value)
            goto fail;
    }
    return c;
fail:
    settings_free(c);
    free(c);
    return NULL;
}

int pv_cfg_apply_override(struct pv_cfg *cfg, const char *source,
                          const char *text, FILE *diag)
{
    const char *name = source ? source : "command line";
    struct pv_cfg *scratch = NULL;
    char *alt = NULL;
    int rc = -1, src;

    if (!text)
        text = "";
    /* A quiet trial first: if the string convenience applies, the errors
     * of the unquoted form are noise. */
    struct pv_cfg_source trial = { .name = (char *)name, .text = (char *)text,
                                   .len = strlen(text) };
    if (!(scratch = clone_settings(cfg)))
        goto oom;
    if (run_parse(scratch, &trial, cfg->n_sources, NULL, NULL))
        alt = override_as_string(text);
    settings_free(scratch);
    free(scratch);

    src = add_source(cfg, name, alt ? alt : text, strlen(alt ? alt : text));
    if (src < 0 || !(scratch = clone_settings(cfg)))
        goto oom;
    rc = run_parse(scratch, &cfg->sources[src], src, cfg, diag);
    if (rc == 0) {
        struct pv_cfg_setting *t = cfg->settings;
        int n = cfg->n_settings;
        cfg->settings = scratch->settings;
        cfg->n_settings = scratch->n_settings;
        scratch->settings = t;
        scratch->n_settings = n;
    }
    settings_free(scratch);
    free(scratch);
    free(alt);
    return rc;
oom:
    if (diag)
        fprintf(diag, "%s: error: out of memory\n", name);
    free(alt);
    cfg->n_errors++;
    return -1;
}

const struct pv_cfg_setting *pv_cfg_lookup(const struct pv_cfg *cfg,
                                           const char *name)
{
    if (!cfg || !name)
        return NULL;
    for (int i = 0; i < cfg->n_settings; i++)
        if (!strcmp(cfg->settings[i].name, name))
            return &cfg->settings[i];
    return NULL;
}

void pv_cfg_free(struct pv_cfg *cfg)
{
    if (!cfg)
        return;
    settings_free(cfg);
    for (int i = 0; i < cfg->n_sources; i++) {
        free(cfg->sources[i].name);
        free(cfg->sources[i].text);
    }
    free(cfg->sources);
    free(cfg->filename);
    free(cfg);
}
