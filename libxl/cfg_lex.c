/* xl.cfg lexer: bytes -> tokens with line and column.
 *
 * Token rules follow Xen 4.17's libxlu_cfg_l.l (identifiers
 * [a-z][._0-9a-z]*, numbers [0-9][0-9a-fx]*, strings in either quote without
 * a raw newline, '#' comments, space and tab as blanks).  Where Xen reports
 * "lexical error" on the first odd byte, we scan the whole odd word so the
 * message can say what is wrong with it (`Memory`, `512M`, `-1`), and we
 * accept CRLF line ends, a BOM, \xNN escapes and a final comment without a
 * newline (docs/config.md lists each decision). */
#include "libxl/cfg_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lexer {
    struct cfg_parse *ps;
    const char *p, *end;
    const char *line_start;
    int line;
};

static int col_of(const struct lexer *lx, const char *at)
{
    return (int)(at - lx->line_start) + 1;
}

static struct cfg_tok *push(struct lexer *lx, enum cfg_tok_kind kind,
                            const char *start, const char *stop)
{
    struct cfg_parse *ps = lx->ps;
    if (ps->n_toks == ps->cap_toks) {
        int ncap = ps->cap_toks ? ps->cap_toks * 2 : 64;
        struct cfg_tok *n = realloc(ps->toks, ncap * sizeof(*n));
        if (!n) {
            ps->oom = true;
            return NULL;
        }
        ps->toks = n;
        ps->cap_toks = ncap;
    }
    struct cfg_tok *t = &ps->toks[ps->n_toks++];
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    t->line = lx->line;
    t->col = col_of(lx, start);
    t->len = (int)(stop - start);
    t->msg_col = t->col;
    t->msg_len = t->len;
    return t;
}

static void set_msg(struct cfg_parse *ps, struct cfg_tok *t, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));
static void set_msg(struct cfg_parse *ps, struct cfg_tok *t, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&t->msg, fmt, ap) < 0) {
        t->msg = NULL;
        ps->oom = true;
    }
    va_end(ap);
}

