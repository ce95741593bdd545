/* xl.cfg keys -> struct pv_domain_config: device lists (disk, vif, pci,
 * vfb, vkb, channel, usb, p9, vtpm, pvcalls, dtdev), vNUMA and vCPU
 * affinity.  Semantics of Xen 4.17's parse_config_data; where xl ignores a
 * bad item silently (unknown vif keys, unparsable MACs) we report an error
 * with the item's position instead. */
#include "libxl/domcfg_parse_i.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/disk_spec.h"
#include "libxl/vif_spec.h"

/* Append to a device array; devid = index when the struct has one, as
 * xl's ARRAY_EXTEND_INIT. */
#define APPEND(c, arr, num, desc) \
    ((struct_of_##desc *)append_dev((c), (void *)&(arr), &(num), \
                                    &pv_desc_##desc))
typedef struct pv_device_disk struct_of_device_disk;
typedef struct pv_device_nic struct_of_device_nic;
typedef struct pv_device_pci struct_of_device_pci;
typedef struct pv_device_dtdev struct_of_device_dtdev;
typedef struct pv_device_vfb struct_of_device_vfb;
typedef struct pv_device_vkb struct_of_device_vkb;
typedef struct pv_device_vtpm struct_of_device_vtpm;
typedef struct pv_device_p9 struct_of_device_p9;
typedef struct pv_device_pvcallsif struct_of_device_pvcallsif;
typedef struct pv_device_channel struct_of_device_channel;
typedef struct pv_device_usbctrl struct_of_device_usbctrl;
typedef struct pv_device_usbdev struct_of_device_usbdev;

static void *append_dev(struct pctx *c, void *arrp, int *nump,
                        const struct pv_struct_desc *d)
{
    void *e = pv_array_append(arrp, nump, d);

    if (!e)
        pc_error(c, NULL, "out of memory");
    return e;
}

static char *trimmed(const char *s)
{
    const char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    return strndup(s, (size_t)(e - s));
}

/* ---- pci, dtdev (parsed early: they depend on rdm and set e820_host) ---- */
static int parse_bdf(struct pv_device_pci *p, const char *s, const char **endp)
{
    unsigned dom = 0, bus, dev, func, colons = 0;
    const char *q;
    int n = 0;

    for (q = s; isxdigit((unsigned char)*q) || *q == ':'; q++)
        colons += *q == ':';
    if (colons == 1) {
        if (sscanf(s, "%x:%x.%n", &bus, &dev, &n) != 2 || !n)
            return -1;
    } else if (colons == 2) {
        if (sscanf(s, "%x:%x:%x.%n", &dom, &bus, &dev, &n) != 3 || !n)
            return -1;
    } else {
        return -1;
    }
    if (dom > 0xffff || bus > 0xff || dev > 0x1f)
        return -1;
    s += n;
    if (*s == '*') {
        p->vfunc_mask = 0xffffffff;     /* LIBXL_PCI_FUNC_ALL */
        func = 0;
        s++;
    } else {
        if (sscanf(s, "%x%n", &func, &n) != 1 || func > 7)
            return -1;
        p->vfunc_mask = 1;
        s += n;
    }
    p->domain = (int)dom;
    p->bus = (uint8_t)bus;
    p->dev = (uint8_t)dev;
    p->func = (uint8_t)func;
    if (endp)
        *endp = s;
    return 0;
}

static int parse_vslot(uint32_t *vdevfn, const char *s, const char **endp)
{
    unsigned v;
    int n;

    if (sscanf(s, "%x%n", &v, &n) != 1 || v > 0x1f)
        return -1;
    *vdevfn = v << 3;
    if (endp)
        *endp = s + n;
    return 0;
}

/* PCI_SPEC_STRING: [DDDD:]BB:DD.F[@VSLOT][,key=val...] or name=... */
static int parse_pci_spec(struct pctx *c, const struct pv_cfg_value *where,
                          struct pv_device_pci *p, const char *str)
{
    const char *s = str;
    bool bdf = false, name = false;

    if (!parse_bdf(p, s, &s)) {
        bdf = true;
        if (*s == '@' && parse_vslot(&p->vdevfn, s + 1, &s))
            goto bad;
        if (*s == ',')
            s++;
        else if (*s)
            goto bad;
    }
    while (*s) {
        const char *eq = strchr(s, '='), *end;
        char *key, *val;
        int rc = 0;

        if (!eq)
            goto bad;
        end = eq + 1 + strcspn(eq + 1, ",");
        key = strndup(s, (size_t)(eq - s));
        val = strndup(eq + 1, (size_t)(end - eq - 1));
        s = *end ? end + 1 : end;
        if (!key || !val) {
            rc = -1;
        } else if (!strcmp(key, "bdf")) {
            rc = parse_bdf(p, val, NULL);
            bdf = bdf || !rc;
        } else if (!strcmp(key, "vslot")) {
            rc = parse_vslot(&p->vdevfn, val, NULL);
        } else if (!strcmp(key, "permissive")) {
            p->permissive = atoi(val);
        } else if (!strcmp(key, "msitranslate")) {
            p->msitranslate = atoi(val);
        } else if (!strcmp(key, "seize")) {
            p->seize = atoi(val);
        } else if (!strcmp(key, "power_mgmt")) {
            p->power_mgmt = atoi(val);
        } else if (!strcmp(key, "rdm_policy")) {
            rc = pv_rdm_reserve_policy_from_string(val, (int *)&p->rdm_policy);
        } else if (!strcmp(key, "name")) {
            name = true;
            free(p->name);
            p->name = strdup(val);
        } else {
            pc_error(c, where, "unknown PCI_SPEC_STRING option `%s' in `%s'",
                     key, str);
            free(key);
            free(val);
            return -1;
        }
        free(key);
        free(val);
        if (rc)
            goto bad;
    }
    if (bdf == name) {
        pc_error(c, where, "PCI spec `%s' needs exactly one of a BDF "
                 "([DDDD:]BB:DD.F) or name=", str);
        return -1;
    }
    return 0;
bad:
    pc_error(c, where, "unable to parse PCI_SPEC_STRING `%s' (expected "
             "[DDDD:]BB:DD.F[@VSLOT][,KEY=VALUE...])", str);
    return -1;
}

/* rdm = "strategy=host,policy=strict|relaxed" */
static void parse_rdm(struct pctx *c, struct pv_rdm_reserve *rdm)
{
    const struct pv_cfg_value *where;
    char *copy, *save = NULL, *t;
    const char *v;

    if (pc_string(c, "rdm", &v, false))
        return;
    where = pc_get(c, "rdm")->value;
    copy = pc_strdup(c, v);
    for (t = copy ? strtok_r(copy, ",", &save) : NULL; t;
         t = strtok_r(NULL, ",", &save)) {
        const char *val;

        if ((val = pc_match(t, "strategy"))) {
            if (strcmp(val, "host"))
                pc_error(c, where, "unknown RDM strategy `%s' (expected "
                         "host)", val);
            else
                rdm->strategy = PV_RDM_RESERVE_STRATEGY_HOST;
        } else if ((val = pc_match(t, "policy"))) {
            if (pv_rdm_reserve_policy_from_string(val, (int *)&rdm->policy) ||
                rdm->policy == PV_RDM_RESERVE_POLICY_INVALID)
                pc_error(c, where, "unknown RDM policy `%s' (expected "
                         "strict or relaxed)", val);
        } else {
            pc_error(c, where, "unknown RDM option `%s'", t);
        }
    }
    free(copy);
}

void pc_parse_pci(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    struct pv_domain_build_info *b = &d->b_info;
    const struct pv_cfg_value *l;
    long msitranslate = 0, power_mgmt = 0, permissive = 0, seize = 0;
    int i;

    pc_long(c, "pci_msitranslate", &msitranslate, false);
    pc_long(c, "pci_power_mgmt", &power_mgmt, false);
    pc_long(c, "pci_permissive", &permissive, false);
    pc_long(c, "pci_seize", &seize, false);
    parse_rdm(c, &b->hvm.rdm);

    if (!pc_list(c, "pci", &l, false)) {
        for (i = 0; i < l->n_items; i++) {
            const char *s = pc_item(l, i);
            struct pv_device_pci *p = APPEND(c, d->pcidevs, d->num_pcidevs,
                                             device_pci);

            if (!p)
                return;
            p->msitranslate = msitranslate;
            p->power_mgmt = power_mgmt;
            p->permissive = permissive;
            p->seize = seize;
            /* per-device policy follows the global one; libxl reads it
             * from the HVM part of a union, which for PV/PVH guests holds
             * zero, i.e. "strict" */
            p->rdm_policy = d->c_info.type == PV_DOMAIN_TYPE_HVM
                                ? b->hvm.rdm.policy
                                : PV_RDM_RESERVE_POLICY_STRICT;
            if (!s)
                pc_error(c, l->items[i], "pci items must be strings");
            else
                parse_pci_spec(c, l->items[i], p, s);
        }
        if (d->num_pcidevs && d->c_info.type == PV_DOMAIN_TYPE_PV)
            pv_defbool_set(&b->pv.e820_host, true);
    }
    if (!pc_list(c, "dtdev", &l, false)) {
        for (i = 0; i < l->n_items; i++) {
            struct pv_device_dtdev *dt = APPEND(c, d->dtdevs, d->num_dtdevs,
                                                device_dtdev);
            if (!dt)
                return;
            dt->path = pc_strdup(c, pc_item(l, i) ? pc_item(l, i) : "");
        }
    }
}

/* ---- the other device lists --------------------------------------------- */
/* Run a spec parser with its messages captured, then report them at the
 * list item in the cfg format (file:line:col, source line, caret). */
typedef int (*spec_fn)(const char *source, const char *spec, void *dev,
                       FILE *diag);

static int disk_fn(const char *src, const char *spec, void *dev, FILE *diag)
{
    return pv_disk_spec_parse(src, spec, dev, diag);
}

static int vif_fn(const char *src, const char *spec, void *dev, FILE *diag)
{
    return pv_vif_spec_parse(src, spec, dev, diag);
}

static void parse_spec_at(struct pctx *c, const struct pv_cfg_value *where,
                          spec_fn fn, const char *spec, void *dev)
{
    char *buf = NULL, *line, *save = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int rc, reported = 0;

    rc = fn("", spec, dev, mem ? mem : c->diag);
    if (mem)
        fclose(mem);
    for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "warning: ", 9)) {
            pc_warn(c, where, "%s", line + 9);
        } else {
            pc_error(c, where, "%s", line);
            reported++;
        }
    }
    free(buf);
    if (rc && !reported)
        pc_error(c, where, "invalid device spec `%s'", spec);
}

