/* Internals shared by domcfg_parse.c (domain-wide keys) and
 * domcfg_parse_dev.c (device lists).  Accessors mirror libxlutil's
 * xlu_cfg_get_* semantics: scalars (numbers and strings alike) are text,
 * numbers are read with strtol base 0; ESRCH means "not set", EINVAL
 * "wrong shape". */
#ifndef PV_DOMCFG_PARSE_I_H
#define PV_DOMCFG_PARSE_I_H

#include <errno.h>

#include "libxl/domcfg_parse.h"

struct pctx {
    struct pv_cfg *cfg;
    FILE *diag;
    const struct pv_parse_opts *o;
    struct pv_domain_config *d;
    int errors;
};

const struct pv_cfg_setting *pc_get(struct pctx *c, const char *key);

/* Report at a setting's value (or key when VAL is NULL). */
void pc_error(struct pctx *c, const struct pv_cfg_value *val,
              const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pc_warn(struct pctx *c, const struct pv_cfg_value *val,
             const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "file:line:col" of VAL, for messages of the spec parsers (static
 * buffer, valid until the next call). */
const char *pc_where(struct pctx *c, const struct pv_cfg_value *val);

int pc_string(struct pctx *c, const char *key, const char **out, bool quiet);
int pc_long(struct pctx *c, const char *key, long *out, bool quiet);
int pc_bounded_long(struct pctx *c, const char *key, long min, long max,
                    long *out);
int pc_defbool(struct pctx *c, const char *key, pv_defbool *out);
int pc_replace_string(struct pctx *c, const char *key, char **field);
int pc_list(struct pctx *c, const char *key, const struct pv_cfg_value **out,
            bool quiet);
int pc_string_list(struct pctx *c, const char *key, char ***out);
const char *pc_item(const struct pv_cfg_value *list, int i);
char *pc_strdup(struct pctx *c, const char *s);

/* Set *out from "KEY=value" TOKEN when its key is KEY; xl's MATCH_OPTION. */
const char *pc_match(const char *token, const char *key);

void pc_parse_pci(struct pctx *c);
void pc_parse_devices(struct pctx *c);
void pc_parse_vkbs(struct pctx *c);
void pc_parse_vnuma(struct pctx *c);
void pc_parse_vcpu_affinity(struct pctx *c, const char *key, bool hard);

#endif