char *cfg__strndup(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

void cfg__python_evidence(struct cfg_parse *ps, int line, int col, int len,
                          const char *what)
{
    /* Keep the earliest: the lexer runs before the parser finds any. */
    if (ps->py_what &&
        (ps->py_line < line || (ps->py_line == line && ps->py_col <= col)))
        return;
    ps->py_line = line;
    ps->py_col = col;
    ps->py_len = len;
    ps->py_what = what;
}

static bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
static bool is_word(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}
static int hexval(int c)
{
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The end of the current line (at '\n', a CRLF's '\r', or end of input). */
static const char *line_end(const struct lexer *lx, const char *from)
{
    const char *e = memchr(from, '\n', lx->end - from);
    if (!e)
        return lx->end;
    if (e > from && e[-1] == '\r')
        e--;
    return e;
}

static void lex_word(struct lexer *lx)
{
    const char *s = lx->p, *e = s;
    while (e < lx->end && is_word((unsigned char)*e))
        e++;
    bool ok = is_lower((unsigned char)*s);
    for (const char *q = s + 1; ok && q < e; q++)
        ok = is_lower((unsigned char)*q) || is_digit((unsigned char)*q) ||
             *q == '_' || *q == '.';
    struct cfg_tok *t = push(lx, ok ? TK_IDENT : TK_BADIDENT, s, e);
    lx->p = e;
    if (t && !(t->text = cfg__strndup(s, e - s)))
        lx->ps->oom = true;
}

/* Digits first; Xen's token is [0-9][0-9a-fx]*.  We take the longest run of
 * word characters so that "512M" or "1.5" is one bad number, not a number
 * followed by a confusing error about `M`.  A leading '-' is included to
 * say precisely why "-1" is refused. */
static void lex_number(struct lexer *lx)
{
    const char *s = lx->p, *e = s + 1;
    while (e < lx->end && (is_word((unsigned char)*e) || *e == '+'))
        e++;
    bool ok = *s != '-';
    for (const char *q = s + 1; ok && q < e; q++)
        ok = is_digit((unsigned char)*q) || (*q >= 'a' && *q <= 'f') ||
             *q == 'x';
    struct cfg_tok *t = push(lx, ok ? TK_NUMBER : TK_BADNUM, s, e);
    lx->p = e;
    if (!t)
        return;
    if (!(t->text = cfg__strndup(s, e - s))) {
        lx->ps->oom = true;
        return;
    }
    if (ok)
        return;
    if (*s == '-')
        set_msg(lx->ps, t, "negative number `%s' must be quoted (\"%s\"): "
                "xl.cfg numbers have no sign", t->text, t->text);
    else if (memchr(s, '.', e - s) && !memchr(s, '-', e - s))
        set_msg(lx->ps, t, "invalid number `%s': xl.cfg numbers are "
                "integers; quote it if it is meant as text (\"%s\")",
                t->text, t->text);
    else
        set_msg(lx->ps, t, "invalid number `%s': numbers are decimal, "
                "octal (0...) or lowercase hex (0x...); quote it if it is "
                "meant as text (\"%s\")", t->text, t->text);
}

static void lex_string(struct lexer *lx)
{
    struct cfg_parse *ps = lx->ps;
    const char quote = *lx->p;
    const char *s = lx->p, *p = s + 1;
    const char *bad_at = NULL;
    int bad_len = 0;
    bool backslash_newline = false;
    const char *bad_msg = NULL;
    char bad_buf[160];
    char *buf = malloc(line_end(lx, s) - s + 1);   /* value <= source */
    size_t n = 0;

    if (!buf) {
        ps->oom = true;
        lx->p = line_end(lx, s);
        return;
    }
    for (;;) {
        if (p >= lx->end || *p == '\n' ||
            (*p == '\r' && p + 1 < lx->end && p[1] == '\n')) {
            /* Unterminated: the rest of the line is lost to the string. */
            struct cfg_tok *t = push(lx, TK_ERROR, s, p);
            if (t) {
                if (backslash_newline)
                    set_msg(ps, t, "unterminated string: missing closing "
                            "%c (a backslash does not continue a line)",
                            quote);
                else
                    set_msg(ps, t, "unterminated string: missing closing %c",
                            quote);
            }
            lx->p = p;
            goto out;
        }
        unsigned char c = *p;
        if (c == quote) {
            p++;
            break;
        }
        if (c == '\0') {
            if (!bad_at) {
                bad_at = p;
                bad_len = 1;
                bad_msg = "NUL byte in a string";
            }
            p++;
            continue;
        }
        if (c != '\\') {
            buf[n++] = c;
            p++;
            continue;
        }
        /* Escape.  p[1] exists and is not '\n' unless the loop above
         * reports the unterminated string on the next round. */
        if (p + 1 >= lx->end || p[1] == '\n' ||
            (p[1] == '\r' && p + 2 < lx->end && p[2] == '\n')) {
            backslash_newline = true;
            p++;
            continue;
        }
        unsigned char e = p[1];
        int v = -1;
        switch (e) {
        case '"': case '\'': case '\\': v = e; break;
        case 'a': v = '\a'; break;
        case 'b': v = '\b'; break;
        case 'f': v = '\f'; break;
        case 'n': v = '\n'; break;
        case 'r': v = '\r'; break;
        case 't': v = '\t'; break;
        case 'v': v = '\v'; break;
        case 'x': {
            int h1 = p + 2 < lx->end ? hexval((unsigned char)p[2]) : -1;
            int h2 = p + 3 < lx->end ? hexval((unsigned char)p[3]) : -1;
            if (h1 < 0 || h2 < 0) {
                if (!bad_at) {
                    bad_at = p;
                    bad_len = 2;
                    bad_msg = "\\x must be followed by exactly two hex digits";
                }
                p += 2;
                continue;
            }
            if (h1 == 0 && h2 == 0) {
                if (!bad_at) {
                    bad_at = p;
                    bad_len = 4;
                    bad_msg = "\\x00 (NUL) is not allowed in a string";
                }
                p += 4;
                continue;
            }
            buf[n++] = (char)(h1 * 16 + h2);
            p += 4;
            continue;
        }
        default:
            break;
        }
        if (v >= 0) {
            buf[n++] = (char)v;
            p += 2;
            continue;
        }
        if (!bad_at) {
            bad_at = p;
            bad_len = 2;
            if (e >= '0' && e <= '7')
                bad_msg = "octal escapes are not supported (Xen's are broken);"
                          " use \\xNN";
            else {
                if (e > 0x20 && e < 0x7f)
                    snprintf(bad_buf, sizeof(bad_buf), "unknown escape "
                             "sequence `\\%c'", e);
                else
                    snprintf(bad_buf, sizeof(bad_buf), "unknown escape "
                             "sequence: '\\' followed by byte 0x%02x", e);
                strcat(bad_buf, "; the escapes are \\\" \\' \\\\ \\a \\b "
                       "\\f \\n \\r \\t \\v \\xNN");
                bad_msg = bad_buf;
            }
        }
        p += 2;
    }
    buf[n] = '\0';
    struct cfg_tok *t = push(lx, bad_at ? TK_BADSTRING : TK_STRING, s, p);
    lx->p = p;
    if (!t)
        goto out;
    t->text = buf;
    buf = NULL;
    if (bad_at) {
        set_msg(ps, t, "%s", bad_msg);
        t->msg_col = col_of(lx, bad_at);
        t->msg_len = bad_len;
    }
    /* """docstring""" lexes as "" then "...": a Python tell. */
    if (p - s == 2 && p < lx->end && *p == quote)
        cfg__python_evidence(ps, lx->line, col_of(lx, s), 3,
                             "a triple-quoted string");
out:
    free(buf);
}

static void lex_bad_char(struct lexer *lx)
{
    const char *s = lx->p, *e = s + 1;
    unsigned char c = *s;
    if (c >= 0xc0)      /* one message per UTF-8 character, not per byte */
        while (e < lx->end && ((unsigned char)*e & 0xc0) == 0x80)
            e++;
    struct cfg_tok *t = push(lx, TK_ERROR, s, e);
    lx->p = e;
    if (!t)
        return;
    if (c >= 0x80)
        set_msg(lx->ps, t, "unexpected non-ASCII character (byte 0x%02x) "
                "outside quotes", c);
    else if (c == '\r')
        set_msg(lx->ps, t, "stray carriage return (\\r) not followed by a "
                "newline");
    else if (c < 0x20 || c == 0x7f)
        set_msg(lx->ps, t, "unexpected control character (byte 0x%02x)", c);
    else if (c == '\\')
        set_msg(lx->ps, t, "unexpected '\\': there are no line "
                "continuations in xl.cfg (lists may span lines)");
    else
        set_msg(lx->ps, t, "unexpected character '%c'", c);
    if (c && strchr("():%{}", c))
        cfg__python_evidence(lx->ps, t->line, t->col, 1,
                             c == '%' ? "'%' formatting" :
                             c == ':' ? "a ':'" : "parentheses or braces");
}

int cfg__lex(struct cfg_parse *ps)
{
    struct lexer lx = { .ps = ps, .p = ps->data, .end = ps->data + ps->len,
                        .line_start = ps->data, .line = 1 };
    bool crlf_warned = false;

    if (lx.end - lx.p >= 3 && !memcmp(lx.p, "\xef\xbb\xbf", 3)) {
        cfg__diag(ps, PV_CFG_WARNING, 1, 1, 3,
                  "UTF-8 byte order mark ignored (Xen's xl rejects it)");
        lx.p += 3;
    }
    while (lx.p < lx.end && !ps->oom) {
        unsigned char c = *lx.p;
        switch (c) {
        case ' ': case '\t':
            lx.p++;
            continue;
        case '\r':
            if (lx.p + 1 < lx.end && lx.p[1] == '\n') {
                if (!crlf_warned)
                    cfg__diag(ps, PV_CFG_WARNING, lx.line,
                              col_of(&lx, lx.p), 0,
                              "DOS (CRLF) line endings: accepted, but Xen's "
                              "xl rejects this file");
                crlf_warned = true;
                lx.p++;
                continue;
            }
            lex_bad_char(&lx);
            continue;
        case '\n':
            push(&lx, TK_NEWLINE, lx.p, lx.p);
            lx.p++;
            lx.line++;
            lx.line_start = lx.p;
            continue;
        case '#':
            /* To the end of the line, or of the file: unlike Xen, a last
             * line that is a comment needs no newline. */
        {
            const char *e = line_end(&lx, lx.p);
            /* xm-era files often start "#  -*- mode: python; -*-". */
            if (memmem(lx.p, e - lx.p, "mode: python", 12))
                cfg__python_evidence(ps, lx.line, col_of(&lx, lx.p),
                                     (int)(e - lx.p), "a 'mode: python' "
                                     "comment");
            lx.p = e;
            continue;
        }
        case '"': case '\'':
            lex_string(&lx);
            continue;
        case '[': case ']': case ',': case ';': case '=': {
            static const enum cfg_tok_kind kinds[] = {
                ['['] = TK_LBRACK, [']'] = TK_RBRACK, [','] = TK_COMMA,
                [';'] = TK_SEMI, ['='] = TK_EQ,
            };
            push(&lx, kinds[c], lx.p, lx.p + 1);
            lx.p++;
            continue;
        }
        case '+':
            if (lx.p + 1 < lx.end && lx.p[1] == '=') {
                push(&lx, TK_ADD, lx.p, lx.p + 2);
                lx.p += 2;
                continue;
            }
            cfg__python_evidence(ps, lx.line, col_of(&lx, lx.p), 1,
                                 "a '+' expression");
            lex_bad_char(&lx);
            continue;
        case '-':
            if (lx.p + 1 < lx.end && is_digit((unsigned char)lx.p[1])) {
                lex_number(&lx);
                continue;
            }
            lex_bad_char(&lx);
            continue;
        default:
            if (is_digit(c))
                lex_number(&lx);
            else if (is_alpha(c) || c == '_')
                lex_word(&lx);
            else
                lex_bad_char(&lx);
            continue;
        }
    }
    if (!ps->oom)
        push(&lx, TK_EOF, lx.p, lx.p);
    return ps->oom ? -1 : 0;
}

void cfg__toks_free(struct cfg_parse *ps)
{
    for (int i = 0; i < ps->n_toks; i++) {
        free(ps->toks[i].text);
        free(ps->toks[i].msg);
    }
    free(ps->toks);
    ps->toks = NULL;
    ps->n_toks = ps->cap_toks = 0;
}