static void parse_disks(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    const struct pv_cfg_value *l;
    int i;

    if (pc_list(c, "disk", &l, false))
        return;
    for (i = 0; i < l->n_items; i++) {
        const char *s = pc_item(l, i);
        struct pv_device_disk *disk = APPEND(c, d->disks, d->num_disks,
                                             device_disk);

        if (!disk)
            return;
        if (!s) {
            pc_error(c, l->items[i], "disk items must be strings");
            continue;
        }
        parse_spec_at(c, l->items[i], disk_fn, s, disk);
    }
}

static void parse_vifs(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    const struct pv_parse_opts *o = c->o;
    const struct pv_cfg_value *l;
    int i;

    if (pc_list(c, "vif", &l, false))
        return;
    for (i = 0; i < l->n_items; i++) {
        const char *s = pc_item(l, i);
        struct pv_device_nic *nic = APPEND(c, d->nics, d->num_nics,
                                           device_nic);

        if (!nic)
            return;
        nic->devid = d->num_nics - 1;
        if (o->default_vifscript)
            nic->script = pc_strdup(c, o->default_vifscript);
        if (o->default_bridge)
            nic->bridge = pc_strdup(c, o->default_bridge);
        if (o->default_gatewaydev)
            nic->gatewaydev = pc_strdup(c, o->default_gatewaydev);
        if (o->default_vifbackend)
            nic->backend_domname = pc_strdup(c, o->default_vifbackend);
        if (!s) {
            pc_error(c, l->items[i], "vif items must be strings");
            continue;
        }
        parse_spec_at(c, l->items[i], vif_fn, s, nic);
    }
    if (pc_get(c, "vif2"))
        pc_warn(c, pc_get(c, "vif2")->value, "vif2: netchannel2 is "
                "deprecated and not supported");
}

