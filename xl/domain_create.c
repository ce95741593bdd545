/* `xl create`: the part after the configuration is understood.
 *
 * The config front end (xl/create.c of the config model, which parses
 * xl.cfg into libxl/domcfg.h and handles -N) hands us a domain config; we
 * turn it into builder params, create the domain under the host lock,
 * attach the console if asked, unpause and leave a monitor behind.
 *
 * Until that front end is linked in, a weak main_create here reads the
 * handful of keys a direct-boot PV guest needs (see read_simple_cfg), so the
 * lifecycle can be exercised on real Xen on its own. */
#include "xl/domain_create.h"
#include "xl/xl.h"
#include "libxl/log.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>

#define XENCONSOLE "/usr/lib/xen-4.17/bin/xenconsole"

int xl_console_exec(uint32_t domid, const char *type, int num)
{
    char d[16], n[16];
    const char *path = getenv("PV_XENCONSOLE");

    if (!path)
        path = XENCONSOLE;
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(n, sizeof(n), "%d", num);
    execl(path, path, d, "--num", n, "--type", type, (char *)NULL);
    fprintf(stderr, "xl: cannot run %s: %s\n", path, strerror(errno));
    return 1;
}

int xl_create_from_params(struct pv_dom_params *p,
                          const struct xl_create_flags *f)
{
    struct pv_dom_timing tm;
    struct pv_hv hv;
    uint32_t domid;
    int lock, r;

    if (pv_uuid_is_null(p->uuid) && pv_uuid_generate(p->uuid)) {
        fprintf(stderr, "xl: cannot generate a uuid\n");
        return 1;
    }
    if (pv_hv_open(&hv))
        return 1;
    lock = pv_host_lock();
    if (lock < 0) {
        pv_hv_close(&hv);
        return 1;
    }
    r = pv_dom_create(&hv, p, &domid, &tm);
    pv_host_unlock(lock);
    if (r) {
        fprintf(stderr, "Failed to create domain \"%s\": nothing was left "
                "behind.\n", p->name ? p->name : "");
        pv_hv_close(&hv);
        return 1;
    }
    PV_INFO((int)domid, "created \"%s\": make+pre %.1f ms, build %.1f ms, "
            "xenstore %.1f ms, userdata %.1f ms, total %.1f ms", p->name,
            tm.create_ms, tm.build_ms, tm.xs_ms, tm.userdata_ms, tm.total_ms);
    if (!f->paused && xc_domain_unpause((xc_interface *)hv.xch, domid) < 0) {
        fprintf(stderr, "xl: cannot unpause domain %u: %s\n", domid,
                strerror(errno));
        pv_dom_destroy(&hv, domid);
        pv_hv_close(&hv);
        return 1;
    }
    pv_hv_close(&hv);

    if (f->foreground && !f->no_monitor)
        return pv_monitor_run(p, domid) ? 1 : 0;
    if (!f->no_monitor && pv_monitor_spawn(p, domid))
        fprintf(stderr, "xl: warning: domain %u is running without a "
                "monitor; on_poweroff/on_reboot actions will not happen\n",
                domid);
    if (f->console)
        return xl_console_exec(domid, "pv", 0);
    return 0;
}

/* ---- Interim config reader (replaced by the config model's front end) */

static char *cfg_value(char *v, const char *file, int line, int *err)
{
    char *e;

    while (isspace((unsigned char)*v))
        v++;
    if (*v == '"' || *v == '\'') {
        char q = *v++;
        e = strchr(v, q);
        if (!e) {
            fprintf(stderr, "%s:%d: unterminated string\n", file, line);
            *err = 1;
            return NULL;
        }
        *e = 0;
        return strdup(v);
    }
    if (*v == '[')
        return NULL;    /* lists (disk=, vif=) are not ours to read */
    for (e = v; *e && !isspace((unsigned char)*e) && *e != '#' && *e != ';'; e++)
        ;
    *e = 0;
    return strdup(v);
}

struct simple_cfg {
    char *root, *extra, *cmdline;
};

static int cfg_number(const char *key, const char *v, const char *file,
                      int line, uint64_t *out)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 0);

    if (!*v || *end) {
        fprintf(stderr, "%s:%d: %s: invalid number \"%s\"\n", file, line, key,
                v);
        return -1;
    }
    *out = n;
    return 0;
}

