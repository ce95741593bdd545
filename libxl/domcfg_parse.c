/* xl.cfg keys -> struct pv_domain_config, domain-wide part (devices are in
 * domcfg_parse_dev.c).  The order of the steps follows Xen 4.17's
 * parse_config_data, because several keys depend on earlier ones (type
 * selects the variant, vcpus/maxvcpus size the affinity arrays, pci
 * defaults come from rdm, ...). */
#include "libxl/domcfg_parse_i.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- accessors ---------------------------------------------------------- */
const struct pv_cfg_setting *pc_get(struct pctx *c, const char *key)
{
    return pv_cfg_lookup(c->cfg, key);
}

static void vreport(struct pctx *c, enum pv_cfg_severity sev,
                    const struct pv_cfg_value *val, const char *fmt,
                    va_list ap)
{
    char msg[512];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (val)
        pv_cfg_report_value(c->cfg, c->diag, sev, val, "%s", msg);
    else
        pv_cfg_report(c->cfg, c->diag, sev, 0, 0, 0, 0, "%s", msg);
}

void pc_error(struct pctx *c, const struct pv_cfg_value *val,
              const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, PV_CFG_ERROR, val, fmt, ap);
    va_end(ap);
    c->errors++;
}

void pc_warn(struct pctx *c, const struct pv_cfg_value *val,
             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, PV_CFG_WARNING, val, fmt, ap);
    va_end(ap);
}

const char *pc_where(struct pctx *c, const struct pv_cfg_value *val)
{
    static char buf[512];
    const char *name = c->cfg->filename ? c->cfg->filename : "config";

    if (val && val->src >= 0 && val->src < c->cfg->n_sources &&
        c->cfg->sources[val->src].name)
        name = c->cfg->sources[val->src].name;
    if (val && val->line)
        snprintf(buf, sizeof(buf), "%s:%d:%d", name, val->line, val->col);
    else
        snprintf(buf, sizeof(buf), "%s", name);
    return buf;
}

char *pc_strdup(struct pctx *c, const char *s)
{
    char *d = s ? strdup(s) : NULL;

    if (s && !d)
        pc_error(c, NULL, "out of memory");
    return d;
}

int pc_string(struct pctx *c, const char *key, const char **out, bool quiet)
{
    const struct pv_cfg_setting *s = pc_get(c, key);

    if (!s)
        return ESRCH;
    if (s->value->type == PV_CFG_LIST) {
        if (!quiet)
            pc_warn(c, s->value, "`%s' is a list but should be a single "
                    "value; ignored", key);
        return EINVAL;
    }
    *out = s->value->str;
    return 0;
}

int pc_long(struct pctx *c, const char *key, long *out, bool quiet)
{
    const struct pv_cfg_setting *s = pc_get(c, key);
    const char *str;
    char *end;
    long l;

    if (!s)
        return ESRCH;
    if (s->value->type == PV_CFG_LIST) {
        if (!quiet)
            pc_error(c, s->value, "`%s' is a list but should be a number",
                     key);
        return EINVAL;
    }
    str = s->value->str;
    errno = 0;
    l = strtol(str, &end, 0);
    if (end == str || *end) {
        if (!quiet)
            pc_error(c, s->value, "`%s' must be a number, not `%s'", key,
                     str);
        return EINVAL;
    }
    if (errno == ERANGE) {
        if (!quiet)
            pc_error(c, s->value, "`%s' value `%s' is out of range", key,
                     str);
        return ERANGE;
    }
    *out = l;
    return 0;
}

int pc_bounded_long(struct pctx *c, const char *key, long min, long max,
                    long *out)
{
    const struct pv_cfg_setting *s = pc_get(c, key);
    int e = pc_long(c, key, out, false);

    if (e)
        return e;
    if (*out < min || *out > max) {
        pc_error(c, s->value, "`%s' must be between %ld and %ld, not %ld",
                 key, min, max, *out);
        return ERANGE;
    }
    return 0;
}

int pc_defbool(struct pctx *c, const char *key, pv_defbool *out)
{
    long l;
    int e = pc_long(c, key, &l, false);

    if (!e)
        pv_defbool_set(out, l != 0);
    return e;
}

int pc_replace_string(struct pctx *c, const char *key, char **field)
{
    const char *v;
    int e = pc_string(c, key, &v, false);

    if (e)
        return e;
    free(*field);
    *field = pc_strdup(c, v);
    return 0;
}

int pc_list(struct pctx *c, const char *key, const struct pv_cfg_value **out,
            bool quiet)
{
    const struct pv_cfg_setting *s = pc_get(c, key);

    if (!s)
        return ESRCH;
    if (s->value->type != PV_CFG_LIST) {
        if (!quiet)
            pc_error(c, s->value, "`%s' must be a list, e.g. %s = [ '%s' ]",
                     key, key, s->value->str);
        return EINVAL;
    }
    *out = s->value;
    return 0;
}

const char *pc_item(const struct pv_cfg_value *list, int i)
{
    if (i >= list->n_items || list->items[i]->type == PV_CFG_LIST)
        return NULL;
    return list->items[i]->str;
}

int pc_string_list(struct pctx *c, const char *key, char ***out)
{
    const struct pv_cfg_value *l;
    int e = pc_list(c, key, &l, true), i;

    if (e)
        return e;
    for (i = 0; i < l->n_items; i++)
        if (l->items[i]->type == PV_CFG_LIST)
            return EINVAL;
    pv_string_list_free(out);
    /* an empty list still yields an (empty) list, as libxlutil's does */
    *out = calloc(1, sizeof(char *));
    if (!*out)
        return ENOMEM;
    for (i = 0; i < l->n_items; i++)
        if (pv_string_list_append(out, l->items[i]->str))
            return ENOMEM;
    return 0;
}