/* "k=v,k=v" items with xl's strtok semantics and leading-space skip; calls
 * FN for each; an item without '=' ends the list (as xl's `break`). */
typedef int (*kv_fn)(struct pctx *c, const struct pv_cfg_value *where,
                     void *dev, const char *key, const char *val);

static void for_each_kv(struct pctx *c, const struct pv_cfg_value *where,
                        const char *spec, void *dev, kv_fn fn)
{
    char *copy = pc_strdup(c, spec), *save = NULL, *t;

    for (t = copy ? strtok_r(copy, ",", &save) : NULL; t;
         t = strtok_r(NULL, ",", &save)) {
        char *eq;

        while (*t == ' ')
            t++;
        eq = strchr(t, '=');
        if (!eq)
            break;
        *eq = 0;
        if (fn(c, where, dev, t, eq + 1))
            break;
    }
    free(copy);
}

/* "k=v,k=v" items as xl's usb and vkb parsers take them: strtok on ',' with
 * leading spaces skipped, and each whole item handed to FN, which matches it
 * with pc_match and reports what it does not know.  Unlike for_each_kv,
 * nothing ends the list early. */
typedef void (*item_fn)(struct pctx *c, const struct pv_cfg_value *where,
                        void *dev, const char *item);

static void for_each_item(struct pctx *c, const struct pv_cfg_value *where,
                          const char *spec, void *dev, item_fn fn)
{
    char *copy = pc_strdup(c, spec), *save = NULL, *t;

    for (t = copy ? strtok_r(copy, ",", &save) : NULL; t;
         t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        fn(c, where, dev, t);
    }
    free(copy);
}

static int p9_kv(struct pctx *c, const struct pv_cfg_value *w, void *dev,
                 const char *k, const char *v)
{
    struct pv_device_p9 *p = dev;
    char **f = !strcmp(k, "security_model") ? &p->security_model :
               !strcmp(k, "path") ? &p->path :
               !strcmp(k, "tag") ? &p->tag :
               !strcmp(k, "backend") ? &p->backend_domname : NULL;

    if (!f) {
        pc_error(c, w, "unknown key `%s' in p9 spec (expected tag, path, "
                 "security_model, backend)", k);
        return -1;
    }
    free(*f);
    *f = pc_strdup(c, v);
    return 0;
}

