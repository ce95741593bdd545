/* The stored domain config (userdata "libxl-json") as the device code keeps
 * it: libxl's per-domain userdata lock, adding and removing a device in the
 * JSON on hot-plug, and reading the devices back for a restart.
 *
 * Invariants, as libxl 4.17:
 *  - Every device in xenstore is in the JSON; an attach records the device
 *    as the user gave it (libxl's "saved" copy: no defaults filled in) plus
 *    the nic fields libxl__update_config_nic copies (devid, nictype, mac),
 *    so a restart gets the same MAC and devid.
 *  - Read-modify-write of the JSON happens under the userdata lock
 *    (userdata-l.<domid>.<uuid>.domain-userdata-lock, flock), the same file
 *    Debian's xl takes, so our xl and theirs never lose each other's update.
 *  - We edit the parsed JSON tree, not the config model: every key we don't
 *    model (a newer libxl's, Debian xl's) survives an edit byte for byte,
 *    and a new top-level array goes where libxl's IDL order puts it. */
#include "libxl/dev_internal.h"
#include "libxl/dom.h"
#include "libxl/domcfg_desc.h"
#include "libxl/domcfg_json.h"
#include "libxl/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenctrl.h>
#include <yajl/yajl_tree.h>

/* ---- the userdata lock ---- */

static int domain_uuid(struct xc_interface_core *xch, uint32_t domid,
                       uint8_t uuid[16])
{
    xc_domaininfo_t info;

    if (!xch || xc_domain_getinfolist((xc_interface *)xch, domid, 1, &info) != 1 ||
        info.domain != domid)
        return -ESRCH;
    memcpy(uuid, info.handle, 16);
    return 0;
}

int pv_dev_lock(struct xc_interface_core *xch, uint32_t domid,
                struct pv_dev_lock *lk)
{
    uint8_t uuid[16];
    struct stat st, fst;
    int rc;

    lk->fd = -1;
    lk->path = NULL;
    rc = domain_uuid(xch, domid, uuid);
    if (rc) {
        PV_ERR((int)domid, "cannot lock the domain's userdata: no such domain");
        return rc;
    }
    mkdir(pv_userdata_dir, 0755);
    lk->path = pv_userdata_lock_path(domid, uuid);
    if (!lk->path)
        return -ENOMEM;
    for (;;) {
        lk->fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (lk->fd < 0) {
            rc = -errno;
            PV_ERR((int)domid, "cannot open lockfile %s: %s", lk->path,
                   strerror(errno));
            goto fail;
        }
        while (flock(lk->fd, LOCK_EX)) {
            if (errno != EINTR) {
                rc = -errno;
                PV_ERR((int)domid, "cannot lock %s: %s", lk->path, strerror(errno));
                goto fail;
            }
        }
        /* The holder before us unlinks the file as it unlocks: a lock on
         * an unlinked inode protects nothing, so start over then. */
        if (fstat(lk->fd, &fst) == 0 && stat(lk->path, &st) == 0 &&
            st.st_dev == fst.st_dev && st.st_ino == fst.st_ino)
            break;
        close(lk->fd);
        lk->fd = -1;
    }
    /* A destroy may have run while we waited. */
    if (domain_uuid(xch, domid, uuid)) {
        PV_ERR((int)domid, "domain %u went away while waiting for its lock", domid);
        rc = -ESRCH;
        goto fail;
    }
    return 0;
fail:
    pv_dev_unlock(lk);
    return rc;
}

void pv_dev_unlock(struct pv_dev_lock *lk)
{
    /* Unlink before closing (libxl__unlock_file): a waiter that opened the
     * old file notices the inode changed and retries. */
    if (lk->path && lk->fd >= 0)
        unlink(lk->path);
    if (lk->fd >= 0)
        close(lk->fd);
    free(lk->path);
    lk->fd = -1;
    lk->path = NULL;
}

/* ---- flat device structs from JSON ---- */

