/* The xl.cfg grammar: parse a domain configuration file into settings.
 *
 * This layer knows the grammar only (Xen 4.17 libxlutil's, see
 * docs/config.md for where we deliberately differ); what keys mean is the
 * domain config model's business.  As in libxlutil, scalar values keep their
 * source text: "memory = 512" stores the string "512" and the model converts.
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
};

struct pv_cfg_setting {
    char *name;
    struct pv_cfg_value *value;     /* after all += have been applied */
    int line, col;                  /* of the last assignment (last one wins) */
};

struct pv_cfg {
    char *filename;                 /* as given, for messages */
    struct pv_cfg_setting *settings;
    int n_settings;
    int n_errors, n_warnings;
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
 * as a line of the file; SOURCE names it in diagnostics. */
int pv_cfg_apply_override(struct pv_cfg *cfg, const char *source,
                          const char *text, FILE *diag);

const struct pv_cfg_setting *pv_cfg_lookup(const struct pv_cfg *cfg,
                                           const char *name);

void pv_cfg_free(struct pv_cfg *cfg);

#endif
