/* The xl.cfg grammar: parse a domain configuration file into settings.
 *
 * This layer knows the grammar only (Xen 4.17 libxlutil's, see
 * docs/config.md for where we deliberately differ); what keys mean is the
 * domain config model's business.  As in libxlutil, scalar values keep their
 * source text: "memory = 512" stores the string "512" and the model converts.
 *
 * Every value and setting remembers where it came from (source, line,
 * column), and the parsed text is kept, so later layers can report problems
 * in the same "file:line:col: error:" + source line + caret form the parser
 * uses (pv_cfg_report*).
 */
#ifndef PV_CFG_H
#define PV_CFG_H

#include <stddef.h>
#include <stdio.h>

enum pv_cfg_type {
    PV_CFG_STRING,  /* quoted string, after unescaping */
    PV_CFG_NUMBER,  /* bare number, text as written (e.g. "0x10", "512") */
    PV_CFG_LIST,    /* [ v, v, ... ]; items may be lists themselves */
};

struct pv_cfg_value {
    enum pv_cfg_type type;
    char *str;                      /* STRING and NUMBER */
    struct pv_cfg_value **items;    /* LIST */
    int n_items;
    int line, col;                  /* where the value starts, 1-based */
    int src;                        /* index into pv_cfg.sources */
    int len;                        /* source bytes on its first line (for
                                       the ~~~ under a caret); 0 unknown */
};

struct pv_cfg_setting {
    char *name;
    struct pv_cfg_value *value;     /* after all += have been applied */
    int line, col;                  /* of the last assignment (last one wins) */
    int src;                        /* source of that assignment */
};

/* A text that settings came from: the file, or one command-line override. */
struct pv_cfg_source {
    char *name;                     /* "vm.cfg", "command line" ... */
    char *text;                     /* the bytes parsed, NUL-terminated */
    size_t len;
};

struct pv_cfg {
    char *filename;                 /* as given, for messages */
    struct pv_cfg_setting *settings;/* in order of first assignment */
    int n_settings;
    int n_errors, n_warnings;
    struct pv_cfg_source *sources;  /* [0] is the file */
    int n_sources;
};

/* Parse DATA (LEN bytes) read from FILENAME.  Diagnostics are written to
 * DIAG (may be NULL) as "file:line:col: error: msg" plus the source line and
 * a caret, every error in the file reported, warnings likewise.
 * Returns 0 and *OUT on success; on any error returns -1 and *OUT is NULL
 * (warnings alone do not fail). */
int pv_cfg_parse(const char *filename, const char *data, size_t len,
                 FILE *diag, struct pv_cfg **out);

/* Read FILENAME and parse it; errors opening/reading are reported to DIAG. */
int pv_cfg_parse_file(const char *filename, FILE *diag, struct pv_cfg **out);

/* Apply one command-line override "key=value" / "key+=value" (the trailing
 * arguments of `xl create FILE key=value ...`), parsed with the same grammar
 * as a line of the file; SOURCE names it in diagnostics.  As a convenience
 * xl lacks, an unquoted value that is not valid grammar (name=vm2,
 * cpus=0-3) is taken as a string.  Returns 0, or -1 with CFG unchanged
 * (cfg->n_errors counts the errors). */
int pv_cfg_apply_override(struct pv_cfg *cfg, const char *source,
                          const char *text, FILE *diag);

const struct pv_cfg_setting *pv_cfg_lookup(const struct pv_cfg *cfg,
                                           const char *name);

void pv_cfg_free(struct pv_cfg *cfg);

/* --- Diagnostics for later layers, in the parser's format ------------- */

enum pv_cfg_severity { PV_CFG_NOTE, PV_CFG_WARNING, PV_CFG_ERROR };

/* Print "NAME:LINE:COL: SEVERITY: MSG", then the source line and a caret
 * (with LEN-1 '~' after it when LEN > 1) to DIAG (may be NULL), and count it
 * in cfg->n_errors / n_warnings.  LINE 0 prints "NAME: SEVERITY: MSG" only. */
void pv_cfg_report(struct pv_cfg *cfg, FILE *diag, enum pv_cfg_severity sev,
                   int src, int line, int col, int len, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* The same, pointing at a setting's key or at a value. */
void pv_cfg_report_setting(struct pv_cfg *cfg, FILE *diag,
                           enum pv_cfg_severity sev,
                           const struct pv_cfg_setting *set,
                           const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void pv_cfg_report_value(struct pv_cfg *cfg, FILE *diag,
                         enum pv_cfg_severity sev,
                         const struct pv_cfg_value *val,
                         const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Warn (in the format above) about every setting whose name is not among
 * KNOWN (N entries, or NULL-terminated when N is (size_t)-1), adding
 * "did you mean `X`?" when one is close.  Xen's xl ignores unknown keys
 * silently; so do we, but not silently.  Returns how many were unknown. */
int pv_cfg_warn_unknown_keys(struct pv_cfg *cfg, FILE *diag,
                             const char *const *known, size_t n);

#endif
