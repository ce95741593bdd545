/* Userdata files, where libxl keeps per-domain state in /var/lib/xen:
 *   userdata-d.<domid>.<uuid>.<key>   the data ("libxl-json" = the config)
 *   userdata-n.<domid>.<uuid>.<key>   a new copy, renamed over the d file
 * Writes go through the n file and rename(), so a reader (Debian's xl)
 * never sees a half-written config. */
#include "libxl/dom.h"
#include "libxl/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

const char *pv_userdata_dir = "/var/lib/xen";

static char *userdata_path_wh(uint32_t domid, const uint8_t uuid[16],
                              const char *key, const char *wh)
{
    char us[37], *path;

    pv_uuid_format(uuid, us);
    if (asprintf(&path, "%s/userdata-%s.%u.%s.%s", pv_userdata_dir, wh, domid,
                 us, key) < 0)
        return NULL;
    return path;
}

char *pv_userdata_path(uint32_t domid, const uint8_t uuid[16], const char *key)
{
    return userdata_path_wh(domid, uuid, key, "d");
}

/* libxl__lock_domain_userdata's file (declared in libxl/devices.h). */
char *pv_userdata_lock_path(uint32_t domid, const uint8_t uuid[16])
{
    return userdata_path_wh(domid, uuid, "domain-userdata-lock", "l");
}

int pv_userdata_store(uint32_t domid, const uint8_t uuid[16], const char *key,
                      const char *data, size_t len)
{
    char *final = NULL, *tmp = NULL;
    int fd = -1, rc = -1;
    size_t off = 0;

    final = userdata_path_wh(domid, uuid, key, "d");
    tmp = userdata_path_wh(domid, uuid, key, "n");
    if (!final || !tmp)
        goto out;
    mkdir(pv_userdata_dir, 0755);
    fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        PV_ERR((int)domid, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    while (off < len) {
        ssize_t r = write(fd, data + off, len - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            PV_ERR((int)domid, "cannot write %s: %s", tmp, strerror(errno));
            goto out_unlink;
        }
        off += r;
    }
    if (close(fd) < 0) {
        fd = -1;
        PV_ERR((int)domid, "cannot write %s: %s", tmp, strerror(errno));
        goto out_unlink;
    }
    fd = -1;
    if (rename(tmp, final) < 0) {
        PV_ERR((int)domid, "cannot rename %s to %s: %s", tmp, final,
               strerror(errno));
        goto out_unlink;
    }
    rc = 0;
    goto out;
out_unlink:
    unlink(tmp);
out:
    if (fd >= 0)
        close(fd);
    free(final);
    free(tmp);
    return rc;
}

/* Files of domain DOMID: "userdata-?.<domid>.".  The uuid is part of the
 * name but a destroy must also clean files of a domain whose uuid we can no
 * longer read, so match on the domid alone, as libxl's destroyall does. */
static int userdata_matches(const char *name, uint32_t domid, const char *key)
{
    char prefix[64];
    size_t plen;
    const char *rest;

    if (strncmp(name, "userdata-", 9) || !name[9] || name[10] != '.')
        return 0;
    snprintf(prefix, sizeof(prefix), "%u.", domid);
    plen = strlen(prefix);
    if (strncmp(name + 11, prefix, plen))
        return 0;
    if (!key)
        return 1;
    rest = name + 11 + plen;
    if (strlen(rest) < 37 || rest[36] != '.')
        return 0;
    return !strcmp(rest + 37, key);
}

char *pv_userdata_load(uint32_t domid, const char *key)
{
    DIR *d = opendir(pv_userdata_dir);
    struct dirent *de;
    char *data = NULL;

    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        char path[4096];
        FILE *f;
        long sz;

        if (de->d_name[9] != 'd' || !userdata_matches(de->d_name, domid, key))
            continue;
        snprintf(path, sizeof(path), "%s/%s", pv_userdata_dir, de->d_name);
        f = fopen(path, "re");
        if (!f)
            break;
        if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
            fseek(f, 0, SEEK_SET) == 0 && (data = malloc(sz + 1))) {
            if (fread(data, 1, sz, f) != (size_t)sz) {
                free(data);
                data = NULL;
            } else {
                data[sz] = 0;
            }
        }
        fclose(f);
        break;
    }
    closedir(d);
    return data;
}