static int vtpm_kv(struct pctx *c, const struct pv_cfg_value *w, void *dev,
                   const char *k, const char *v)
{
    struct pv_device_vtpm *t = dev;

    if (!strcmp(k, "backend")) {
        free(t->backend_domname);
        t->backend_domname = pc_strdup(c, v);
    } else if (!strcmp(k, "uuid")) {
        if (pv_uuid_parse(v, t->uuid)) {
            pc_error(c, w, "invalid vtpm uuid `%s'", v);
            return -1;
        }
    } else {
        pc_error(c, w, "unknown key `%s' in vtpm spec (expected backend, "
                 "uuid)", k);
        return -1;
    }
    return 0;
}

static int pvcalls_kv(struct pctx *c, const struct pv_cfg_value *w, void *dev,
                      const char *k, const char *v)
{
    struct pv_device_pvcallsif *p = dev;

    if (strcmp(k, "backend")) {
        pc_error(c, w, "unknown key `%s' in pvcalls spec (expected backend)",
                 k);
        return -1;
    }
    free(p->backend_domname);
    p->backend_domname = pc_strdup(c, v);
    return 0;
}

static int vfb_kv(struct pctx *c, const struct pv_cfg_value *w, void *dev,
                  const char *k, const char *v)
{
    struct pv_device_vfb *f = dev;
    char **s = NULL;

    if (!strcmp(k, "vnc"))
        pv_defbool_set(&f->vnc.enable, atoi(v));
    else if (!strcmp(k, "vnclisten"))
        s = &f->vnc.listen;
    else if (!strcmp(k, "vncpasswd"))
        s = &f->vnc.passwd;
    else if (!strcmp(k, "vncdisplay"))
        f->vnc.display = atoi(v);
    else if (!strcmp(k, "vncunused"))
        pv_defbool_set(&f->vnc.findunused, atoi(v));
    else if (!strcmp(k, "keymap"))
        s = &f->keymap;
    else if (!strcmp(k, "sdl"))
        pv_defbool_set(&f->sdl.enable, atoi(v));
    else if (!strcmp(k, "opengl"))
        pv_defbool_set(&f->sdl.opengl, atoi(v));
    else if (!strcmp(k, "display"))
        s = &f->sdl.display;
    else if (!strcmp(k, "xauthority"))
        s = &f->sdl.xauthority;
    else
        pc_warn(c, w, "unknown key `%s' in vfb spec ignored", k);
    if (s) {
        free(*s);
        *s = pc_strdup(c, v);
    }
    return 0;
}

static void parse_simple_lists(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    const struct pv_cfg_value *l;
    int i;

    if (!pc_list(c, "p9", &l, false)) {
        for (i = 0; i < l->n_items; i++) {
            struct pv_device_p9 *p = APPEND(c, d->p9s, d->num_p9s, device_p9);

            if (!p)
                return;
            /* no devid: xl re-initialises the p9 after ARRAY_EXTEND_INIT */
            for_each_kv(c, l->items[i], pc_item(l, i) ? pc_item(l, i) : "",
                        p, p9_kv);
            if (!p->path || !p->security_model || !p->tag)
                pc_error(c, l->items[i], "p9 spec needs tag=, path= and "
                         "security_model=");
        }
    }
    if (!pc_list(c, "vtpm", &l, false)) {
        for (i = 0; i < l->n_items; i++) {
            struct pv_device_vtpm *t = APPEND(c, d->vtpms, d->num_vtpms,
                                              device_vtpm);
            if (!t)
                return;
            t->devid = d->num_vtpms - 1;
            for_each_kv(c, l->items[i], pc_item(l, i) ? pc_item(l, i) : "",
                        t, vtpm_kv);
            if (!t->backend_domname)
                pc_error(c, l->items[i], "vtpm spec needs backend=");
        }
    }
    if (pc_get(c, "vdispl"))
        pc_error(c, pc_get(c, "vdispl")->value, "vdispl devices are not "
                 "supported by pvstack");
    if (!pc_list(c, "pvcalls", &l, false)) {
        for (i = 0; i < l->n_items; i++) {
            struct pv_device_pvcallsif *p = APPEND(c, d->pvcallsifs,
                                                   d->num_pvcallsifs,
                                                   device_pvcallsif);
            if (!p)
                return;
            p->devid = d->num_pvcallsifs - 1;
            for_each_kv(c, l->items[i], pc_item(l, i) ? pc_item(l, i) : "",
                        p, pvcalls_kv);
        }
    }
    if (pc_get(c, "vsnd"))
        pc_error(c, pc_get(c, "vsnd")->value, "vsnd devices are not "
                 "supported by pvstack");
}