const char *pc_match(const char *token, const char *key)
{
    size_t n = strlen(key);

    if (strncmp(token, key, n) || token[n] != '=')
        return NULL;
    return token + n + 1;
}

static const struct pv_cfg_value *val_of(struct pctx *c, const char *key)
{
    const struct pv_cfg_setting *s = pc_get(c, key);

    return s ? s->value : NULL;
}

/* ---- options ------------------------------------------------------------ */
void pv_parse_opts_init(struct pv_parse_opts *o)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);
    const char *env = getenv("PVSTACK_HOST_CPUS");

    memset(o, 0, sizeof(*o));
    o->run_hotplug_scripts = true;
    o->claim_mode = true;
    o->max_grant_frames = -1;
    o->max_maptrack_frames = -1;
    o->max_grant_version = -1;
    /* The host's CPU count sizes "all" in cpu lists, as xl asks Xen for
     * it.  Without Xen we use the kernel's; PVSTACK_HOST_CPUS pins it for
     * reproducible tests. */
    if (env && atoi(env) > 0)
        n = atoi(env);
    o->topo.max_cpus = n > 0 ? (unsigned)n : 1;
    o->topo.nr_nodes = 1;
    o->host_online_cpus = (int)o->topo.max_cpus;
}

/* ---- the domain-wide keys ----------------------------------------------- */
static const char *const action_names[] = {
    [PV_ACTION_ON_SHUTDOWN_DESTROY] = "destroy",
    [PV_ACTION_ON_SHUTDOWN_RESTART] = "restart",
    [PV_ACTION_ON_SHUTDOWN_RESTART_RENAME] = "rename-restart",
    [PV_ACTION_ON_SHUTDOWN_PRESERVE] = "preserve",
    [PV_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY] = "coredump-destroy",
    [PV_ACTION_ON_SHUTDOWN_COREDUMP_RESTART] = "coredump-restart",
    [PV_ACTION_ON_SHUTDOWN_SOFT_RESET] = "soft-reset",
};

static void parse_action(struct pctx *c, const char *key, const char *dflt,
                         enum pv_action_on_shutdown *out)
{
    const char *v;
    size_t i;

    if (pc_string(c, key, &v, false))
        v = dflt;
    for (i = 1; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        if (!strcmp(v, action_names[i])) {
            *out = (enum pv_action_on_shutdown)i;
            return;
        }
    }
    pc_error(c, val_of(c, key), "unknown %s action `%s' (expected destroy, "
             "restart, rename-restart, preserve, coredump-destroy, "
             "coredump-restart or soft-reset)", key, v);
}

/* "hvm"/"pv"/"pvh" and xl's prefix matching: "h" is hvm, "p" is pv. */
static void parse_type(struct pctx *c)
{
    struct pv_domain_create_info *ci = &c->d->c_info;
    const char *v;

    if (!pc_string(c, "type", &v, false)) {
        size_t n = strlen(v);

        if (!strncmp(v, "hvm", n))
            ci->type = PV_DOMAIN_TYPE_HVM;
        else if (!strncmp(v, "pv", n))
            ci->type = PV_DOMAIN_TYPE_PV;
        else if (!strncmp(v, "pvh", n))
            ci->type = PV_DOMAIN_TYPE_PVH;
        else
            pc_error(c, val_of(c, "type"), "invalid domain type `%s' "
                     "(expected pv, pvh or hvm)", v);
    }
    /* deprecated since Xen 4.10 */
    if (!pc_string(c, "builder", &v, false)) {
        size_t n = strlen(v);
        enum pv_domain_type bt = PV_DOMAIN_TYPE_INVALID;

        if (!strncmp(v, "hvm", n))
            bt = PV_DOMAIN_TYPE_HVM;
        else if (!strncmp(v, "generic", n))
            bt = PV_DOMAIN_TYPE_PV;
        else
            pc_error(c, val_of(c, "builder"), "invalid builder `%s' "
                     "(expected generic or hvm; better: type=)", v);
        if (bt != PV_DOMAIN_TYPE_INVALID) {
            if (ci->type != PV_DOMAIN_TYPE_INVALID && ci->type != bt)
                pc_error(c, val_of(c, "builder"), "`builder' contradicts "
                         "`type'");
            else
                ci->type = bt;
        }
    }
    if (ci->type == PV_DOMAIN_TYPE_INVALID)
        ci->type = PV_DOMAIN_TYPE_PV;
}

static char *compose_cmdline(struct pctx *c)
{
    const char *cmd = NULL, *root = NULL, *extra = NULL;
    char *out = NULL;

    pc_string(c, "cmdline", &cmd, false);
    pc_string(c, "root", &root, false);
    pc_string(c, "extra", &extra, false);
    if (cmd) {
        if (root || extra)
            pc_warn(c, val_of(c, root ? "root" : "extra"), "ignoring root= "
                    "and extra= in favour of cmdline=");
        return pc_strdup(c, cmd);
    }
    if (root && extra) {
        if (asprintf(&out, "root=%s %s", root, extra) < 0)
            out = NULL;
    } else if (root) {
        if (asprintf(&out, "root=%s", root) < 0)
            out = NULL;
    } else if (extra) {
        out = strdup(extra);
    } else {
        return NULL;
    }
    if (!out)
        pc_error(c, NULL, "out of memory");
    return out;
}

/* tsc_mode, timer_mode, altp2m, gfx_passthru: a number (deprecated) or a
 * name. */
