/* Private to the xl.cfg parser (cfg_lex.c, cfg_parse.c, cfg_diag.c).
 *
 * The input is lexed completely into a token array before parsing.  That
 * gives the parser unlimited lookahead, which error recovery needs: inside
 * an unclosed list, a line starting `key =` is the next statement, not
 * more list.  Diagnostics are collected, then sorted by position and
 * printed, because the lexer and parser find them in different orders. */
#ifndef PV_CFG_INTERNAL_H
#define PV_CFG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "libxl/cfg.h"

enum cfg_tok_kind {
    TK_EOF,
    TK_NEWLINE,
    TK_SEMI,
    TK_EQ,
    TK_ADD,         /* += */
    TK_COMMA,
    TK_LBRACK,
    TK_RBRACK,
    TK_IDENT,       /* [a-z][._0-9a-z]*, as Xen */
    TK_BADIDENT,    /* a word that is not a valid name (Memory, on-crash) */
    TK_NUMBER,      /* [0-9][0-9a-fx]*, as Xen */
    TK_BADNUM,      /* number-like but invalid (1.5, 512M, -1); msg says why */
    TK_STRING,      /* text is the unescaped value */
    TK_BADSTRING,   /* a closed string with a bad escape; msg says which */
    TK_ERROR,       /* lexical error that breaks structure; msg says what */
};

struct cfg_tok {
    enum cfg_tok_kind kind;
    int line, col, len;     /* len: source bytes (on the token's line) */
    char *text;             /* IDENT/NUMBER: as written; STRING: value */
    char *msg;              /* BAD*: the problem; ERROR: the message */
    int msg_col, msg_len;   /* where msg points when not at the token */
};

struct cfg_diag {
    enum pv_cfg_severity sev;
    int line, col, len;
    int seq;                /* emission order, to keep the sort stable */
    char *msg;
};

#define CFG_MAX_ERRORS 100  /* then "too many errors" and stop printing */
#define CFG_MAX_DEPTH  64   /* list nesting, bounds parser recursion */

struct cfg_parse {
    struct pv_cfg *cfg;             /* where settings are stored */
    const struct pv_cfg_source *source;  /* the text, for diagnostics */
    int src;                        /* its index, recorded in values */
    const char *data;
    size_t len;

    struct cfg_tok *toks;
    int n_toks, cap_toks, pos;

    struct cfg_diag *diags;
    int n_diags, cap_diags;
    int n_errors, n_warnings;
    bool oom;

    int depth;                      /* '[' open in the current statement */
    bool resync;                    /* stopped at the start of a statement */

    /* Name -> setting index + 1 (0 empty), open addressing; a file with
     * many keys must not make every assignment a linear search. */
    int *index;
    int index_cap;                  /* power of two, or 0 */

    /* `+=' onto a number, reported only if no later `=' replaces it (Xen
     * refuses such a value only when it is finally read).  Indexed by
     * setting; line 0 = none. */
    struct cfg_pending { int line, col, prev_line; } *pending;
    int n_pending;

    /* First sign that the file is Python (xm-era) rather than xl.cfg. */
    int py_line, py_col, py_len;
    const char *py_what;
};

/* cfg_lex.c: fill ps->toks from ps->data; always ends with TK_EOF. */
int cfg__lex(struct cfg_parse *ps);
void cfg__toks_free(struct cfg_parse *ps);
void cfg__python_evidence(struct cfg_parse *ps, int line, int col, int len,
                          const char *what);

/* cfg_diag.c */
void cfg__diag(struct cfg_parse *ps, enum pv_cfg_severity sev, int line,
               int col, int len, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void cfg__vdiag(struct cfg_parse *ps, enum pv_cfg_severity sev, int line,
                int col, int len, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
void cfg__diag_flush(struct cfg_parse *ps, FILE *out);
void cfg__diag_free(struct cfg_parse *ps);
void cfg__emit(FILE *out, const struct pv_cfg_source *s,
               enum pv_cfg_severity sev, int line, int col, int len,
               const char *msg);
char *cfg__strndup(const char *s, size_t n);

#endif