static void parse_channels(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    const struct pv_cfg_value *l;
    int i;

    if (pc_list(c, "channel", &l, false))
        return;
    for (i = 0; i < l->n_items; i++) {
        const struct pv_cfg_value *w = l->items[i];
        struct pv_device_channel *ch = APPEND(c, d->channels, d->num_channels,
                                              device_channel);
        char *copy, *save = NULL, *t, *path = NULL;

        if (!ch)
            return;
        ch->devid = d->num_channels - 1;
        copy = pc_strdup(c, pc_item(l, i) ? pc_item(l, i) : "");
        for (t = copy ? strtok_r(copy, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save)) {
            char *s2 = NULL, *k0 = strtok_r(t, "=", &s2);
            char *v0 = k0 ? strtok_r(NULL, "=", &s2) : NULL;
            char *k, *v;

            if (!k0 || !v0) {
                pc_error(c, w, "channel setting `%s' is not KEY=VALUE", t);
                continue;
            }
            k = trimmed(k0);
            v = trimmed(v0);
            if (!k || !v) {
                pc_error(c, NULL, "out of memory");
            } else if (!strcmp(k, "backend")) {
                free(ch->backend_domname);
                ch->backend_domname = pc_strdup(c, v);
            } else if (!strcmp(k, "name")) {
                free(ch->name);
                ch->name = pc_strdup(c, v);
            } else if (!strcmp(k, "path")) {
                free(path);
                path = pc_strdup(c, v);
            } else if (!strcmp(k, "connection")) {
                if (!strcmp(v, "pty"))
                    ch->connection = PV_CHANNEL_CONNECTION_PTY;
                else if (!strcmp(v, "socket"))
                    ch->connection = PV_CHANNEL_CONNECTION_SOCKET;
                else
                    pc_error(c, w, "unknown channel connection `%s' "
                             "(expected pty or socket)", v);
            } else {
                pc_warn(c, w, "unknown channel parameter `%s' ignored", k);
            }
            free(k);
            free(v);
        }
        free(copy);
        if (ch->connection == PV_CHANNEL_CONNECTION_UNKNOWN)
            pc_error(c, w, "channel needs connection=pty or "
                     "connection=socket");
        else if (ch->connection == PV_CHANNEL_CONNECTION_SOCKET && !path)
            pc_error(c, w, "channel connection `socket' needs path=");
        else if (ch->connection == PV_CHANNEL_CONNECTION_SOCKET)
            ch->socket.path = pc_strdup(c, path);
        free(path);
    }
}

static void parse_vfbs(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    const struct pv_cfg_value *l;
    int i;

    if (pc_list(c, "vfb", &l, false))
        return;
    for (i = 0; i < l->n_items; i++) {
        struct pv_device_vfb *f = APPEND(c, d->vfbs, d->num_vfbs, device_vfb);
        struct pv_device_vkb *k = f ? APPEND(c, d->vkbs, d->num_vkbs,
                                             device_vkb) : NULL;
        if (!k)
            return;
        f->devid = d->num_vfbs - 1;
        k->devid = d->num_vkbs - 1;
        for_each_kv(c, l->items[i], pc_item(l, i) ? pc_item(l, i) : "", f,
                    vfb_kv);
    }
}

static void usbctrl_item(struct pctx *c, const struct pv_cfg_value *w,
                         void *dev, const char *t)
{
    struct pv_device_usbctrl *u = dev;
    const char *v;

    if ((v = pc_match(t, "type"))) {
        if (pv_usbctrl_type_from_string(v, (int *)&u->type))
            pc_error(c, w, "invalid usb controller type `%s' (expected auto, "
                     "pv, devicemodel or qusb)", v);
    } else if ((v = pc_match(t, "version"))) {
        u->version = atoi(v);
    } else if ((v = pc_match(t, "ports"))) {
        u->ports = atoi(v);
    } else {
        pc_error(c, w, "unknown `%s' in usbctrl spec", t);
    }
}

static void usbdev_item(struct pctx *c, const struct pv_cfg_value *w,
                        void *dev, const char *t)
{
    struct pv_device_usbdev *u = dev;
    const char *v;

    if ((v = pc_match(t, "type"))) {
        if (pv_usbdev_type_from_string(v, (int *)&u->type))
            pc_error(c, w, "invalid usb device type `%s' (expected hostdev)",
                     v);
    } else if ((v = pc_match(t, "hostbus"))) {
        u->hostdev.hostbus = (uint8_t)strtoul(v, NULL, 0);
    } else if ((v = pc_match(t, "hostaddr"))) {
        u->hostdev.hostaddr = (uint8_t)strtoul(v, NULL, 0);
    } else if ((v = pc_match(t, "controller"))) {
        u->ctrl = atoi(v);
    } else if ((v = pc_match(t, "port"))) {
        u->port = atoi(v);
    } else {
        pc_error(c, w, "unknown `%s' in usbdev spec", t);
    }
}

