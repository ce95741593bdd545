/* Helpers for the config-model tests: parse xl.cfg text into a
 * pv_domain_config with reproducible options, and read fields by path
 * ("b_info.sched_params.weight") through the descriptor tables. */
#ifndef TESTS_UNIT_DOMCFG_TEST_UTIL_H
#define TESTS_UNIT_DOMCFG_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/cfg.h"
#include "libxl/domcfg_desc.h"
#include "libxl/domcfg_json.h"
#include "libxl/domcfg_parse.h"

struct model {
    int rc;
    struct pv_domain_config d;
    char *diag;
};

static inline struct model model_parse(const char *text)
{
    struct model m;
    struct pv_parse_opts o;
    struct pv_cfg *cfg = NULL;
    size_t len = 0;
    FILE *f;

    memset(&m, 0, sizeof(m));
    f = open_memstream(&m.diag, &len);
    pv_parse_opts_init(&o);
    o.no_random_uuid = true;
    o.topo.max_cpus = 8;
    o.host_online_cpus = 8;
    if (pv_cfg_parse("t.cfg", text, strlen(text), f, &cfg)) {
        m.rc = -2;
        pv_domain_config_init(&m.d);
    } else {
        m.rc = pv_domain_config_from_cfg(cfg, &o, &m.d, f);
    }
    fclose(f);
    pv_cfg_free(cfg);
    return m;
}

static inline void model_free(struct model *m)
{
    pv_domain_config_dispose(&m->d);
    free(m->diag);
}

/* Walk PATH from the domain config; returns the field and sets *base to
 * the struct holding it, or NULL. */
static inline const struct pv_field_desc *
model_field(const struct pv_domain_config *d, const char *path,
            const void **base)
{
    const struct pv_struct_desc *desc = &pv_desc_domain_config;
    const void *p = d;
    char buf[128], *save = NULL, *part;
    const struct pv_field_desc *f = NULL;

    snprintf(buf, sizeof(buf), "%s", path);
    for (part = strtok_r(buf, ".", &save); part;
         part = strtok_r(NULL, ".", &save)) {
        if (f) {
            if (f->kind != PVK_STRUCT && f->kind != PVK_VARIANT)
                return NULL;
            p = (const char *)p + f->off;
            desc = f->sub;
        }
        f = pv_struct_field(desc, part);
        if (!f)
            return NULL;
    }
    *base = p;
    return f;
}

static inline long long model_int(const struct pv_domain_config *d,
                                  const char *path)
{
    const void *base;
    const struct pv_field_desc *f = model_field(d, path, &base);

    if (!f)
        return 0x7eadbeef;
    return (long long)pv_field_int_value(f, base);
}

static inline const char *model_str(const struct pv_domain_config *d,
                                    const char *path)
{
    const void *base;
    const struct pv_field_desc *f = model_field(d, path, &base);

    if (!f || f->kind != PVK_STRING)
        return "<no such string field>";
    return *(char *const *)((const char *)base + f->off);
}

#endif
