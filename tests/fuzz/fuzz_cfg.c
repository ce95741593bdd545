/* libFuzzer target for the xl.cfg parser.
 *
 * Every input is parsed as a file with diagnostics printed (to /dev/null:
 * the caret rendering walks the source and is as exposed as the parser).
 * When it parses, the settings are walked, a suggestion is asked for each
 * key, and the input's first line is also applied as a command-line
 * override to both the parsed config and an empty one, which exercises
 * += merging and the override's string convenience. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/cfg.h"
#include "libxl/suggest.h"

static const char *const keys[] = {
    "name", "memory", "maxmem", "vcpus", "maxvcpus", "disk", "vif",
    "on_crash", "kernel", "extra", NULL,
};

static size_t walk(const struct pv_cfg_value *v, int depth)
{
    size_t n = 1;
    if (depth > 1000)
        abort();        /* the parser bounds nesting; this must not happen */
    if (v->type == PV_CFG_LIST) {
        if (v->n_items < 0 || (v->n_items && !v->items))
            abort();
        for (int i = 0; i < v->n_items; i++)
            n += walk(v->items[i], depth + 1);
    } else if (!v->str) {
        abort();
    } else {
        n += strlen(v->str);
    }
    if (v->line < 1 || v->col < 1)
        abort();
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    struct pv_cfg *cfg = NULL;

    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (pv_cfg_parse("fuzz.cfg", (const char *)data, size, devnull, &cfg)) {
        if (cfg)
            abort();    /* failure must not hand back a config */
        return 0;
    }
    for (int i = 0; i < cfg->n_settings; i++) {
        const struct pv_cfg_setting *s = &cfg->settings[i];
        if (pv_cfg_lookup(cfg, s->name) != s)
            abort();    /* names are unique: last assignment wins */
        walk(s->value, 0);
        pv_suggest(s->name, keys, (size_t)-1);
        pv_cfg_report_value(cfg, devnull, PV_CFG_NOTE, s->value, "v");
    }
    pv_cfg_warn_unknown_keys(cfg, devnull, keys, (size_t)-1);

    /* First line (up to 256 bytes, NUL-free) as an override. */
    char line[257];
    size_t n = 0;
    while (n < size && n < 256 && data[n] != '\n' && data[n] != '\0') {
        line[n] = (char)data[n];
        n++;
    }
    line[n] = '\0';
    int before = cfg->n_settings;
    if (pv_cfg_apply_override(cfg, "override", line, devnull) &&
        cfg->n_settings != before)
        abort();        /* a failed override leaves the config unchanged */
    pv_cfg_free(cfg);

    struct pv_cfg *empty = NULL;
    if (pv_cfg_parse("empty", "", 0, NULL, &empty) == 0) {
        pv_cfg_apply_override(empty, "override", line, NULL);
        pv_cfg_free(empty);
    }
    return 0;
}