static void parse_usb(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    const struct pv_cfg_value *l;
    int i;

    if (!pc_list(c, "usbctrl", &l, false)) {
        for (i = 0; i < l->n_items; i++) {
            struct pv_device_usbctrl *u = APPEND(c, d->usbctrls,
                                                 d->num_usbctrls,
                                                 device_usbctrl);
            if (!u)
                return;
            u->devid = d->num_usbctrls - 1;
            for_each_item(c, l->items[i], pc_item(l, i) ? pc_item(l, i) : "",
                          u, usbctrl_item);
        }
    }
    if (!pc_list(c, "usbdev", &l, false)) {
        for (i = 0; i < l->n_items; i++) {
            struct pv_device_usbdev *u = APPEND(c, d->usbdevs, d->num_usbdevs,
                                                device_usbdev);
            if (!u)
                return;
            for_each_item(c, l->items[i], pc_item(l, i) ? pc_item(l, i) : "",
                          u, usbdev_item);
        }
    }
}

static void vkb_item(struct pctx *c, const struct pv_cfg_value *w, void *dev,
                     const char *t)
{
    struct pv_device_vkb *k = dev;
    const char *v;
    uint32_t *u32 = NULL;
    bool *flag = NULL;

    if ((v = pc_match(t, "backend"))) {
        free(k->backend_domname);
        k->backend_domname = pc_strdup(c, v);
    } else if ((v = pc_match(t, "backend-type"))) {
        if (pv_vkb_backend_from_string(v, (int *)&k->backend_type))
            pc_error(c, w, "unknown backend-type `%s' in "
                     "vkb spec (expected qemu or linux)", v);
    } else if ((v = pc_match(t, "unique-id"))) {
        free(k->unique_id);
        k->unique_id = pc_strdup(c, v);
    } else if ((v = pc_match(t, "feature-disable-keyboard"))) {
        flag = &k->feature_disable_keyboard;
    } else if ((v = pc_match(t, "feature-disable-pointer"))) {
        flag = &k->feature_disable_pointer;
    } else if ((v = pc_match(t, "feature-abs-pointer"))) {
        flag = &k->feature_abs_pointer;
    } else if ((v = pc_match(t, "feature-raw-pointer"))) {
        flag = &k->feature_raw_pointer;
    } else if ((v = pc_match(t, "feature-multi-touch"))) {
        flag = &k->feature_multi_touch;
    } else if ((v = pc_match(t, "multi-touch-width"))) {
        u32 = &k->multi_touch_width;
    } else if ((v = pc_match(t, "multi-touch-height"))) {
        u32 = &k->multi_touch_height;
    } else if ((v = pc_match(t, "multi-touch-num-contacts"))) {
        u32 = &k->multi_touch_num_contacts;
    } else if ((v = pc_match(t, "width"))) {
        u32 = &k->width;
    } else if ((v = pc_match(t, "height"))) {
        u32 = &k->height;
    } else {
        pc_error(c, w, "unknown `%s' in vkb spec", t);
    }
    if (flag)
        *flag = strtoul(v, NULL, 0) != 0;
    if (u32)
        *u32 = (uint32_t)strtoul(v, NULL, 0);
}

void pc_parse_vkbs(struct pctx *c)
{
    struct pv_domain_config *d = c->d;
    const struct pv_cfg_value *l;
    int i;

    if (pc_list(c, "vkb", &l, false))
        return;
    for (i = 0; i < l->n_items; i++) {
        struct pv_device_vkb *k = APPEND(c, d->vkbs, d->num_vkbs, device_vkb);

        if (!k)
            return;
        k->devid = d->num_vkbs - 1;
        for_each_item(c, l->items[i], pc_item(l, i) ? pc_item(l, i) : "", k,
                      vkb_item);
        if (k->backend_type == PV_VKB_BACKEND_UNKNOWN)
            pc_error(c, l->items[i], "vkb spec needs backend-type=");
        if (k->multi_touch_height || k->multi_touch_width ||
            k->multi_touch_num_contacts)
            k->feature_multi_touch = true;
        else if (k->feature_multi_touch)
            pc_error(c, l->items[i], "multi-touch-width, multi-touch-height "
                     "and multi-touch-num-contacts are needed for "
                     "feature-multi-touch");
    }
}

void pc_parse_devices(struct pctx *c)
{
    parse_disks(c);
    parse_simple_lists(c);
    parse_channels(c);
    parse_vifs(c);
    parse_vfbs(c);
    parse_usb(c);
    if (pc_get(c, "cpuid"))
        pc_warn(c, pc_get(c, "cpuid")->value, "`cpuid' policies are not "
                "supported by pvstack yet; ignored");
    /* vkb=[...] comes later (pc_parse_vkbs): after the vfb/vkb pair the
     * top-level vnc= option makes, as in xl */
}