static int set_number(const struct pv_field_desc *f, void *p, yajl_val v)
{
    char *q = (char *)p + f->off, *end;
    unsigned long long u;
    long long s;

    if (!YAJL_IS_NUMBER(v) || !v->u.number.r)
        return -EINVAL;
    errno = 0;
    if (f->kind == PVK_U64 || f->kind == PVK_MEMKB) {
        u = strtoull(v->u.number.r, &end, 10);
        if (errno || *end)
            return -EINVAL;
        *(uint64_t *)q = u;
        return 0;
    }
    s = strtoll(v->u.number.r, &end, 10);
    if (errno || *end)
        return -EINVAL;
    switch (f->kind) {
    case PVK_INT: case PVK_DEVID: *(int *)q = (int)s; break;
    case PVK_U8: *(uint8_t *)q = (uint8_t)s; break;
    case PVK_U32: case PVK_DOMID: *(uint32_t *)q = (uint32_t)s; break;
    default: return -EINVAL;
    }
    return 0;
}

static int set_field(const struct pv_field_desc *f, void *p, yajl_val v)
{
    char *q = (char *)p + f->off;
    const char *s = YAJL_IS_STRING(v) ? v->u.string : NULL;
    uint8_t *m;
    int e;

    if (YAJL_IS_NULL(v))
        return 0;
    switch (f->kind) {
    case PVK_STRING:
        if (!s)
            return -EINVAL;
        free(*(char **)q);
        *(char **)q = strdup(s);
        return *(char **)q ? 0 : -ENOMEM;
    case PVK_INT: case PVK_DEVID: case PVK_U8: case PVK_U32: case PVK_DOMID:
    case PVK_U64: case PVK_MEMKB:
        return set_number(f, p, v);
    case PVK_BOOL:
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
            return -EINVAL;
        *(bool *)q = YAJL_IS_TRUE(v);
        return 0;
    case PVK_DEFBOOL:
        if (s && !strcasecmp(s, "true"))
            *(int *)q = PV_DEFBOOL_TRUE;
        else if (s && !strcasecmp(s, "false"))
            *(int *)q = PV_DEFBOOL_FALSE;
        else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
            *(int *)q = YAJL_IS_TRUE(v) ? PV_DEFBOOL_TRUE : PV_DEFBOOL_FALSE;
        else if (!s || strcmp(s, "<default>"))
            return -EINVAL;
        return 0;
    case PVK_ENUM:
        if (!s || pv_enum_from_string(f->en, s, &e))
            return -EINVAL;
        *(int *)q = e;
        return 0;
    case PVK_UUID:
        return s && !pv_uuid_parse(s, (uint8_t *)q) ? 0 : -EINVAL;
    case PVK_MAC:
        m = (uint8_t *)q;
        if (!s || sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &m[0], &m[1],
                         &m[2], &m[3], &m[4], &m[5]) != 6)
            return -EINVAL;
        return 0;
    default:
        return 0;   /* aggregates: no device struct has them */
    }
}

int pv_dev_struct_from_json(const struct pv_struct_desc *d, yajl_val obj,
                            void *p)
{
    size_t i;
    int rc;

    pv_struct_init(d, p);
    if (!YAJL_IS_OBJECT(obj))
        return -EINVAL;
    for (i = 0; i < obj->u.object.len; i++) {
        const struct pv_field_desc *f = pv_struct_field(d, obj->u.object.keys[i]);

        if (!f)
            continue;   /* a key of a newer libxl: not ours to judge */
        rc = set_field(f, p, obj->u.object.values[i]);
        if (rc) {
            PV_ERR(-1, "stored config: %s.%s has a bad value", d->name, f->name);
            pv_struct_dispose(d, p);
            return rc;
        }
    }
    return 0;
}