static void parse_int_or_enum(struct pctx *c, const char *key, int lo, int hi,
                              int (*from_string)(const char *, int *),
                              const char *(*to_string)(int), int *out)
{
    const char *v;
    long l;

    if (!pc_long(c, key, &l, true)) {
        const char *s = to_string((int)l);

        if (l < lo || l > hi) {
            pc_error(c, val_of(c, key), "invalid value %ld for `%s'", l, key);
            return;
        }
        pc_warn(c, val_of(c, key), "specifying `%s' as an integer is "
                "deprecated%s%s%s", key, s ? "; use " : "", s ? key : "",
                s ? "=\"...\" with the name" : "");
        *out = (int)l;
    } else if (!pc_string(c, key, &v, false)) {
        if (from_string(v, out))
            pc_error(c, val_of(c, key), "invalid value `%s' for `%s'", v,
                     key);
    }
}

static int tsc_from(const char *s, int *o) { return pv_tsc_mode_from_string(s, o); }
static const char *tsc_to(int v) { return pv_tsc_mode_to_string(v); }
static int timer_from(const char *s, int *o) { return pv_timer_mode_from_string(s, o); }
static const char *timer_to(int v) { return pv_timer_mode_to_string(v); }
static int altp2m_from(const char *s, int *o) { return pv_altp2m_mode_from_string(s, o); }
static const char *altp2m_to(int v) { return pv_altp2m_mode_to_string(v); }

static void parse_memory_and_vcpus(struct pctx *c)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    long l, vcpus = 0;

    if (!pc_long(c, "memory", &l, false)) {
        if (l <= 0)
            pc_error(c, val_of(c, "memory"), "`memory' must be a positive "
                     "number of MiB, not %ld", l);
        else
            b->target_memkb = (uint64_t)l * 1024;
    }
    if (!pc_long(c, "maxmem", &l, false)) {
        if (l <= 0)
            pc_error(c, val_of(c, "maxmem"), "`maxmem' must be a positive "
                     "number of MiB, not %ld", l);
        else
            b->max_memkb = (uint64_t)l * 1024;
    }
    if (!pc_long(c, "vcpus", &l, false)) {
        if (l < 0 || l > 4096) {
            pc_error(c, val_of(c, "vcpus"), "`vcpus' must be between 0 and "
                     "4096, not %ld", l);
        } else {
            vcpus = l;
            if (pv_bitmap_alloc(&b->avail_vcpus, (unsigned)l))
                pc_error(c, NULL, "out of memory");
            while (l-- > 0)
                pv_bitmap_set(&b->avail_vcpus, (unsigned)l);
        }
    }
    if (!pc_long(c, "maxvcpus", &l, false)) {
        if (l < 0 || l > 4096)
            pc_error(c, val_of(c, "maxvcpus"), "`maxvcpus' must be between "
                     "0 and 4096, not %ld", l);
        else
            b->max_vcpus = (int)l;
    }
    {
        const char *v;

        if (!pc_string(c, "vuart", &v, false) &&
            pv_vuart_type_from_string(v, (int *)&b->arch_arm.vuart))
            pc_error(c, val_of(c, "vuart"), "invalid value `%s' for `vuart'",
                     v);
    }
    pc_parse_vnuma(c);

    if (b->max_memkb == PV_MEMKB_DEFAULT)
        b->max_memkb = b->target_memkb;
    if (b->max_vcpus == 0)
        b->max_vcpus = (int)vcpus;
    if (b->max_vcpus < vcpus)
        pc_error(c, val_of(c, "maxvcpus"), "maxvcpus (%d) < vcpus (%ld)",
                 b->max_vcpus, vcpus);
    if (b->target_memkb != PV_MEMKB_DEFAULT &&
        b->max_memkb != PV_MEMKB_DEFAULT && b->max_memkb < b->target_memkb)
        pc_error(c, val_of(c, pc_get(c, "maxmem") ? "maxmem" : "vnuma"),
                 "%s (%llu MiB) is less than memory (%llu MiB)",
                 pc_get(c, "maxmem") ? "maxmem" : "the vnuma nodes' total",
                 (unsigned long long)b->max_memkb / 1024,
                 (unsigned long long)b->target_memkb / 1024);
}

static void parse_grants(struct pctx *c, const char *key, long dflt,
                         uint32_t *u32, int *i32)
{
    long l;
    int e = pc_bounded_long(c, key, 0, INT_MAX, &l);

    if (e == ESRCH)
        l = dflt;
    else if (e)
        return;
    if (u32)
        *u32 = (uint32_t)l;     /* -1 is PV_MAX_GRANT_DEFAULT */
    else
        *i32 = (int)l;
}

static void parse_bootloader_args(struct pctx *c)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    const char *v;
    int e = pc_string_list(c, "bootloader_args", &b->bootloader_args);

    if (e == EINVAL && !pc_string(c, "bootloader_args", &v, true)) {
        char *copy = pc_strdup(c, v), *save = NULL, *t;

        pc_warn(c, val_of(c, "bootloader_args"), "`bootloader_args' as a "
                "string is deprecated; use a list of arguments");
        for (t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t;
             t = strtok_r(NULL, " \t\n", &save))
            pv_string_list_append(&b->bootloader_args, t);
        free(copy);
    } else if (e && e != ESRCH) {
        pc_error(c, val_of(c, "bootloader_args"), "cannot read "
                 "`bootloader_args' (a list of strings)");
    }
}