/* ---- vCPU affinity and vNUMA --------------------------------------------- */
void pc_parse_vcpu_affinity(struct pctx *c, const char *key, bool hard)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    const struct pv_cfg_setting *set = pc_get(c, key);
    const struct pv_cfg_value *list = NULL;
    const char *str = NULL;
    struct pv_bitmap *arr;
    char err[256];
    int n, i;

    if (!set)
        return;
    if (set->value->type == PV_CFG_LIST)
        list = set->value;
    else
        str = set->value->str;
    n = list ? list->n_items : 0;
    if (str || n > b->max_vcpus)
        n = b->max_vcpus;
    arr = n ? calloc((size_t)n, sizeof(*arr)) : NULL;
    if (n && !arr) {
        pc_error(c, NULL, "out of memory");
        return;
    }
    if (hard) {
        b->vcpu_hard_affinity = arr;
        b->num_vcpu_hard_affinity = n;
    } else {
        b->vcpu_soft_affinity = arr;
        b->num_vcpu_soft_affinity = n;
    }
    if (list) {
        for (i = 0; i < n; i++) {
            const char *s = pc_item(list, i);

            pv_bitmap_alloc(&arr[i], c->o->topo.max_cpus);
            if (!s)
                pc_error(c, list->items[i], "`%s' items must be strings", key);
            else if (pv_cpulist_parse(s, &arr[i], &c->o->topo, err,
                                      sizeof(err)))
                pc_error(c, list->items[i], "%s: %s", key, err);
        }
        pv_defbool_set(&b->numa_placement, false);
        return;
    }
    {
        struct pv_bitmap one = { 0, NULL };

        pv_bitmap_alloc(&one, c->o->topo.max_cpus);
        if (pv_cpulist_parse(str, &one, &c->o->topo, err, sizeof(err)))
            pc_error(c, set->value, "%s: %s", key, err);
        for (i = 0; i < n; i++)
            pv_bitmap_copy(&arr[i], &one);
        pv_bitmap_dispose(&one);
        if (!hard)
            pv_defbool_set(&b->numa_placement, false);
    }
}

static int vnuma_ulong(struct pctx *c, const struct pv_cfg_value *w,
                       const char *s, unsigned long *out)
{
    char *end;

    *out = strtoul(s, &end, 10);
    if (end == s || *out == ULONG_MAX) {
        pc_error(c, w, "vnuma: `%s' is not a number", s);
        return -1;
    }
    return 0;
}

void pc_parse_vnuma(struct pctx *c)
{
    struct pv_domain_build_info *b = &c->d->b_info;
    const struct pv_cfg_value *l;
    unsigned long vcpus_total = 0, memkb_total = 0, v, a, e;
    int i, j;

    if (pc_list(c, "vnuma", &l, true) || !l->n_items)
        return;
    b->vnuma_nodes = calloc((size_t)l->n_items, sizeof(*b->vnuma_nodes));
    if (!b->vnuma_nodes) {
        pc_error(c, NULL, "out of memory");
        return;
    }
    b->num_vnuma_nodes = l->n_items;
    for (i = 0; i < l->n_items; i++) {
        struct pv_vnode_info *p = &b->vnuma_nodes[i];

        pv_vnode_info_init(p);
        p->distances = calloc((size_t)l->n_items, sizeof(uint32_t));
        p->num_distances = p->distances ? l->n_items : 0;
        pv_bitmap_alloc(&p->vcpus, b->max_vcpus ? (unsigned)b->max_vcpus
                                                : c->o->topo.max_cpus);
    }
    for (i = 0; i < l->n_items; i++) {
        const struct pv_cfg_value *node = l->items[i];
        struct pv_vnode_info *p = &b->vnuma_nodes[i];
        unsigned limit = p->vcpus.size * 8;

        if (node->type != PV_CFG_LIST) {
            pc_error(c, node, "each vnuma node must be a list of "
                     "\"key=value\" strings");
            continue;
        }
        for (j = 0; j < node->n_items; j++) {
            const char *s = pc_item(node, j);
            const char *eq = s ? strchr(s, '=') : NULL;
            char *k, *val, *kr, *vr;

            if (!eq) {
                pc_error(c, node->items[j], "vnuma setting is not "
                         "KEY=VALUE");
                continue;
            }
            kr = strndup(s, (size_t)(eq - s));
            vr = strdup(eq + 1);
            k = kr ? trimmed(kr) : NULL;
            val = vr ? trimmed(vr) : NULL;
            free(kr);
            free(vr);
            if (!k || !val) {
                pc_error(c, NULL, "out of memory");
            } else if (!strcmp(k, "pnode")) {
                if (!vnuma_ulong(c, node->items[j], val, &v)) {
                    if (v >= c->o->topo.nr_nodes)
                        pc_error(c, node->items[j], "invalid pnode %lu "
                                 "(host has %u NUMA nodes)", v,
                                 c->o->topo.nr_nodes);
                    p->pnode = (uint32_t)v;
                    pv_defbool_set(&b->numa_placement, false);
                }
            } else if (!strcmp(k, "size")) {
                if (!vnuma_ulong(c, node->items[j], val, &v)) {
                    p->memkb = (uint64_t)v << 10;
                    memkb_total += v << 10;
                }
            } else if (!strcmp(k, "vcpus")) {
                char *save = NULL, *t;

                for (t = strtok_r(val, ",", &save); t;
                     t = strtok_r(NULL, ",", &save)) {
                    if (pv_parse_range(t, &a, &e)) {
                        pc_error(c, node->items[j], "vnuma: invalid vcpu "
                                 "range `%s'", t);
                        break;
                    }
                    for (; a <= e; a++) {
                        if (a < limit)
                            pv_bitmap_set(&p->vcpus, (unsigned)a);
                        vcpus_total++;
                        if (vcpus_total > 4096)
                            break;
                    }
                }
            } else if (!strcmp(k, "vdistances")) {
                char *save = NULL, *t;
                int n = 0;

                for (t = strtok_r(val, ",", &save); t;
                     t = strtok_r(NULL, ",", &save), n++) {
                    if (n >= p->num_distances) {
                        pc_error(c, node->items[j], "vnuma: more vdistances "
                                 "than nodes");
                        break;
                    }
                    if (!vnuma_ulong(c, node->items[j], t, &v))
                        p->distances[n] = (uint32_t)v;
                }
            } else {
                pc_warn(c, node->items[j], "unknown vnuma setting `%s' "
                        "ignored (expected pnode, size, vcpus, vdistances)",
                        k);
            }
            free(k);
            free(val);
        }
    }
    if (b->max_vcpus) {
        if ((unsigned long)b->max_vcpus != vcpus_total)
            pc_error(c, l, "vnuma vcpus (%lu) and maxvcpus (%d) mismatch",
                     vcpus_total, b->max_vcpus);
    } else if ((unsigned long)c->o->host_online_cpus < vcpus_total) {
        pc_error(c, l, "vnuma specifies more vcpus (%lu) than the host has "
                 "pcpus (%d); use maxvcpus= to override this check",
                 vcpus_total, c->o->host_online_cpus);
    } else {
        b->max_vcpus = (int)vcpus_total;
    }
    if (b->max_memkb != PV_MEMKB_DEFAULT && b->max_memkb != memkb_total)
        pc_error(c, l, "maxmem and vnuma memory size mismatch");
    else
        b->max_memkb = memkb_total;
}