int pv_dev_struct_copy(const struct pv_struct_desc *d, void *dst, const void *src)
{
    char *json = pv_struct_to_json(d, src), err[128];
    yajl_val v = json ? yajl_tree_parse(json, err, sizeof(err)) : NULL;
    int rc = v ? pv_dev_struct_from_json(d, v, dst) : -ENOMEM;

    if (!v)
        pv_struct_init(d, dst);
    yajl_tree_free(v);
    free(json);
    return rc;
}

/* ---- the tree back to JSON ---- */

static yajl_gen_status gen_tree(yajl_gen g, yajl_val v)
{
    yajl_gen_status s = yajl_gen_status_ok;
    size_t i;

    if (YAJL_IS_STRING(v))
        return yajl_gen_string(g, (const unsigned char *)v->u.string,
                               strlen(v->u.string));
    if (YAJL_IS_NUMBER(v))
        return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
        return yajl_gen_bool(g, YAJL_IS_TRUE(v));
    if (YAJL_IS_OBJECT(v)) {
        if ((s = yajl_gen_map_open(g)))
            return s;
        for (i = 0; i < v->u.object.len && !s; i++) {
            s = yajl_gen_string(g, (const unsigned char *)v->u.object.keys[i],
                                strlen(v->u.object.keys[i]));
            if (!s)
                s = gen_tree(g, v->u.object.values[i]);
        }
        return s ? s : yajl_gen_map_close(g);
    }
    if (YAJL_IS_ARRAY(v)) {
        if ((s = yajl_gen_array_open(g)))
            return s;
        for (i = 0; i < v->u.array.len && !s; i++)
            s = gen_tree(g, v->u.array.values[i]);
        return s ? s : yajl_gen_array_close(g);
    }
    return yajl_gen_null(g);
}

/* An edit of one top-level array ("disks" or "nics"). */
struct cfg_edit {
    const char *array;
    const struct pv_struct_desc *desc;
    /* Existing element IDX: 0 keep as is, 1 drop, 2 write DEV in its place
     * (then DEV is not appended). */
    int (*match)(struct cfg_edit *e, yajl_val el, int idx);
    const void *dev;            /* to add or replace with; NULL: none */
    /* Rewrite element IDX instead (nic field updates at create). */
    int (*rewrite)(struct cfg_edit *e, yajl_val el, int idx, void *out);
    int devid;                  /* what match looks for */
    const struct pv_device_nic *nics;
    int num;
    int matched, dropped;
};

static yajl_gen_status gen_array_edited(yajl_gen g, yajl_val arr,
                                        struct cfg_edit *e)
{
    yajl_gen_status s;
    size_t i;

    if ((s = yajl_gen_array_open(g)))
        return s;
    for (i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
        yajl_val el = arr->u.array.values[i];
        int m = e->match ? e->match(e, el, (int)i) : 0;

        if (m == 1) {
            e->dropped++;
            continue;
        }
        if (m == 2 && e->dev && !e->matched) {
            e->matched = 1;
            s = pv_json_gen_struct(g, e->desc, e->dev);
        } else if (e->rewrite) {
            union { struct pv_device_disk d; struct pv_device_nic n; } tmp;
            if (e->rewrite(e, el, (int)i, &tmp))
                s = gen_tree(g, el);
            else {
                s = pv_json_gen_struct(g, e->desc, &tmp);
                pv_struct_dispose(e->desc, &tmp);
            }
        } else {
            s = gen_tree(g, el);
        }
        if (s)
            return s;
    }
    if (e->dev && !e->matched) {
        e->matched = 1;
        if ((s = pv_json_gen_struct(g, e->desc, e->dev)))
            return s;
    }
    return yajl_gen_array_close(g);
}

/* Position of KEY among libxl 4.17's libxl_domain_config fields (IDL
 * order, including the ones our model leaves out), for inserting an array
 * the config did not have yet; -1 for a key libxl doesn't know. */
