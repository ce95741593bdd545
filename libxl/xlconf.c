/* xl.conf loading (see xlconf.h).  Same keys and precedence as xl 4.17:
 * vif.default.script over the deprecated vifscript, vif.default.bridge
 * over defaultbridge; grant limits bounded to 0..INT_MAX. */
#include "libxl/xlconf.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libxl/cfg.h"

void pv_xl_conf_init(struct pv_xl_conf *c)
{
    memset(c, 0, sizeof(*c));
    pv_parse_opts_init(&c->parse);
    c->autoballoon = -1;
}

void pv_xl_conf_dispose(struct pv_xl_conf *c)
{
    size_t i;

    free(c->lockfile);
    free(c->output_format);
    free(c->vm_cpumask);
    free(c->vm_pv_cpumask);
    free(c->vm_hvm_cpumask);
    for (i = 0; i < sizeof(c->owned) / sizeof(c->owned[0]); i++)
        free(c->owned[i]);
    pv_xl_conf_init(c);
}

static const struct pv_cfg_value *scalar(struct pv_cfg *cfg, const char *key)
{
    const struct pv_cfg_setting *s = pv_cfg_lookup(cfg, key);

    return s && s->value->type != PV_CFG_LIST ? s->value : NULL;
}

static int set_string(struct pv_cfg *cfg, const char *key, char **field)
{
    const struct pv_cfg_value *v = scalar(cfg, key);

    if (!v)
        return 0;
    free(*field);
    *field = strdup(v->str);
    return *field ? 1 : -1;
}

static int get_long(struct pv_cfg *cfg, FILE *diag, const char *key,
                    long min, long max, long *out)
{
    const struct pv_cfg_value *v = scalar(cfg, key);
    char *end;

    if (!v)
        return 0;
    errno = 0;
    *out = strtol(v->str, &end, 0);
    if (end == v->str || *end || errno || *out < min || *out > max) {
        pv_cfg_report_value(cfg, diag, PV_CFG_ERROR, v, "`%s' must be a "
                            "number from %ld to %ld", key, min, max);
        return -1;
    }
    return 1;
}

int pv_xl_conf_load(struct pv_xl_conf *c, const char *path, FILE *diag)
{
    struct pv_parse_opts *o = &c->parse;
    struct pv_cfg *cfg = NULL;
    const struct pv_cfg_value *v;
    struct stat st;
    long l;
    int rc = -1;

    if (stat(path, &st) && errno == ENOENT)
        return 0;
    if (pv_cfg_parse_file(path, diag, &cfg))
        return -1;

    if ((v = scalar(cfg, "autoballoon"))) {
        if (!strcmp(v->str, "on") || !strcmp(v->str, "1"))
            c->autoballoon = 1;
        else if (!strcmp(v->str, "off") || !strcmp(v->str, "0"))
            c->autoballoon = 0;
        else if (!strcmp(v->str, "auto"))
            c->autoballoon = -1;
        else
            pv_cfg_report_value(cfg, diag, PV_CFG_WARNING, v, "invalid "
                                "autoballoon option `%s' ignored (on, off "
                                "or auto)", v->str);
    }
    if (get_long(cfg, diag, "run_hotplug_scripts", LONG_MIN, LONG_MAX, &l) > 0)
        o->run_hotplug_scripts = l != 0;
    if (get_long(cfg, diag, "claim_mode", LONG_MIN, LONG_MAX, &l) > 0)
        o->claim_mode = l != 0;
    if (set_string(cfg, "lockfile", &c->lockfile) < 0 ||
        set_string(cfg, "output_format", &c->output_format) < 0 ||
        set_string(cfg, "vifscript", &c->owned[0]) < 0 ||
        set_string(cfg, "vif.default.script", &c->owned[0]) < 0 ||
        set_string(cfg, "defaultbridge", &c->owned[1]) < 0 ||
        set_string(cfg, "vif.default.bridge", &c->owned[1]) < 0 ||
        set_string(cfg, "vif.default.gatewaydev", &c->owned[2]) < 0 ||
        set_string(cfg, "vif.default.backend", &c->owned[3]) < 0 ||
        set_string(cfg, "blkdev_start", &c->owned[4]) < 0 ||
        set_string(cfg, "vm.cpumask", &c->vm_cpumask) < 0 ||
        set_string(cfg, "vm.pv.cpumask", &c->vm_pv_cpumask) < 0 ||
        set_string(cfg, "vm.hvm.cpumask", &c->vm_hvm_cpumask) < 0)
        goto out;
    if (pv_cfg_lookup(cfg, "vifscript"))
        pv_cfg_report_setting(cfg, diag, PV_CFG_WARNING,
                              pv_cfg_lookup(cfg, "vifscript"),
                              "`vifscript' is deprecated; use "
                              "vif.default.script");
    if (pv_cfg_lookup(cfg, "defaultbridge"))
        pv_cfg_report_setting(cfg, diag, PV_CFG_WARNING,
                              pv_cfg_lookup(cfg, "defaultbridge"),
                              "`defaultbridge' is deprecated; use "
                              "vif.default.bridge");
    if (c->output_format && strcmp(c->output_format, "json") &&
        strcmp(c->output_format, "sxp"))
        pv_cfg_report_value(cfg, diag, PV_CFG_WARNING,
                            scalar(cfg, "output_format"), "invalid default "
                            "output format `%s' (json or sxp)",
                            c->output_format);
    o->default_vifscript = c->owned[0];
    o->default_bridge = c->owned[1];
    o->default_gatewaydev = c->owned[2];
    o->default_vifbackend = c->owned[3];
    o->blkdev_start = c->owned[4];
    if (get_long(cfg, diag, "max_grant_frames", 0, INT_MAX, &l) < 0)
        goto out;
    else if (scalar(cfg, "max_grant_frames"))
        o->max_grant_frames = l;
    if (get_long(cfg, diag, "max_maptrack_frames", 0, INT_MAX, &l) < 0)
        goto out;
    else if (scalar(cfg, "max_maptrack_frames"))
        o->max_maptrack_frames = l;
    if (get_long(cfg, diag, "max_grant_version", 0, INT_MAX, &l) < 0)
        goto out;
    else if (scalar(cfg, "max_grant_version"))
        o->max_grant_version = l;
    rc = 0;
out:
    pv_cfg_free(cfg);
    return rc;
}