static void parse_viridian(struct pctx *c)
{
    struct pv_hvm_info *h = &c->d->b_info.hvm;
    const struct pv_cfg_value *l;
    int e = pc_list(c, "viridian", &l, true), i;

    if (e == EINVAL) {
        pc_defbool(c, "viridian", &h->viridian);
        return;
    }
    if (e)
        return;
    for (i = 0; i < l->n_items; i++) {
        const char *s = pc_item(l, i);
        struct pv_bitmap *set = &h->viridian_enable, *clr = &h->viridian_disable;
        int v;

        if (!s) {
            pc_error(c, l->items[i], "viridian items must be strings");
            continue;
        }
        if (!strcmp(s, "all")) {
            for (v = 0; v < 64; v++)
                pv_bitmap_set(&h->viridian_enable, (unsigned)v);
            continue;
        }
        if (!strcmp(s, "defaults")) {
            pv_defbool_set(&h->viridian, true);
            continue;
        }
        if (*s == '!') {
            set = &h->viridian_disable;
            clr = &h->viridian_enable;
            s++;
        }
        if (pv_viridian_enlightenment_from_string(s, &v)) {
            pc_error(c, l->items[i], "unknown viridian enlightenment `%s'", s);
            continue;
        }
        pv_bitmap_set(set, (unsigned)v);
        pv_bitmap_reset(clr, (unsigned)v);
    }
}

static void parse_hvm(struct pctx *c)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    struct pv_hvm_info *h = &b->hvm;
    const struct pv_cfg_value *l;
    const char *v;
    long n;
    int i;

    if (b->kernel) {
        const char *base = strrchr(b->kernel, '/');

        if (!strcmp(base ? base + 1 : b->kernel, "hvmloader")) {
            pc_warn(c, val_of(c, "kernel"), "`kernel' naming hvmloader is "
                    "ignored for HVM guests; use firmware_override for a "
                    "non-default firmware");
            free(b->kernel);
            b->kernel = NULL;
        }
    }
    pc_replace_string(c, "firmware_override", &h->firmware);
    pc_replace_string(c, "bios_path_override", &h->system_firmware);
    if (!pc_string(c, "bios", &v, false)) {
        if (pv_bios_type_from_string(v, (int *)&h->bios))
            pc_error(c, val_of(c, "bios"), "invalid value `%s' for `bios' "
                     "(expected rombios, seabios or ovmf)", v);
    } else if (h->system_firmware) {
        pc_warn(c, val_of(c, "bios_path_override"), "bios_path_override "
                "given without specific bios name");
    }
    pc_defbool(c, "pae", &h->pae);
    pc_defbool(c, "acpi_s3", &h->acpi_s3);
    pc_defbool(c, "acpi_s4", &h->acpi_s4);
    pc_defbool(c, "acpi_laptop_slate", &h->acpi_laptop_slate);
    pc_defbool(c, "nx", &h->nx);
    pc_defbool(c, "hpet", &h->hpet);
    pc_defbool(c, "vpt_align", &h->vpt_align);
    pc_defbool(c, "apic", &b->apic);
    parse_viridian(c);

    if (!pc_long(c, "mmio_hole", &n, false)) {
        uint64_t bytes = (uint64_t)n * 1024 * 1024;

        /* HVM_BELOW_4G_MMIO_LENGTH (256M) .. HVM_BELOW_4G_MMIO_START (3G) */
        if (n < 0 || bytes < (256ULL << 20) || bytes > (3ULL << 30))
            pc_error(c, val_of(c, "mmio_hole"), "invalid value %ld for "
                     "`mmio_hole' (MiB, 256 to 3072)", n);
        else
            h->mmio_hole_memkb = (uint64_t)n * 1024;
    }
    if (!pc_defbool(c, "altp2mhvm", &h->altp2m))
        pc_warn(c, val_of(c, "altp2mhvm"), "`altp2mhvm' is deprecated; use "
                "`altp2m'");
    pc_replace_string(c, "smbios_firmware", &h->smbios_firmware);
    pc_replace_string(c, "acpi_firmware", &h->acpi_firmware);
    if (!pc_string(c, "ms_vm_genid", &v, false) && strcmp(v, "none")) {
        if (!strcmp(v, "generate"))
            pc_warn(c, val_of(c, "ms_vm_genid"), "ms_vm_genid is not "
                    "supported by pvstack yet; ignored");
        else
            pc_error(c, val_of(c, "ms_vm_genid"), "`ms_vm_genid' must be "
                     "\"generate\" or \"none\"");
    }
    if (!pc_long(c, "rdm_mem_boundary", &n, false))
        h->rdm_mem_boundary_memkb = (uint64_t)n * 1024;
    if (!pc_list(c, "mca_caps", &l, true)) {
        for (i = 0; i < l->n_items; i++) {
            const char *s = pc_item(l, i);

            if (s && !strcmp(s, "lmce"))
                h->mca_caps |= 1;   /* XEN_HVM_MCA_CAP_LMCE */
            else
                pc_error(c, l->items[i], "unrecognised MCA capability `%s'",
                         s ? s : "(list)");
        }
    } else if (pc_get(c, "mca_caps")) {
        pc_error(c, val_of(c, "mca_caps"), "`mca_caps' must be a list");
    }
    if (!pc_string(c, "firmware", &v, false) &&
        pv_bios_type_from_string(v, (int *)&h->bios)) {
        size_t len = strlen(v);

        if (!strncmp(v, "uefi", len))
            h->bios = PV_BIOS_TYPE_OVMF;
        else if (strncmp(v, "bios", len))
            pc_replace_string(c, "firmware", &h->firmware);
    }
}

static void parse_pv_or_pvh_boot(struct pctx *c)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    const char *v;

    if (!pc_string(c, "firmware", &v, false)) {
        size_t len = strlen(v);

        if (b->kernel) {
            pc_error(c, val_of(c, "firmware"), "both kernel and firmware "
                     "specified");
        } else if (strncmp(v, "pvgrub32", len) && strncmp(v, "pvgrub64", len)) {
            pc_error(c, val_of(c, "firmware"), "only pvgrub32 and pvgrub64 "
                     "are supported as firmware for PV/PVH guests");
        } else if (asprintf(&b->kernel, "/usr/lib/xen-4.17/boot/%s.bin",
                            v) < 0) {
            b->kernel = NULL;
            pc_error(c, NULL, "out of memory");
        }
    }
    if (!b->bootloader && !b->kernel)
        pc_error(c, NULL, "neither kernel nor bootloader specified "
                 "(a %s guest needs one)",
                 c->d->c_info.type == PV_DOMAIN_TYPE_PVH ? "PVH" : "PV");
}