static int config_field_index(const char *key)
{
    static const char *const order[] = {
        "c_info", "b_info", "disks", "nics", "pcidevs", "rdms", "dtdevs",
        "vfbs", "vkbs", "vtpms", "p9s", "pvcallsifs", "vdispls", "vsnds",
        "channels", "usbctrls", "usbdevs", "on_poweroff", "on_reboot",
        "on_watchdog", "on_crash", "on_soft_reset",
    };
    int i;

    for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
        if (!strcmp(order[i], key))
            return i;
    return -1;
}

/* How many elements the edited array will have: libxl leaves an empty
 * array out altogether. */
static int edited_count(yajl_val arr, struct cfg_edit *e)
{
    int n = 0, replaced = 0;
    size_t i;

    for (i = 0; arr && YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
        int m = e->match ? e->match(e, arr->u.array.values[i], (int)i) : 0;
        if (m != 1)
            n++;
        if (m == 2)
            replaced = 1;
    }
    return n + (e->dev && !replaced);
}

static char *gen_config_edited(yajl_val root, struct cfg_edit *e)
{
    const char *path[] = { e->array, NULL };
    yajl_val arr = yajl_tree_get(root, path, yajl_t_array);
    yajl_gen g = pv_json_gen_alloc();
    const unsigned char *buf;
    int want = config_field_index(e->array);
    int done = edited_count(arr, e) == 0;   /* nothing to print */
    yajl_gen_status s;
    char *out = NULL;
    size_t i, len;

    if (!g)
        return NULL;
    s = yajl_gen_map_open(g);
    for (i = 0; !s && i < root->u.object.len; i++) {
        const char *k = root->u.object.keys[i];
        int at = config_field_index(k);

        if (!strcmp(k, e->array)) {
            if (!done) {
                s = yajl_gen_string(g, (const unsigned char *)k, strlen(k));
                if (!s)
                    s = gen_array_edited(g, arr, e);
                done = 1;
            }
            continue;
        }
        if (!done && want >= 0 && at > want) {
            s = yajl_gen_string(g, (const unsigned char *)e->array,
                                strlen(e->array));
            if (!s)
                s = gen_array_edited(g, arr, e);
            done = 1;
        }
        if (!s)
            s = yajl_gen_string(g, (const unsigned char *)k, strlen(k));
        if (!s)
            s = gen_tree(g, root->u.object.values[i]);
    }
    if (!s && !done) {
        s = yajl_gen_string(g, (const unsigned char *)e->array, strlen(e->array));
        if (!s)
            s = gen_array_edited(g, arr, e);
    }
    if (!s)
        s = yajl_gen_map_close(g);
    if (!s && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
        (out = malloc(len + 1))) {
        memcpy(out, buf, len);
        out[len] = '\0';
    }
    yajl_gen_free(g);
    return out;
}

static char *edit_json(const char *json, struct cfg_edit *e)
{
    char err[256];
    yajl_val root = yajl_tree_parse(json, err, sizeof(err));
    char *out = NULL;

    if (!root || !YAJL_IS_OBJECT(root))
        PV_ERR(-1, "the stored domain config is not a JSON object%s%s",
               root ? "" : ": ", root ? "" : err);
    else
        out = gen_config_edited(root, e);
    yajl_tree_free(root);
    return out;
}

/* Load, edit, store: the caller holds the userdata lock. */
static int config_update(struct xc_interface_core *xch, uint32_t domid,
                         struct cfg_edit *e)
{
    uint8_t uuid[16];
    char *json = NULL, *out = NULL;
    int rc;

    rc = domain_uuid(xch, domid, uuid);
    if (rc)
        return rc;
    json = pv_userdata_load(domid, "libxl-json");
    if (!json || !*json) {
        /* A domain some other tool made without a config: nothing to keep
         * in step (libxl would refuse the device; we just don't record). */
        PV_DEBUG((int)domid, "no stored config to record the %s change in",
                 e->array);
        free(json);
        return 0;
    }
    out = edit_json(json, e);
    if (!out) {
        rc = -EINVAL;
        goto out;
    }
    if (pv_userdata_store(domid, uuid, "libxl-json", out, strlen(out)))
        rc = -EIO;
out:
    free(json);
    free(out);
    return rc;
}