static int cfg_set(struct pv_dom_params *p, struct simple_cfg *sc,
                   const char *key, char *val, const char *file, int line)
{
    uint64_t n;
    char **slot = NULL;
    enum pv_dom_action *act = NULL;

    if (!strcmp(key, "name")) slot = &p->name;
    else if (!strcmp(key, "kernel")) slot = &p->kernel;
    else if (!strcmp(key, "ramdisk")) slot = &p->ramdisk;
    else if (!strcmp(key, "cmdline")) slot = &sc->cmdline;
    else if (!strcmp(key, "root")) slot = &sc->root;
    else if (!strcmp(key, "extra")) slot = &sc->extra;
    else if (!strcmp(key, "on_poweroff")) act = &p->on_poweroff;
    else if (!strcmp(key, "on_reboot")) act = &p->on_reboot;
    else if (!strcmp(key, "on_crash")) act = &p->on_crash;
    else if (!strcmp(key, "on_watchdog")) act = &p->on_watchdog;
    if (slot) {
        free(*slot);
        *slot = val;
        return 0;
    }
    if (act) {
        int r = pv_dom_action_parse(val, act);
        if (r)
            fprintf(stderr, "Unknown %s action \"%s\" specified\n", key, val);
        free(val);
        return r;
    }
    if (!strcmp(key, "type") || !strcmp(key, "builder")) {
        int r = 0;
        if (!strcmp(val, "pv") || !strcmp(val, "generic"))
            p->type = PV_DOM_PV;
        else if (!strcmp(val, "pvh"))
            p->type = PV_DOM_PVH;
        else {
            fprintf(stderr, "%s:%d: Invalid domain type \"%s\"\n", file, line,
                    val);
            r = -1;
        }
        free(val);
        return r;
    }
    if (!strcmp(key, "uuid")) {
        int r = pv_uuid_parse(val, p->uuid);
        if (r)
            fprintf(stderr, "%s:%d: Failed to parse UUID: %s\n", file, line,
                    val);
        free(val);
        return r;
    }
    if (!strcmp(key, "memory") || !strcmp(key, "maxmem") ||
        !strcmp(key, "vcpus") || !strcmp(key, "maxvcpus")) {
        int r = cfg_number(key, val, file, line, &n);
        free(val);
        if (r)
            return r;
        if (!strcmp(key, "memory")) p->target_kb = n * 1024;
        else if (!strcmp(key, "maxmem")) p->max_kb = n * 1024;
        else if (!strcmp(key, "vcpus")) p->avail_vcpus = n;
        else p->max_vcpus = n;
        return 0;
    }
    free(val);
    return 0;
}

static int cfg_line(struct pv_dom_params *p, struct simple_cfg *sc, char *s,
                    const char *file, int line, unsigned *seen)
{
    char *eq, *k, *ke, *val;
    int err = 0;

    while (isspace((unsigned char)*s))
        s++;
    if (!*s || *s == '#')
        return 0;
    eq = strchr(s, '=');
    if (!eq) {
        fprintf(stderr, "%s:%d: syntax error\n", file, line);
        return -1;
    }
    for (ke = eq; ke > s && isspace((unsigned char)ke[-1]); ke--)
        ;
    k = strndup(s, ke - s);
    val = cfg_value(eq + 1, file, line, &err);
    if (err) {
        free(k);
        return -1;
    }
    if (!strcmp(k, "memory")) *seen |= 1;
    if (!strcmp(k, "maxmem")) *seen |= 2;
    if (!strcmp(k, "vcpus")) *seen |= 4;
    if (!strcmp(k, "maxvcpus")) *seen |= 8;
    err = val ? cfg_set(p, sc, k, val, file, line) : 0;
    free(k);
    return err;
}

static int read_simple_cfg(const char *file, char **overrides, int n_over,
                           struct pv_dom_params *p)
{
    struct simple_cfg sc = { 0 };
    FILE *f = fopen(file, "re");
    char buf[4096];
    unsigned seen = 0;
    int line = 0, rc = 0, i;

    if (!f) {
        fprintf(stderr, "Failed to read config file: %s: %s\n", file,
                strerror(errno));
        return -1;
    }
    while (!rc && fgets(buf, sizeof(buf), f))
        rc = cfg_line(p, &sc, buf, file, ++line, &seen);
    fclose(f);
    for (i = 0; !rc && i < n_over; i++)
        rc = cfg_line(p, &sc, overrides[i], "<command line>", i + 1, &seen);
    if (!rc) {
        /* xl: maxmem defaults to memory, maxvcpus to vcpus */
        if ((seen & 1) && !(seen & 2))
            p->max_kb = p->target_kb;
        if ((seen & 4) && !(seen & 8))
            p->max_vcpus = p->avail_vcpus;
        if ((sc.cmdline || sc.root || sc.extra) &&
            !(p->cmdline = pv_dom_combine_cmdline(sc.cmdline, sc.root,
                                                  sc.extra)))
            rc = -1;
    }
    free(sc.cmdline);
    free(sc.root);
    free(sc.extra);
    return rc;
}

int main_create(int argc, char **argv) __attribute__((weak));
int main_create(int argc, char **argv)
{
    static const struct option opts[] = {
        { "quiet", no_argument, NULL, 'q' },
        { "defconfig", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct xl_create_flags fl = { 0 };
    struct pv_dom_params p;
    const char *file = NULL;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "Fnqf:pcde", opts, "create", 0,
                            &rc)) != -1) {
        switch (opt) {
        case -2: return rc;
        case 'f': file = optarg; break;
        case 'p': fl.paused = 1; break;
        case 'c': fl.console = 1; break;
        case 'F': fl.foreground = 1; break;
        case 'e': fl.no_monitor = 1; break;
        case 'q': fl.quiet = 1; break;
        case 'd': pv_log_set_level(PV_LOG_DEBUG); break;
        case 'n': break;
        }
    }
    if (!file && optind < argc && !strchr(argv[optind], '='))
        file = argv[optind++];
    if (!file) {
        fprintf(stderr, "Config file not specified\n");
        return 1;
    }
    pv_dom_params_init(&p);
    if (!fl.quiet)
        fprintf(stderr, "Parsing config from %s\n", file);
    if (read_simple_cfg(file, argv + optind, argc - optind, &p)) {
        pv_dom_params_dispose(&p);
        return 1;
    }
    rc = xl_create_from_params(&p, &fl);
    pv_dom_params_dispose(&p);
    return rc;
}