static void parse_ranges(struct pctx *c)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    const struct pv_cfg_value *l;
    int i;

    if (!pc_list(c, "ioports", &l, false) && l->n_items) {
        b->ioports = calloc((size_t)l->n_items, sizeof(*b->ioports));
        b->num_ioports = b->ioports ? l->n_items : 0;
        for (i = 0; i < b->num_ioports; i++) {
            const char *s = pc_item(l, i);
            unsigned long first, last;
            char *ep;

            if (!s || (first = strtoul(s, &ep, 16), ep == s) ||
                first >= UINT32_MAX) {
                pc_error(c, l->items[i], "invalid ioport range `%s' (hex "
                         "FIRST or FIRST-LAST)", s ? s : "(list)");
                continue;
            }
            last = first;
            if (*ep == '-') {
                const char *s2 = ep + 1;

                last = strtoul(s2, &ep, 16);
                if (ep == s2 || *ep || last < first || last >= UINT32_MAX) {
                    pc_error(c, l->items[i], "invalid ioport range `%s'", s);
                    continue;
                }
            } else if (*ep) {
                pc_error(c, l->items[i], "invalid ioport range `%s'", s);
                continue;
            }
            b->ioports[i].first = (uint32_t)first;
            b->ioports[i].number = (uint32_t)(last - first + 1);
        }
    }
    if (!pc_list(c, "irqs", &l, false) && l->n_items) {
        b->irqs = calloc((size_t)l->n_items, sizeof(*b->irqs));
        b->num_irqs = b->irqs ? l->n_items : 0;
        for (i = 0; i < b->num_irqs; i++) {
            const char *s = pc_item(l, i);
            unsigned long irq;
            char *ep;

            if (!s || (irq = strtoul(s, &ep, 10), ep == s || *ep) ||
                irq >= UINT32_MAX) {
                pc_error(c, l->items[i], "invalid irq `%s' (a decimal "
                         "number)", s ? s : "(list)");
                continue;
            }
            b->irqs[i] = (uint32_t)irq;
        }
    }
    if (!pc_list(c, "iomem", &l, false) && l->n_items) {
        b->iomem = calloc((size_t)l->n_items, sizeof(*b->iomem));
        b->num_iomem = b->iomem ? l->n_items : 0;
        for (i = 0; i < b->num_iomem; i++) {
            const char *s = pc_item(l, i);
            struct pv_iomem_range *r = &b->iomem[i];
            int used = 0, n;

            pv_iomem_range_init(r);
            n = s ? sscanf(s, "%" SCNx64 ",%" SCNx64 "%n@%" SCNx64 "%n",
                           &r->start, &r->number, &used, &r->gfn, &used) : 0;
            if (n < 2 || s[used])
                pc_error(c, l->items[i], "invalid iomem `%s' (hex "
                         "START,PAGES[@GFN])", s ? s : "(list)");
        }
    }
}

static void parse_display(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    struct pv_domain_build_info *b = &d->b_info;
    struct pv_vnc_info *vnc;
    struct pv_sdl_info *sdl;
    long l;

    if (d->c_info.type == PV_DOMAIN_TYPE_PV && d->num_vfbs)
        return;     /* vfb=[...] wins over the top-level options */
    if (d->c_info.type == PV_DOMAIN_TYPE_PV) {
        struct pv_device_vfb *vfb;

        if (pc_long(c, "vnc", &l, false) || !l)
            return;
        vfb = pv_array_append(&d->vfbs, &d->num_vfbs, &pv_desc_device_vfb);
        if (!vfb || !pv_array_append(&d->vkbs, &d->num_vkbs,
                                     &pv_desc_device_vkb)) {
            pc_error(c, NULL, "out of memory");
            return;
        }
        vfb->devid = d->num_vfbs - 1;
        d->vkbs[d->num_vkbs - 1].devid = d->num_vkbs - 1;
        vnc = &vfb->vnc;
        sdl = &vfb->sdl;
        pc_replace_string(c, "keymap", &vfb->keymap);
    } else {
        vnc = &b->hvm.vnc;
        sdl = &b->hvm.sdl;
    }
    pc_defbool(c, "vnc", &vnc->enable);
    pc_replace_string(c, "vnclisten", &vnc->listen);
    pc_replace_string(c, "vncpasswd", &vnc->passwd);
    if (!pc_long(c, "vncdisplay", &l, false))
        vnc->display = (int)l;
    pc_defbool(c, "vncunused", &vnc->findunused);
    pc_defbool(c, "sdl", &sdl->enable);
    pc_defbool(c, "opengl", &sdl->opengl);
    pc_replace_string(c, "display", &sdl->display);
    pc_replace_string(c, "xauthority", &sdl->xauthority);
}