/* ---- the keys the model knows -------------------------------------------- */
const char *const pv_domcfg_known_keys[] = {
    "name", "uuid", "type", "builder", "hap", "oos", "pool", "seclabel",
    "init_seclabel", "memory", "maxmem", "vcpus", "maxvcpus", "cpus",
    "cpus_soft", "cpu_weight", "cap", "period", "slice", "latency",
    "extratime", "vuart", "vnuma", "max_grant_frames", "max_maptrack_frames",
    "max_grant_version", "on_poweroff", "on_reboot", "on_watchdog",
    "on_crash", "on_soft_reset", "e820_host", "pci_msitranslate",
    "pci_power_mgmt", "pci_permissive", "pci_seize", "rdm", "pci", "dtdev",
    "passthrough", "shadow_memory", "nomigrate", "tsc_mode",
    "rtc_timeoffset", "vncviewer", "localtime", "videoram",
    "max_event_channels", "kernel", "ramdisk", "device_tree", "cmdline",
    "root", "extra", "driver_domain", "acpi", "bootloader",
    "bootloader_args", "timer_mode", "nestedhvm", "firmware_override",
    "bios_path_override", "bios", "pae", "acpi_s3", "acpi_s4",
    "acpi_laptop_slate", "nx", "hpet", "vpt_align", "apic", "viridian",
    "mmio_hole", "altp2mhvm", "smbios_firmware", "acpi_firmware",
    "ms_vm_genid", "rdm_mem_boundary", "mca_caps", "firmware", "altp2m",
    "vmtrace_buf_kb", "ioports", "irqs", "iomem", "disk", "p9", "vtpm",
    "vdispl", "pvcalls", "vsnd", "channel", "vif", "vif2", "vfb", "usbctrl",
    "usbdev", "cpuid", "device_model", "device_model_override",
    "device_model_version", "device_model_stubdomain_override",
    "device_model_stubdomain_seclabel", "device_model_user",
    "stubdomain_kernel", "stubdomain_cmdline", "stubdomain_ramdisk",
    "stubdomain_memory", "device_model_args", "device_model_args_pv",
    "device_model_args_hvm", "vnc", "vnclisten", "vncpasswd", "vncdisplay",
    "vncunused", "sdl", "opengl", "display", "xauthority", "keymap",
    "dm_restrict", "vga", "stdvga", "hdtype", "spice", "spiceport",
    "spicetls_port", "spicehost", "spicedisable_ticketing", "spicepasswd",
    "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing",
    "spiceusbredirection", "spice_image_compression",
    "spice_streaming_video", "nographic", "gfx_passthru", "serial", "boot",
    "usb", "usbversion", "usbdevice", "vkb_device", "soundhw",
    "xen_platform_pci", "vendor_device", "gic_version", "tee", "vkb",
    "xend_suspend_evtchn_compat", "msr_relaxed", "vpmu", "pvshim",
    "pvshim_path", "pvshim_cmdline", "pvshim_extra",
    /* read by xl itself rather than parse_config_data */
    "autoballoon", "claim_mode",
    NULL,
};