static const char *obj_string(yajl_val el, const char *key)
{
    const char *path[] = { key, NULL };
    yajl_val v = YAJL_IS_OBJECT(el) ? yajl_tree_get(el, path, yajl_t_string) : NULL;
    return v ? v->u.string : NULL;
}

static int obj_int(yajl_val el, const char *key, int dflt)
{
    const char *path[] = { key, NULL };
    yajl_val v = YAJL_IS_OBJECT(el) ? yajl_tree_get(el, path, yajl_t_number) : NULL;
    return v && YAJL_IS_INTEGER(v) ? (int)YAJL_GET_INTEGER(v) : dflt;
}

/* libxl's COMPARE_DISK: the same vdev.  We compare device numbers, so
 * "xvda" and "51712" are one disk, as in xenstore. */
static int match_disk(struct cfg_edit *e, yajl_val el, int idx)
{
    const char *vdev = obj_string(el, "vdev");
    (void)idx;
    if (!vdev || pv_vdev_to_devid(vdev, NULL, NULL) != e->devid)
        return 0;
    return e->dev ? 2 : 1;
}

/* COMPARE_DEVID; a nic without devid is the one at its index (libxl's
 * create numbers nics 0.. in order). */
static int match_nic(struct cfg_edit *e, yajl_val el, int idx)
{
    if (obj_int(el, "devid", idx) != e->devid)
        return 0;
    return e->dev ? 2 : 1;
}

static void edit_add_disk(struct cfg_edit *e, const struct pv_device_disk *d)
{
    *e = (struct cfg_edit){ .array = "disks", .desc = &pv_desc_device_disk,
                            .match = match_disk, .dev = d,
                            .devid = pv_vdev_to_devid(d->vdev, NULL, NULL) };
}

static void edit_add_nic(struct cfg_edit *e, const struct pv_device_nic *n)
{
    *e = (struct cfg_edit){ .array = "nics", .desc = &pv_desc_device_nic,
                            .match = match_nic, .dev = n, .devid = n->devid };
}

static void edit_remove(struct cfg_edit *e, const char *kind, int devid)
{
    int vbd = !strcmp(kind, "vbd");

    *e = (struct cfg_edit){ .array = vbd ? "disks" : "nics",
                            .desc = vbd ? &pv_desc_device_disk : &pv_desc_device_nic,
                            .match = vbd ? match_disk : match_nic, .devid = devid };
}

char *pv_dev_json_add_disk(const char *json, const struct pv_device_disk *d)
{
    struct cfg_edit e;
    edit_add_disk(&e, d);
    return edit_json(json, &e);
}

char *pv_dev_json_add_nic(const char *json, const struct pv_device_nic *n)
{
    struct cfg_edit e;
    edit_add_nic(&e, n);
    return edit_json(json, &e);
}

char *pv_dev_json_remove(const char *json, const char *kind, int devid)
{
    struct cfg_edit e;
    edit_remove(&e, kind, devid);
    return edit_json(json, &e);
}

int pv_dev_config_add_disk(struct xc_interface_core *xch, uint32_t domid,
                           const struct pv_device_disk *saved)
{
    struct cfg_edit e;
    edit_add_disk(&e, saved);
    return config_update(xch, domid, &e);
}

int pv_dev_config_add_nic(struct xc_interface_core *xch, uint32_t domid,
                          const struct pv_device_nic *saved)
{
    struct cfg_edit e;
    edit_add_nic(&e, saved);
    return config_update(xch, domid, &e);
}

int pv_dev_config_remove(struct xc_interface_core *xch, uint32_t domid,
                         const char *kind, int devid)
{
    struct cfg_edit e;
    edit_remove(&e, kind, devid);
    return config_update(xch, domid, &e);
}