static void parse_hvm_devices(struct pctx *c)
{
    struct pv_hvm_info *h = &c->d->b_info.hvm;
    const char *v;
    long l;
    int e;

    if (!pc_string(c, "vga", &v, false)) {
        if (!strcmp(v, "stdvga"))
            h->vga.kind = PV_VGA_INTERFACE_TYPE_STD;
        else if (!strcmp(v, "cirrus"))
            h->vga.kind = PV_VGA_INTERFACE_TYPE_CIRRUS;
        else if (!strcmp(v, "none"))
            h->vga.kind = PV_VGA_INTERFACE_TYPE_NONE;
        else if (!strcmp(v, "qxl"))
            h->vga.kind = PV_VGA_INTERFACE_TYPE_QXL;
        else
            pc_error(c, val_of(c, "vga"), "unknown vga `%s' (expected "
                     "stdvga, cirrus, none or qxl)", v);
    } else if (!pc_long(c, "stdvga", &l, false)) {
        h->vga.kind = l ? PV_VGA_INTERFACE_TYPE_STD
                        : PV_VGA_INTERFACE_TYPE_CIRRUS;
    }
    if (!pc_string(c, "hdtype", &v, false) &&
        pv_hdtype_from_string(v, (int *)&h->hdtype))
        pc_error(c, val_of(c, "hdtype"), "invalid value `%s' for `hdtype' "
                 "(expected ide or ahci)", v);
    pc_replace_string(c, "keymap", &h->keymap);
    pc_defbool(c, "spice", &h->spice.enable);
    if (!pc_long(c, "spiceport", &l, false))
        h->spice.port = (int)l;
    if (!pc_long(c, "spicetls_port", &l, false))
        h->spice.tls_port = (int)l;
    pc_replace_string(c, "spicehost", &h->spice.host);
    pc_defbool(c, "spicedisable_ticketing", &h->spice.disable_ticketing);
    pc_replace_string(c, "spicepasswd", &h->spice.passwd);
    pc_defbool(c, "spiceagent_mouse", &h->spice.agent_mouse);
    pc_defbool(c, "spicevdagent", &h->spice.vdagent);
    pc_defbool(c, "spice_clipboard_sharing", &h->spice.clipboard_sharing);
    if (!pc_long(c, "spiceusbredirection", &l, false))
        h->spice.usbredirection = (int)l;
    pc_replace_string(c, "spice_image_compression",
                      &h->spice.image_compression);
    pc_replace_string(c, "spice_streaming_video", &h->spice.streaming_video);
    pc_defbool(c, "nographic", &h->nographic);
    if (!pc_long(c, "gfx_passthru", &l, true)) {
        pv_defbool_set(&h->gfx_passthru, l != 0);
    } else if (!pc_string(c, "gfx_passthru", &v, false)) {
        if (pv_gfx_passthru_kind_from_string(v, (int *)&h->gfx_passthru_kind))
            pc_error(c, val_of(c, "gfx_passthru"), "invalid value `%s' for "
                     "`gfx_passthru'", v);
        else
            pv_defbool_set(&h->gfx_passthru, true);
    }
    e = pc_string_list(c, "serial", &h->serial_list);
    if (e == EINVAL && pc_replace_string(c, "serial", &h->serial))
        pc_error(c, val_of(c, "serial"), "cannot read `serial'");
    pc_replace_string(c, "boot", &h->boot);
    pc_defbool(c, "usb", &h->usb);
    if (!pc_long(c, "usbversion", &l, false))
        h->usbversion = (int)l;
    e = pc_string_list(c, "usbdevice", &h->usbdevice_list);
    if (e == EINVAL && pc_replace_string(c, "usbdevice", &h->usbdevice))
        pc_error(c, val_of(c, "usbdevice"), "cannot read `usbdevice'");
    pc_defbool(c, "vkb_device", &h->vkb_device);
    pc_replace_string(c, "soundhw", &h->soundhw);
    pc_defbool(c, "xen_platform_pci", &h->xen_platform_pci);
    if (h->vnc.listen && h->vnc.display && strchr(h->vnc.listen, ':'))
        pc_error(c, val_of(c, "vnclisten"), "display given both in "
                 "vnclisten and vncdisplay");
    if (!pc_string(c, "vendor_device", &v, false) &&
        pv_vendor_device_from_string(v, (int *)&h->vendor_device))
        pc_error(c, val_of(c, "vendor_device"), "unknown vendor_device `%s'",
                 v);
}

static void parse_device_model(struct pctx *c)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    const char *v;
    long l;
    int e;

    if (!pc_string(c, "device_model", &v, false))
        pc_warn(c, val_of(c, "device_model"), "ignoring `device_model'; use "
                "`device_model_override' if you really want a non-default "
                "device model");
    pc_replace_string(c, "device_model_override", &b->device_model);
    if (!pc_string(c, "device_model_version", &v, false)) {
        if (!strcmp(v, "qemu-xen-traditional"))
            b->device_model_version = PV_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
        else if (!strcmp(v, "qemu-xen"))
            b->device_model_version = PV_DEVICE_MODEL_VERSION_QEMU_XEN;
        else
            pc_error(c, val_of(c, "device_model_version"), "unknown "
                     "device_model_version `%s' (expected qemu-xen or "
                     "qemu-xen-traditional)", v);
    } else if (b->device_model) {
        pc_warn(c, val_of(c, "device_model_override"), "device model "
                "override given without specific device_model_version");
    }
    pc_defbool(c, "device_model_stubdomain_override",
               &b->device_model_stubdomain);
    pc_replace_string(c, "device_model_stubdomain_seclabel",
                      &b->device_model_ssid_label);
    pc_replace_string(c, "device_model_user", &b->device_model_user);
    pc_replace_string(c, "stubdomain_kernel", &b->stubdomain_kernel);
    pc_replace_string(c, "stubdomain_cmdline", &b->stubdomain_cmdline);
    pc_replace_string(c, "stubdomain_ramdisk", &b->stubdomain_ramdisk);
    if (!pc_long(c, "stubdomain_memory", &l, false))
        b->stubdomain_memkb = (uint64_t)l * 1024;
    e = pc_string_list(c, "device_model_args", &b->extra);
    if (e && e != ESRCH)
        pc_error(c, val_of(c, "device_model_args"), "`device_model_args' "
                 "must be a list of strings");
    e = pc_string_list(c, "device_model_args_pv", &b->extra_pv);
    if (e && e != ESRCH)
        pc_error(c, val_of(c, "device_model_args_pv"), "`device_model_args_pv'"
                 " must be a list of strings");
    e = pc_string_list(c, "device_model_args_hvm", &b->extra_hvm);
    if (e && e != ESRCH)
        pc_error(c, val_of(c, "device_model_args_hvm"),
                 "`device_model_args_hvm' must be a list of strings");
}

