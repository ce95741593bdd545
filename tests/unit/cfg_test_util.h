/* Helpers shared by the cfg unit tests: parse a string and capture what
 * the parser printed. */
#ifndef TESTS_UNIT_CFG_TEST_UTIL_H
#define TESTS_UNIT_CFG_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/cfg.h"

struct parsed {
    int rc;
    struct pv_cfg *cfg;
    char *diag;     /* everything written to the diagnostic stream */
};

static inline struct parsed parse_n(const char *text, size_t len)
{
    struct parsed p = { 0 };
    size_t dlen = 0;
    FILE *f = open_memstream(&p.diag, &dlen);
    p.rc = pv_cfg_parse("t.cfg", text, len, f, &p.cfg);
    fclose(f);
    return p;
}

static inline struct parsed parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static inline void parsed_free(struct parsed *p)
{
    pv_cfg_free(p->cfg);
    free(p->diag);
}

/* The value of NAME, which must exist. */
static inline const struct pv_cfg_value *val(const struct parsed *p,
                                            const char *name)
{
    const struct pv_cfg_setting *s = pv_cfg_lookup(p->cfg, name);
    return s ? s->value : NULL;
}

/* Apply an override, capturing diagnostics into *DIAG (caller frees). */
static inline int override(struct pv_cfg *cfg, const char *text, char **diag)
{
    size_t dlen = 0;
    FILE *f = open_memstream(diag, &dlen);
    int rc = pv_cfg_apply_override(cfg, "command line", text, f);
    fclose(f);
    return rc;
}

/* How many times NEEDLE occurs in HAY. */
static inline int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

#endif