/* libxl__update_config_nic for element IDX. */
static int rewrite_nic(struct cfg_edit *e, yajl_val el, int idx, void *out)
{
    struct pv_device_nic *n = out;

    if (idx >= e->num || pv_dev_struct_from_json(&pv_desc_device_nic, el, n))
        return -1;
    n->devid = e->nics[idx].devid;
    n->nictype = e->nics[idx].nictype;
    memcpy(n->mac, e->nics[idx].mac, 6);
    return 0;
}

char *pv_dev_json_update_nics(const char *json, const struct pv_device_nic *nics,
                              int num)
{
    struct cfg_edit e = { .array = "nics", .desc = &pv_desc_device_nic,
                          .rewrite = rewrite_nic, .nics = nics, .num = num };
    return edit_json(json, &e);
}

int pv_dev_config_update_nics(struct xc_interface_core *xch, uint32_t domid,
                              const struct pv_device_nic *nics, int num)
{
    struct cfg_edit e = { .array = "nics", .desc = &pv_desc_device_nic,
                          .rewrite = rewrite_nic, .nics = nics, .num = num };
    return num ? config_update(xch, domid, &e) : 0;
}

/* ---- the devices of a stored config ---- */

void pv_dev_config_dispose(struct pv_dev_config *c)
{
    int i;

    for (i = 0; i < c->num_disks; i++)
        pv_device_disk_dispose(&c->disks[i]);
    for (i = 0; i < c->num_nics; i++)
        pv_device_nic_dispose(&c->nics[i]);
    free(c->disks);
    free(c->nics);
    memset(c, 0, sizeof(*c));
}

static int load_array(yajl_val root, const char *key,
                      const struct pv_struct_desc *d, void **out, int *num)
{
    const char *path[] = { key, NULL };
    yajl_val arr = yajl_tree_get(root, path, yajl_t_array);
    char *v;
    size_t i;
    int rc;

    *out = NULL;
    *num = 0;
    if (!arr || !arr->u.array.len)
        return 0;
    v = calloc(arr->u.array.len, d->size);
    if (!v)
        return -ENOMEM;
    *out = v;
    for (i = 0; i < arr->u.array.len; i++) {
        rc = pv_dev_struct_from_json(d, arr->u.array.values[i], v + i * d->size);
        if (rc)
            return rc;
        (*num)++;
    }
    return 0;
}

int pv_dev_config_parse(const char *json, struct pv_dev_config *c)
{
    char err[256];
    yajl_val root;
    int rc;

    memset(c, 0, sizeof(*c));
    root = yajl_tree_parse(json, err, sizeof(err));
    if (!root || !YAJL_IS_OBJECT(root)) {
        PV_ERR(-1, "the stored domain config is not a JSON object%s%s",
               root ? "" : ": ", root ? "" : err);
        yajl_tree_free(root);
        return -EINVAL;
    }
    rc = load_array(root, "disks", &pv_desc_device_disk, (void **)&c->disks,
                    &c->num_disks);
    if (!rc)
        rc = load_array(root, "nics", &pv_desc_device_nic, (void **)&c->nics,
                        &c->num_nics);
    yajl_tree_free(root);
    if (rc)
        pv_dev_config_dispose(c);
    return rc;
}

int pv_dev_config_load(struct xc_interface_core *xch, uint32_t domid,
                       struct pv_dev_config *c, char **json_out)
{
    struct pv_dev_lock lk;
    char *json;
    int rc;

    memset(c, 0, sizeof(*c));
    *json_out = NULL;
    rc = pv_dev_lock(xch, domid, &lk);
    if (rc)
        return rc;
    json = pv_userdata_load(domid, "libxl-json");
    pv_dev_unlock(&lk);
    if (!json)
        return -ENOENT;
    rc = pv_dev_config_parse(json, c);
    if (rc) {
        free(json);
        return rc;
    }
    *json_out = json;
    return 0;
}