/* xl reads these only for one guest type and silently ignores them for the
 * others; we say so, since a `pae = 1` that does nothing is a surprise. */
static const char *const hvm_only_keys[] = {
    "pae", "acpi_s3", "acpi_s4", "acpi_laptop_slate", "nx", "hpet",
    "vpt_align", "viridian", "mmio_hole", "altp2mhvm", "smbios_firmware",
    "acpi_firmware", "ms_vm_genid", "rdm_mem_boundary", "mca_caps", "bios",
    "bios_path_override", "firmware_override", "vga", "stdvga", "hdtype",
    "spice", "spiceport", "spicetls_port", "spicehost",
    "spicedisable_ticketing", "spicepasswd", "spiceagent_mouse",
    "spicevdagent", "spice_clipboard_sharing", "spiceusbredirection",
    "spice_image_compression", "spice_streaming_video", "nographic",
    "gfx_passthru", "serial", "boot", "usb", "usbversion", "usbdevice",
    "vkb_device", "soundhw", "xen_platform_pci", "vendor_device", NULL,
};

static void warn_type_specific_keys(struct pctx *c)
{
    enum pv_domain_type t = c->d->c_info.type;
    const char *const pvh_only[] = { "pvshim", "pvshim_path",
                                     "pvshim_cmdline", "pvshim_extra", NULL };
    const char *name = t == PV_DOMAIN_TYPE_PV ? "PV" :
                       t == PV_DOMAIN_TYPE_PVH ? "PVH" : "HVM";
    int i;

    for (i = 0; t != PV_DOMAIN_TYPE_HVM && hvm_only_keys[i]; i++)
        if (pc_get(c, hvm_only_keys[i]))
            pc_warn(c, val_of(c, hvm_only_keys[i]), "`%s' applies to HVM "
                    "guests only; ignored for this %s guest",
                    hvm_only_keys[i], name);
    for (i = 0; t != PV_DOMAIN_TYPE_PVH && pvh_only[i]; i++)
        if (pc_get(c, pvh_only[i]))
            pc_warn(c, val_of(c, pvh_only[i]), "`%s' applies to PVH guests "
                    "only; ignored for this %s guest", pvh_only[i], name);
    if (t != PV_DOMAIN_TYPE_PV && pc_get(c, "e820_host"))
        pc_warn(c, val_of(c, "e820_host"), "`e820_host' applies to PV "
                "guests only; ignored for this %s guest", name);
}

int pv_domain_config_from_cfg(struct pv_cfg *cfg,
                              const struct pv_parse_opts *opts,
                              struct pv_domain_config *d, FILE *diag)
{
    struct pv_parse_opts dflt;
    struct pctx ctx = { .cfg = cfg, .diag = diag, .d = d };
    struct pctx *c = &ctx;
    struct pv_domain_create_info *ci = &d->c_info;
    struct pv_domain_build_info *b = &d->b_info;
    const char *v;
    long l;

    if (!opts) {
        pv_parse_opts_init(&dflt);
        opts = &dflt;
    }
    c->o = opts;
    pv_domain_config_init(d);

    pv_cfg_warn_unknown_keys(cfg, diag, pv_domcfg_known_keys, (size_t)-1);

    pc_replace_string(c, "init_seclabel", &ci->ssid_label);
    if (!pc_string(c, "seclabel", &v, false)) {
        if (ci->ssid_label)
            pc_replace_string(c, "seclabel", &b->exec_ssid_label);
        else
            pc_replace_string(c, "seclabel", &ci->ssid_label);
    }
    pv_defbool_set(&ci->run_hotplug_scripts, opts->run_hotplug_scripts);
    parse_type(c);
    pc_defbool(c, "hap", &ci->hap);
    if (pc_replace_string(c, "name", &ci->name) || !ci->name)
        pc_error(c, NULL, "the domain name must be specified (name = \"...\")");
    else if (!*ci->name)
        pc_error(c, val_of(c, "name"), "the domain name must not be empty");
    if (!pc_string(c, "uuid", &v, false)) {
        if (pv_uuid_parse(v, ci->uuid))
            pc_error(c, val_of(c, "uuid"), "invalid uuid `%s' (expected "
                     "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", v);
    } else if (!opts->no_random_uuid && pv_uuid_generate(ci->uuid)) {
        pc_error(c, NULL, "cannot generate a uuid");
    }
    pc_defbool(c, "oos", &ci->oos);
    pc_replace_string(c, "pool", &ci->pool_name);

    b->type = ci->type;
    if (b->type == PV_DOMAIN_TYPE_PVH) {
        pc_defbool(c, "pvshim", &b->pvh.pvshim);
        pc_replace_string(c, "pvshim_path", &b->pvh.pvshim_path);
        pc_replace_string(c, "pvshim_cmdline", &b->pvh.pvshim_cmdline);
        pc_replace_string(c, "pvshim_extra", &b->pvh.pvshim_extra);
    }
    if (opts->blkdev_start)
        b->blkdev_start = pc_strdup(c, opts->blkdev_start);

    if (!pc_long(c, "cpu_weight", &l, false))
        b->sched_params.weight = (int)l;
    if (!pc_long(c, "cap", &l, false))
        b->sched_params.cap = (int)l;
    if (!pc_long(c, "period", &l, false))
        b->sched_params.period = (int)l;
    if (!pc_long(c, "slice", &l, false))
        b->sched_params.slice = (int)l;
    if (!pc_long(c, "latency", &l, false))
        b->sched_params.latency = (int)l;
    if (!pc_long(c, "extratime", &l, false))
        b->sched_params.extratime = (int)l;