static int mask_from(const struct pv_xl_conf *c, const char *text,
                     const char *key, struct pv_bitmap *m, FILE *diag)
{
    char err[256];
    unsigned i;

    if (pv_bitmap_alloc(m, c->parse.topo.max_cpus))
        return -1;
    if (!text) {
        for (i = 0; i < pv_cpumap_bits(&c->parse.topo); i++)
            pv_bitmap_set(m, i);
        return 0;
    }
    if (pv_cpulist_parse(text, m, &c->parse.topo, err, sizeof(err))) {
        if (diag)
            fprintf(diag, "xl.conf: %s: %s\n", key, err);
        return -1;
    }
    return 0;
}

static bool mask_full(const struct pv_xl_conf *c, const struct pv_bitmap *m)
{
    unsigned i;

    for (i = 0; i < pv_cpumap_bits(&c->parse.topo); i++)
        if (!pv_bitmap_test(m, i))
            return false;
    return true;
}

int pv_xl_conf_mask_hard(const struct pv_xl_conf *c, bool pv,
                         struct pv_bitmap *map, FILE *diag)
{
    struct pv_bitmap vm = { 0, NULL }, type = { 0, NULL };
    unsigned cpu;
    int rc = -1;

    if (mask_from(c, c->vm_cpumask, "vm.cpumask", &vm, diag) ||
        mask_from(c, pv ? c->vm_pv_cpumask : c->vm_hvm_cpumask,
                  pv ? "vm.pv.cpumask" : "vm.hvm.cpumask", &type, diag))
        goto out;
    for (cpu = 0; cpu < map->size * 8; cpu++)
        if (!pv_bitmap_test(&vm, cpu) || !pv_bitmap_test(&type, cpu))
            pv_bitmap_reset(map, cpu);
    rc = pv_bitmap_is_empty(map) ? 1 : 0;
out:
    pv_bitmap_dispose(&vm);
    pv_bitmap_dispose(&type);
    return rc;
}

int pv_xl_conf_apply_affinity_masks(const struct pv_xl_conf *c,
                                    struct pv_domain_config *d, FILE *diag)
{
    struct pv_domain_build_info *b = &d->b_info;
    struct pv_bitmap vm = { 0, NULL }, type = { 0, NULL };
    bool pv = b->type == PV_DOMAIN_TYPE_PV;
    unsigned i, cpu;
    int rc = -1, r;

    if (mask_from(c, c->vm_cpumask, "vm.cpumask", &vm, diag) ||
        mask_from(c, pv ? c->vm_pv_cpumask : c->vm_hvm_cpumask,
                  pv ? "vm.pv.cpumask" : "vm.hvm.cpumask", &type, diag))
        goto out;
    if (!b->num_vcpu_hard_affinity && b->max_vcpus > 0 &&
        (!mask_full(c, &vm) || !mask_full(c, &type))) {
        b->vcpu_hard_affinity = calloc((size_t)b->max_vcpus,
                                       sizeof(struct pv_bitmap));
        if (!b->vcpu_hard_affinity)
            goto out;
        b->num_vcpu_hard_affinity = b->max_vcpus;
        for (i = 0; i < (unsigned)b->max_vcpus; i++) {
            pv_bitmap_alloc(&b->vcpu_hard_affinity[i], c->parse.topo.max_cpus);
            for (cpu = 0; cpu < pv_cpumap_bits(&c->parse.topo); cpu++)
                pv_bitmap_set(&b->vcpu_hard_affinity[i], cpu);
        }
    }
    for (i = 0; i < (unsigned)b->num_vcpu_hard_affinity; i++) {
        r = pv_xl_conf_mask_hard(c, pv, &b->vcpu_hard_affinity[i], diag);
        if (r < 0)
            goto out;
        if (r) {
            if (diag)
                fprintf(diag, "vcpu hard affinity map is empty (vcpu %u: "
                        "its cpus are all outside xl.conf's vm.cpumask / "
                        "%s)\n", i, pv ? "vm.pv.cpumask" : "vm.hvm.cpumask");
            goto out;
        }
    }
    rc = 0;
out:
    pv_bitmap_dispose(&vm);
    pv_bitmap_dispose(&type);
    return rc;
}