void pv_userdata_remove_all(uint32_t domid)
{
    DIR *d = opendir(pv_userdata_dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d))) {
        char path[4096];

        if (!userdata_matches(de->d_name, domid, NULL))
            continue;
        snprintf(path, sizeof(path), "%s/%s", pv_userdata_dir, de->d_name);
        if (unlink(path) < 0 && errno != ENOENT)
            PV_WARN((int)domid, "cannot remove %s: %s", path, strerror(errno));
    }
    closedir(d);
}

#define GSTR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

static void gen_kv_str(yajl_gen g, const char *k, const char *v)
{
    GSTR(g, k);
    if (v)
        GSTR(g, v);
    else
        yajl_gen_null(g);
}

static void gen_kv_int(yajl_gen g, const char *k, long long v)
{
    GSTR(g, k);
    yajl_gen_integer(g, v);
}

/* The shape of libxl_domain_config_to_json() for the fields we know, so
 * Debian's `xl list -l` parses what we persist. */
char *pv_dom_params_json(const struct pv_dom_params *p, uint32_t domid)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char us[37], *out = NULL;
    unsigned i;

    if (!g)
        return NULL;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "    ");
    pv_uuid_format(p->uuid, us);

    yajl_gen_map_open(g);
    GSTR(g, "c_info");
    yajl_gen_map_open(g);
    gen_kv_str(g, "type", p->type == PV_DOM_PVH ? "pvh" : "pv");
    gen_kv_str(g, "name", p->name);
    gen_kv_int(g, "domid", domid);
    gen_kv_str(g, "uuid", us);
    gen_kv_str(g, "run_hotplug_scripts", "True");
    yajl_gen_map_close(g);

    GSTR(g, "b_info");
    yajl_gen_map_open(g);
    gen_kv_int(g, "max_vcpus", p->max_vcpus);
    GSTR(g, "avail_vcpus");
    yajl_gen_array_open(g);
    for (i = 0; i < p->avail_vcpus; i++)
        yajl_gen_integer(g, i);
    yajl_gen_array_close(g);
    gen_kv_int(g, "max_memkb", (long long)p->max_kb);
    gen_kv_int(g, "target_memkb", (long long)p->target_kb);
    GSTR(g, "sched_params");
    yajl_gen_map_open(g);
    yajl_gen_map_close(g);
    /* Since 4.10 libxl keeps kernel/ramdisk/cmdline in b_info itself for
     * both PV and PVH (u.pv.kernel is the deprecated spelling). */
    gen_kv_str(g, "kernel", p->kernel);
    if (p->cmdline)
        gen_kv_str(g, "cmdline", p->cmdline);
    if (p->ramdisk)
        gen_kv_str(g, "ramdisk", p->ramdisk);
    GSTR(g, p->type == PV_DOM_PVH ? "type.pvh" : "type.pv");
    yajl_gen_map_open(g);
    yajl_gen_map_close(g);
    GSTR(g, "arch_arm");
    yajl_gen_map_open(g);
    yajl_gen_map_close(g);
    GSTR(g, "arch_x86");
    yajl_gen_map_open(g);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    gen_kv_str(g, "on_poweroff", pv_dom_action_name(p->on_poweroff));
    gen_kv_str(g, "on_reboot", pv_dom_action_name(p->on_reboot));
    gen_kv_str(g, "on_watchdog", pv_dom_action_name(p->on_watchdog));
    gen_kv_str(g, "on_crash", pv_dom_action_name(p->on_crash));
    yajl_gen_map_close(g);

    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        out = malloc(len + 2);
        if (out) {
            memcpy(out, buf, len);
            out[len] = '\n';
            out[len + 1] = 0;
        }
    }
    yajl_gen_free(g);
    return out;
}