    parse_memory_and_vcpus(c);
    pc_parse_vcpu_affinity(c, "cpus", true);
    pc_parse_vcpu_affinity(c, "cpus_soft", false);

    parse_grants(c, "max_grant_frames", opts->max_grant_frames,
                 &b->max_grant_frames, NULL);
    parse_grants(c, "max_maptrack_frames", opts->max_maptrack_frames,
                 &b->max_maptrack_frames, NULL);
    parse_grants(c, "max_grant_version", opts->max_grant_version, NULL,
                 &b->max_grant_version);
    pv_defbool_set(&b->claim_mode, opts->claim_mode);

    parse_action(c, "on_poweroff", "destroy", &d->on_poweroff);
    parse_action(c, "on_reboot", "restart", &d->on_reboot);
    parse_action(c, "on_watchdog", "destroy", &d->on_watchdog);
    parse_action(c, "on_crash", "destroy", &d->on_crash);
    parse_action(c, "on_soft_reset", "soft-reset", &d->on_soft_reset);

    if (ci->type == PV_DOMAIN_TYPE_PV)
        pc_defbool(c, "e820_host", &b->pv.e820_host);

    pc_parse_pci(c);        /* pci, dtdev: need rdm and e820_host */

    if (!pc_string(c, "passthrough", &v, false) &&
        pv_passthrough_from_string(v, (int *)&ci->passthrough))
        pc_error(c, val_of(c, "passthrough"), "unknown passthrough option "
                 "`%s' (expected default, disabled, enabled, sync_pt or "
                 "share_pt)", v);
    if (!pc_long(c, "shadow_memory", &l, false))
        b->shadow_memkb = (uint64_t)l * 1024;
    pc_defbool(c, "nomigrate", &b->disable_migrate);
    parse_int_or_enum(c, "tsc_mode", PV_TSC_MODE_DEFAULT,
                      PV_TSC_MODE_NATIVE_PARAVIRT, tsc_from, tsc_to,
                      (int *)&b->tsc_mode);
    if (!pc_long(c, "rtc_timeoffset", &l, false))
        b->rtc_timeoffset = (uint32_t)l;
    if (!pc_long(c, "vncviewer", &l, false))
        pc_warn(c, val_of(c, "vncviewer"), "ignoring `vncviewer'; use "
                "`xl create -V' to start a viewer");
    pc_defbool(c, "localtime", &b->localtime);
    if (!pc_long(c, "videoram", &l, false))
        b->video_memkb = (uint64_t)l * 1024;
    if (!pc_long(c, "max_event_channels", &l, false))
        b->event_channels = (uint32_t)l;

    pc_replace_string(c, "kernel", &b->kernel);
    pc_replace_string(c, "ramdisk", &b->ramdisk);
    pc_replace_string(c, "device_tree", &b->device_tree);
    b->cmdline = compose_cmdline(c);
    pc_defbool(c, "driver_domain", &ci->driver_domain);
    pc_defbool(c, "acpi", &b->acpi);
    pc_replace_string(c, "bootloader", &b->bootloader);
    parse_bootloader_args(c);

    if (pc_get(c, "timer_mode") && b->type == PV_DOMAIN_TYPE_PV)
        pc_error(c, val_of(c, "timer_mode"), "`timer_mode' is not supported "
                 "for PV guests");
    else
        parse_int_or_enum(c, "timer_mode", PV_TIMER_MODE_DELAY_FOR_MISSED_TICKS,
                          PV_TIMER_MODE_ONE_MISSED_TICK_PENDING, timer_from,
                          timer_to, (int *)&b->timer_mode);
    pc_defbool(c, "nestedhvm", &b->nested_hvm);

    if (b->type == PV_DOMAIN_TYPE_HVM)
        parse_hvm(c);
    else
        parse_pv_or_pvh_boot(c);

    parse_int_or_enum(c, "altp2m", PV_ALTP2M_MODE_DISABLED,
                      PV_ALTP2M_MODE_LIMITED, altp2m_from, altp2m_to,
                      (int *)&b->altp2m);
    if (!pc_long(c, "vmtrace_buf_kb", &l, true) && l)
        b->vmtrace_buf_kb = (int)l;
    parse_ranges(c);

    pc_parse_devices(c);

    parse_device_model(c);
    parse_display(c);
    pc_defbool(c, "dm_restrict", &b->dm_restrict);
    if (ci->type == PV_DOMAIN_TYPE_HVM)
        parse_hvm_devices(c);
    if (!pc_string(c, "gic_version", &v, true) &&
        pv_gic_version_from_string(v, (int *)&b->arch_arm.gic_version))
        pc_error(c, val_of(c, "gic_version"), "unknown gic_version `%s'", v);
    if (!pc_string(c, "tee", &v, true) &&
        pv_tee_type_from_string(v, (int *)&b->tee))
        pc_error(c, val_of(c, "tee"), "unknown tee `%s'", v);
    pc_parse_vkbs(c);
    warn_type_specific_keys(c);
    pc_defbool(c, "xend_suspend_evtchn_compat",
               &ci->xend_suspend_evtchn_compat);
    if (!pc_defbool(c, "msr_relaxed", &b->arch_x86.msr_relaxed))
        pc_warn(c, val_of(c, "msr_relaxed"), "msr_relaxed will be removed "
                "in future versions");
    pc_defbool(c, "vpmu", &b->vpmu);

    if (c->errors) {
        pv_domain_config_dispose(d);
        return -1;
    }
    return 0;
}
