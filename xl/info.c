/* xl info, list, domid, domname, uptime, dmesg: host and domain queries.
 *
 * Output is byte-for-byte the layout of Xen 4.17's xl (tools/xl/xl_info.c)
 * because scripts parse it; the e2e suite diffs it against Debian's xl on a
 * real host.  Everything comes from libxenctrl and xenstore directly. */
#include "xl/xl.h"
#include "xl/domain_list.h"
#include "libxl/bitmap_fmt.h"
#include "libxl/ctx.h"
#include "libxl/domain_query.h"
#include "libxl/log.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <dirent.h>

#define HELP_OPT { "help", no_argument, NULL, 'h' }
#define END_OPT { NULL, 0, NULL, 0 }

/* ------------------------------------------------------------------ info */

/* `xl info NAME` prints only the value of the line whose key starts with
 * NAME (xl's prefix match, kept for compatibility). */
static const char *info_only;

static void __attribute__((format(printf, 1, 2))) info_line(const char *fmt, ...)
{
    va_list ap;
    char *line = NULL, *colon;
    int r;

    va_start(ap, fmt);
    r = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (r < 0)
        return;
    if (!info_only) {
        fputs(line, stdout);
    } else if (!strncmp(line, info_only, strlen(info_only)) &&
               (colon = strchr(line, ':')) && colon[1] == ' ') {
        fputs(colon + 2, stdout);
    }
    free(line);
}

static const char *scheduler_name(int id)
{
    switch (id) {
    case XEN_SCHEDULER_CREDIT: return "credit";
    case XEN_SCHEDULER_CREDIT2: return "credit2";
    case XEN_SCHEDULER_ARINC653: return "arinc653";
    case XEN_SCHEDULER_RTDS: return "rtds";
    case XEN_SCHEDULER_NULL: return "null";
    default: return NULL;
    }
}

static void info_node(void)
{
    struct utsname u;

    if (uname(&u) < 0)
        return;
    info_line("host                   : %s\n", u.nodename);
    info_line("release                : %s\n", u.release);
    info_line("version                : %s\n", u.version);
    info_line("machine                : %s\n", u.machine);
}

static long sharing_or_zero(long v)
{
    /* Without memory sharing compiled in the hypercall says ENOSYS; xl
     * shows 0 then. */
    return (v < 0 && errno == ENOSYS) ? 0 : v;
}

static int info_phys(struct pv_ctx *ctx)
{
    xc_physinfo_t pi;
    xc_cpumap_t freemap;
    long freed, used;
    uint64_t per_mb;
    int pagesize, i, n = 0, mapsize;

    memset(&pi, 0, sizeof(pi));
    if (xc_physinfo(ctx->xch, &pi)) {
        fprintf(stderr, "libxl_physinfo failed.\n");
        return PV_ERROR_FAIL;
    }
    freed = sharing_or_zero(xc_sharing_freed_pages(ctx->xch));
    used = sharing_or_zero(xc_sharing_used_frames(ctx->xch));
    if (freed < 0 || used < 0) {
        fprintf(stderr, "libxl_physinfo failed.\n");
        return PV_ERROR_FAIL;
    }
    info_line("nr_cpus                : %u\n", pi.nr_cpus);
    info_line("max_cpu_id             : %u\n", pi.max_cpu_id);
    info_line("nr_nodes               : %u\n", pi.nr_nodes);
    info_line("cores_per_socket       : %u\n", pi.cores_per_socket);
    info_line("threads_per_core       : %u\n", pi.threads_per_core);
    info_line("cpu_mhz                : %u.%03u\n", pi.cpu_khz / 1000, pi.cpu_khz % 1000);
    info_line("hw_caps                : %08x:%08x:%08x:%08x:%08x:%08x:%08x:%08x\n",
              pi.hw_cap[0], pi.hw_cap[1], pi.hw_cap[2], pi.hw_cap[3],
              pi.hw_cap[4], pi.hw_cap[5], pi.hw_cap[6], pi.hw_cap[7]);
#define CAP(f) (pi.capabilities & XEN_SYSCTL_PHYSCAP_##f)
    info_line("virt_caps              :%s%s%s%s%s%s%s%s%s%s%s\n",
              CAP(pv) ? " pv" : "",
              CAP(hvm) ? " hvm" : "",
              CAP(hvm) && CAP(directio) ? " hvm_directio" : "",
              CAP(pv) && CAP(directio) ? " pv_directio" : "",
              CAP(hap) ? " hap" : "",
              CAP(shadow) ? " shadow" : "",
              CAP(iommu_hap_pt_share) ? " iommu_hap_pt_share" : "",
              CAP(vmtrace) ? " vmtrace" : "",
              CAP(vpmu) ? " vpmu" : "",
              CAP(gnttab_v1) ? " gnttab-v1" : "",
              CAP(gnttab_v2) ? " gnttab-v2" : "");
#undef CAP
    pagesize = xc_version(ctx->xch, XENVER_pagesize, NULL);
    if (pagesize > 0) {
        per_mb = (1u << 20) / (unsigned)pagesize;
        info_line("total_memory           : %" PRIu64 "\n", pi.total_pages / per_mb);
        info_line("free_memory            : %" PRIu64 "\n",
                  (pi.free_pages - pi.outstanding_pages) / per_mb);
        info_line("sharing_freed_memory   : %" PRIu64 "\n", (uint64_t)freed / per_mb);
        info_line("sharing_used_memory    : %" PRIu64 "\n", (uint64_t)used / per_mb);
        info_line("outstanding_claims     : %" PRIu64 "\n", pi.outstanding_pages / per_mb);
    }
    freemap = xc_cpupool_freeinfo(ctx->xch);
    mapsize = xc_get_cpumap_size(ctx->xch);
    if (freemap && mapsize > 0) {
        for (i = 0; i < mapsize * 8; i++)
            if (freemap[i / 8] & (1u << (i % 8)))
                n++;
        info_line("free_cpus              : %d\n", n);
    }
    free(freemap);
    return 0;
}

static void info_cpu_topology(struct pv_ctx *ctx)
{
    xc_cputopo_t *topo = NULL;
    unsigned n = 0, i;

    if (xc_cputopoinfo(ctx->xch, &n, NULL) || !n ||
        !(topo = calloc(n, sizeof(*topo))) || xc_cputopoinfo(ctx->xch, &n, topo)) {
        fprintf(stderr, "libxl_get_cpu_topology failed.\n");
        free(topo);
        return;
    }
    printf("cpu_topology           :\n");
    printf("cpu:    core    socket     node\n");
    for (i = 0; i < n; i++)
        if (topo[i].core != XEN_INVALID_CORE_ID)
            printf("%3u:    %4u     %4u     %4u\n", i, topo[i].core,
                   topo[i].socket, topo[i].node);
    free(topo);
}

/* PCI devices as dom0's sysfs lists them, as libxl enumerates them. */
static void info_pci_topology(struct pv_ctx *ctx)
{
    physdev_pci_device_t *devs = NULL, *grown;
    uint32_t *nodes = NULL;
    unsigned n = 0, i, seg, bus, dev, fn;
    int valid = 0;
    struct dirent *de;
    DIR *d;

    d = opendir("/sys/bus/pci/devices");
    while (d && (de = readdir(d))) {
        if (sscanf(de->d_name, "%x:%x:%x.%u", &seg, &bus, &dev, &fn) != 4)
            continue;
        grown = realloc(devs, (n + 1) * sizeof(*devs));
        if (!grown)
            break;
        devs = grown;
        devs[n].seg = seg;
        devs[n].bus = bus;
        devs[n].devfn = (dev << 3) | (fn & 7);
        n++;
    }
    if (d)
        closedir(d);
    if (n && !(nodes = calloc(n, sizeof(*nodes)))) {
        free(devs);
        return;
    }
    if (n && xc_pcitopoinfo(ctx->xch, n, devs, nodes)) {
        fprintf(stderr, "libxl_get_pci_topology failed.\n");
        goto out;
    }
    printf("device topology        :\n");
    printf("device           node\n");
    for (i = 0; i < n; i++) {
        if (nodes[i] == XEN_INVALID_NODE_ID || nodes[i] == XEN_INVALID_DEV)
            continue;
        printf("%04x:%02x:%02x.%01x      %u\n", devs[i].seg, devs[i].bus,
               (devs[i].devfn >> 3) & 0x1f, devs[i].devfn & 7, nodes[i]);
        valid++;
    }
    if (!valid)
        printf("No device topology data available\n");
out:
    free(nodes);
    free(devs);
}

static void info_numa(struct pv_ctx *ctx)
{
    xc_meminfo_t *mem = NULL;
    uint32_t *dist = NULL;
    unsigned n = 0, i, j;

    if (xc_numainfo(ctx->xch, &n, NULL, NULL) || !n ||
        !(mem = calloc(n, sizeof(*mem))) || !(dist = calloc((size_t)n * n, sizeof(*dist))) ||
        xc_numainfo(ctx->xch, &n, mem, dist)) {
        fprintf(stderr, "libxl_get_numainfo failed.\n");
        goto out;
    }
    printf("numa_info              :\n");
    printf("node:    memsize    memfree    distances\n");
    for (i = 0; i < n; i++) {
        if (mem[i].memsize == XEN_INVALID_MEM_SZ)
            continue;
        printf("%4u:    %6" PRIu64 "     %6" PRIu64 "      %u", i,
               (uint64_t)mem[i].memsize >> 20, (uint64_t)mem[i].memfree >> 20,
               dist[i * n]);
        for (j = 1; j < n; j++)
            printf(",%u", dist[i * n + j]);
        printf("\n");
    }
out:
    free(dist);
    free(mem);
}

static int build_id_hex(struct pv_ctx *ctx, int pagesize, char **out)
{
    xen_build_id_t *b;
    size_t cap = pagesize > 0 ? (size_t)pagesize : 4096;
    int r, i;

    *out = NULL;
    b = calloc(1, cap);
    if (!b)
        return PV_ERROR_NOMEM;
    b->len = cap - sizeof(*b);
    r = xc_version(ctx->xch, XENVER_build_id, b);
    if (r > 0) {
        *out = calloc(2 * (size_t)r + 1, 1);
        if (*out)
            for (i = 0; i < r; i++)
                snprintf(*out + 2 * i, 3, "%02hhx", b->buf[i]);
    } else {
        *out = strdup("");
    }
    free(b);
    return *out ? 0 : PV_ERROR_NOMEM;
}

static int info_xen(struct pv_ctx *ctx)
{
    xen_extraversion_t extra;
    xen_compile_info_t cc;
    xen_changeset_info_t chg;
    xen_capabilities_info_t caps;
    xen_platform_parameters_t pp;
    xen_commandline_t cmdline;
    const char *sched;
    char *build_id = NULL;
    long ver;
    int sched_id, pagesize;

    memset(&extra, 0, sizeof(extra));
    memset(&cc, 0, sizeof(cc));
    memset(&chg, 0, sizeof(chg));
    memset(&caps, 0, sizeof(caps));
    memset(&pp, 0, sizeof(pp));
    memset(&cmdline, 0, sizeof(cmdline));
    ver = xc_version(ctx->xch, XENVER_version, NULL);
    if (ver < 0) {
        fprintf(stderr, "libxl_get_version_info failed.\n");
        return PV_ERROR_FAIL;
    }
    xc_version(ctx->xch, XENVER_extraversion, &extra);
    xc_version(ctx->xch, XENVER_compile_info, &cc);
    xc_version(ctx->xch, XENVER_capabilities, &caps);
    xc_version(ctx->xch, XENVER_changeset, &chg);
    xc_version(ctx->xch, XENVER_platform_parameters, &pp);
    xc_version(ctx->xch, XENVER_commandline, &cmdline);
    pagesize = xc_version(ctx->xch, XENVER_pagesize, NULL);
    if (xc_sched_id(ctx->xch, &sched_id)) {
        fprintf(stderr, "get_scheduler sysctl failed.\n");
        return PV_ERROR_FAIL;
    }
    sched = scheduler_name(sched_id);
    build_id_hex(ctx, pagesize, &build_id);

    /* The hypervisor fills fixed-size arrays; terminate defensively. */
    extra[sizeof(extra) - 1] = 0;
    caps[sizeof(caps) - 1] = 0;
    chg[sizeof(chg) - 1] = 0;
    cmdline[sizeof(cmdline) - 1] = 0;
    cc.compiler[sizeof(cc.compiler) - 1] = 0;
    cc.compile_by[sizeof(cc.compile_by) - 1] = 0;
    cc.compile_domain[sizeof(cc.compile_domain) - 1] = 0;
    cc.compile_date[sizeof(cc.compile_date) - 1] = 0;

    info_line("xen_major              : %ld\n", ver >> 16);
    info_line("xen_minor              : %ld\n", ver & 0xff);
    info_line("xen_extra              : %s\n", extra);
    info_line("xen_version            : %ld.%ld%s\n", ver >> 16, ver & 0xff, extra);
    info_line("xen_caps               : %s\n", caps);
    info_line("xen_scheduler          : %s\n", sched ? sched : "(null)");
    info_line("xen_pagesize           : %d\n", pagesize);
    info_line("platform_params        : virt_start=0x%" PRIx64 "\n", (uint64_t)pp.virt_start);
    info_line("xen_changeset          : %s\n", chg);
    info_line("xen_commandline        : %s\n", cmdline);
    info_line("cc_compiler            : %s\n", cc.compiler);
    info_line("cc_compile_by          : %s\n", cc.compile_by);
    info_line("cc_compile_domain      : %s\n", cc.compile_domain);
    info_line("cc_compile_date        : %s\n", cc.compile_date);
    info_line("build_id               : %s\n", build_id ? build_id : "");
    free(build_id);
    return 0;
}

int main_info(int argc, char **argv)
{
    static const struct option opts[] = {
        { "numa", no_argument, NULL, 'n' }, HELP_OPT, END_OPT,
    };
    struct pv_ctx ctx;
    int opt, rc = 0, numa = 0;

    while ((opt = xl_getopt(argc, argv, "n", opts, "info", 0, &rc)) != -1) {
        if (opt == -2)
            return rc;
        if (opt == 'n')
            numa = 1;
    }
    info_only = (!numa && optind < argc) ? argv[optind] : NULL;
    if (pv_ctx_open(&ctx, PV_CTX_XC))
        return EXIT_FAILURE;
    info_node();
    info_phys(&ctx);
    if (numa) {
        info_cpu_topology(&ctx);
        info_pci_topology(&ctx);
        info_numa(&ctx);
    }
    info_xen(&ctx);
    info_line("xend_config_format     : 4\n");
    pv_ctx_close(&ctx);
    return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ list */

/* Resolve a <Domain> argument the way xl's find_domain does, including its
 * message on failure.  Returns 0 or EXIT_FAILURE. */
static int find_domain(struct pv_ctx *ctx, const char *q, uint32_t *domid)
{
    int rc = pv_domain_qualifier(ctx, q, domid);

    if (rc) {
        /* libxl reports an unknown name as ERROR_INVAL; scripts match on
         * the whole message, so quote the same code. */
        if (rc == PV_ERROR_DOMAIN_NOTFOUND)
            rc = PV_ERROR_INVAL;
        fprintf(stderr, "%s is an invalid domain identifier (rc=%d)\n", q, rc);
        return EXIT_FAILURE;
    }
    return 0;
}

/* NUMA node affinity for xl list -n; NR_NODES from physinfo. */
static void list_node_affinity(struct pv_ctx *ctx, uint32_t domid, int nr_nodes)
{
    xc_nodemap_t map;
    char buf[256];
    int size = xc_get_nodemap_size(ctx->xch);

    putchar(' ');
    map = size > 0 ? calloc(1, (size_t)size) : NULL;
    if (map && !xc_domain_node_getaffinity(ctx->xch, domid, map))
        fputs(pv_bitmap_format(map, nr_nodes, buf, sizeof(buf)), stdout);
    else
        fputs("none", stdout);
    free(map);
}

static void list_one(struct pv_ctx *ctx, const struct pv_dominfo *d,
                     int verbose, int context, int cpupool, int nr_nodes)
{
    static const char reason_letters[] = "-rscwS";
    unsigned reason = d->shutdown ? d->shutdown_reason : 0;
    char *name = pv_domain_name(ctx, d->domid);
    char uuid[37];

    printf("%-40s %5u %5lu %5u     %c%c%c%c%c%c  %8.1f",
           name ? name : "(null)", d->domid,
           (unsigned long)((d->current_memkb + d->outstanding_memkb) / 1024),
           d->vcpu_online,
           d->running ? 'r' : '-', d->blocked ? 'b' : '-',
           d->paused ? 'p' : '-', d->shutdown ? 's' : '-',
           reason < sizeof(reason_letters) - 1 ? reason_letters[reason] : '?',
           d->dying ? 'd' : '-', (float)d->cpu_time_ns / 1e9);
    free(name);
    if (verbose) {
        pv_uuid_format(d->uuid, uuid);
        printf(" %s", uuid);
        if (d->shutdown)
            printf(" %8x", reason);
        else
            printf(" %8s", "-");
    }
    /* No XSM/FLASK policy in our hosts: the label is always "-". */
    if (verbose || context)
        printf(" %16s", "-");
    if (cpupool) {
        char *pool = pv_cpupool_name(ctx, d->cpupool);

        printf("%16s", pool ? pool : "(null)");
        free(pool);
    }
    if (nr_nodes >= 0)
        list_node_affinity(ctx, d->domid, nr_nodes);
    putchar('\n');
}

int main_list(int argc, char **argv)
{
    static const struct option opts[] = {
        { "long", no_argument, NULL, 'l' },
        { "verbose", no_argument, NULL, 'v' },
        { "context", no_argument, NULL, 'Z' },
        { "cpupool", no_argument, NULL, 'c' },
        { "numa", no_argument, NULL, 'n' },
        HELP_OPT, END_OPT,
    };
    struct pv_ctx ctx;
    struct pv_dominfo one, *list = NULL;
    int opt, rc = 0, n = 0, i, verbose = 0, context = 0, cpupool = 0;
    int numa = 0, nr_nodes = -1, long_json = 0;
    xc_physinfo_t pi;
    uint32_t domid;

    while ((opt = xl_getopt(argc, argv, "lvZcn", opts, "list", 0, &rc)) != -1) {
        switch (opt) {
        case -2: return rc;
        case 'v': verbose = 1; break;
        case 'Z': context = 1; break;
        case 'c': cpupool = 1; break;
        case 'l':
            if (!xl_list_long) {
                fprintf(stderr, "xl list -l: not supported yet (needs the stored domain configuration)\n");
                return EXIT_FAILURE;
            }
            long_json = 1;
            break;
        case 'n': numa = 1; break;
        }
    }
    if (argc - optind > 1) {
        xl_help("list");
        return EXIT_FAILURE;
    }
    if (pv_ctx_open(&ctx, PV_CTX_XC | PV_CTX_XS))
        return EXIT_FAILURE;
    rc = EXIT_FAILURE;
    if (optind < argc) {
        if (find_domain(&ctx, argv[optind], &domid))
            goto out;
        i = pv_domain_info(&ctx, domid, &one);
        if (i == PV_ERROR_DOMAIN_NOTFOUND) {
            fprintf(stderr, "Error: Domain '%s' does not exist.\n", argv[optind]);
            goto out;
        }
        if (i) {
            fprintf(stderr, "libxl_domain_info failed (code %d).\n", i);
            goto out;
        }
        list = &one;
        n = 1;
    } else if (pv_domain_list(&ctx, &list, &n)) {
        fprintf(stderr, "libxl_list_domain failed.\n");
        goto out;
    }
    if (long_json) {
        uint32_t *ids = calloc(n ? n : 1, sizeof(*ids));

        if (!ids)
            goto out;
        for (i = 0; i < n; i++)
            ids[i] = list[i].domid;
        rc = xl_list_long(NULL, ids, n, stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
        free(ids);
        goto out;
    }
    printf("Name                                        ID   Mem VCPUs\tState\tTime(s)");
    if (verbose)
        printf("   UUID                            Reason-Code\tSecurity Label");
    if (context && !verbose)
        printf("   Security Label");
    if (cpupool)
        printf("         Cpupool");
    if (numa) {
        memset(&pi, 0, sizeof(pi));
        if (xc_physinfo(ctx.xch, &pi)) {
            fprintf(stderr, "libxl_physinfo failed.\n");
            goto out;
        }
        nr_nodes = (int)pi.nr_nodes;
        printf(" NODE Affinity");
    }
    printf("\n");
    for (i = 0; i < n; i++)
        list_one(&ctx, &list[i], verbose, context, cpupool, nr_nodes);
    rc = EXIT_SUCCESS;
out:
    if (list != &one)
        free(list);
    pv_ctx_close(&ctx);
    return rc;
}

/* ------------------------------------------------------- domid / domname */

int main_domid(int argc, char **argv)
{
    struct pv_ctx ctx;
    uint32_t domid;
    int opt, rc = 0;

    while ((opt = xl_getopt(argc, argv, "", NULL, "domid", 1, &rc)) != -1)
        if (opt == -2)
            return rc;
    if (pv_ctx_open(&ctx, PV_CTX_XC | PV_CTX_XS))
        return EXIT_FAILURE;
    rc = pv_domain_by_name(&ctx, argv[optind], &domid);
    pv_ctx_close(&ctx);
    if (rc) {
        fprintf(stderr, "Can't get domid of domain name '%s', maybe this domain does not exist.\n",
                argv[optind]);
        return EXIT_FAILURE;
    }
    printf("%u\n", domid);
    return EXIT_SUCCESS;
}

int main_domname(int argc, char **argv)
{
    struct pv_ctx ctx;
    char *end, *name;
    unsigned long id;
    int opt, rc = 0;

    while ((opt = xl_getopt(argc, argv, "", NULL, "domname", 1, &rc)) != -1)
        if (opt == -2)
            return rc;
    id = strtoul(argv[optind], &end, 10);
    if (end == argv[optind]) {
        fprintf(stderr, "Invalid domain id.\n\n");
        return EXIT_FAILURE;
    }
    if (pv_ctx_open(&ctx, PV_CTX_XS))
        return EXIT_FAILURE;
    name = pv_domain_name(&ctx, (uint32_t)id);
    pv_ctx_close(&ctx);
    if (!name) {
        fprintf(stderr, "Can't get domain name of domain id '%u', maybe this domain does not exist.\n",
                (uint32_t)id);
        return EXIT_FAILURE;
    }
    printf("%s\n", name);
    free(name);
    return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- uptime */

static void format_uptime(unsigned long up, int short_mode, char *buf, size_t len)
{
    unsigned long day = up / 86400, hour = up % 86400 / 3600;
    unsigned long min = up % 3600 / 60, sec = up % 60;
    const char *days = day == 1 ? "day" : "days";

    if (short_mode) {
        if (day)
            snprintf(buf, len, "%lu %s, %2lu:%02lu", day, days, hour, min);
        else
            snprintf(buf, len, "%2lu:%02lu", hour, min);
    } else {
        if (day)
            snprintf(buf, len, "%lu %s, %2lu:%02lu:%02lu", day, days, hour, min, sec);
        else
            snprintf(buf, len, "%2lu:%02lu:%02lu", hour, min, sec);
    }
}

static void uptime_line(struct pv_ctx *ctx, uint32_t domid, unsigned long up,
                        int short_mode, time_t now)
{
    char *name = pv_domain_name(ctx, domid);
    char ups[64], nows[32] = "";
    struct tm tm;

    format_uptime(up, short_mode, ups, sizeof(ups));
    if (short_mode) {
        if (localtime_r(&now, &tm))
            strftime(nows, sizeof(nows), "%H:%M:%S", &tm);
        printf(" %s up %s, %s (%u)\n", nows, ups, name ? name : "(null)", domid);
    } else {
        printf("%-33s %4u %s\n", name ? name : "(null)", domid, ups);
    }
    free(name);
}

static int uptime_of(struct pv_ctx *ctx, uint32_t domid, int short_mode, time_t now)
{
    unsigned long start, up;
    FILE *f;
    double secs;

    if (domid == 0) {
        /* dom0's start is the host's boot: its own uptime. */
        f = fopen("/proc/uptime", "r");
        if (!f || fscanf(f, "%lf", &secs) != 1) {
            if (f)
                fclose(f);
            fprintf(stderr, "Can not get Dom0 uptime.\n");
            return EXIT_FAILURE;
        }
        fclose(f);
        up = (unsigned long)secs;
    } else {
        if (pv_domain_start_time(ctx, domid, &start)) {
            PV_ERR((int)domid, "Can't get start time of domain");
            return 0;
        }
        up = (unsigned long)now - start;
    }
    uptime_line(ctx, domid, up, short_mode, now);
    return 0;
}

int main_uptime(int argc, char **argv)
{
    struct pv_ctx ctx;
    struct pv_dominfo *list = NULL;
    uint32_t domid;
    int opt, rc = 0, short_mode = 0, n = 0, i;
    time_t now;

    while ((opt = xl_getopt(argc, argv, "s", NULL, "uptime", 0, &rc)) != -1) {
        if (opt == -2)
            return rc;
        if (opt == 's')
            short_mode = 1;
    }
    if (pv_ctx_open(&ctx, PV_CTX_XC | PV_CTX_XS))
        return EXIT_FAILURE;
    now = time(NULL);
    rc = EXIT_FAILURE;
    if (!short_mode)
        printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
    if (optind >= argc) {
        if (uptime_of(&ctx, 0, short_mode, now))
            goto out;
        if (pv_domain_list(&ctx, &list, &n)) {
            fprintf(stderr, "Could not list vms.\n");
            goto out;
        }
        for (i = 0; i < n; i++)
            if (list[i].domid != 0 && uptime_of(&ctx, list[i].domid, short_mode, now))
                goto out;
    } else {
        for (i = optind; i < argc; i++) {
            if (find_domain(&ctx, argv[i], &domid) ||
                uptime_of(&ctx, domid, short_mode, now))
                goto out;
        }
    }
    rc = EXIT_SUCCESS;
out:
    free(list);
    pv_ctx_close(&ctx);
    return rc;
}

/* ----------------------------------------------------------------- dmesg */

int main_dmesg(int argc, char **argv)
{
    static const struct option opts[] = {
        { "clear", no_argument, NULL, 'c' }, HELP_OPT, END_OPT,
    };
    struct pv_ctx ctx;
    char buf[16384];
    unsigned int count;
    uint32_t index = 0;
    int opt, rc = 0, clear = 0;

    while ((opt = xl_getopt(argc, argv, "c", opts, "dmesg", 0, &rc)) != -1) {
        if (opt == -2)
            return rc;
        if (opt == 'c')
            clear = 1;
    }
    if (pv_ctx_open(&ctx, PV_CTX_XC))
        return EXIT_FAILURE;
    rc = EXIT_SUCCESS;
    /* Incremental reads walk the ring from the oldest byte; the clear, if
     * asked for, happens with the first read as libxl does. */
    for (;;) {
        count = sizeof(buf) - 1;
        if (xc_readconsolering(ctx.xch, buf, &count, clear, 1, &index)) {
            fprintf(stderr, "reading the Xen console ring failed: %s\n", strerror(errno));
            rc = EXIT_FAILURE;
            break;
        }
        if (!count)
            break;
        fwrite(buf, 1, count, stdout);
    }
    pv_ctx_close(&ctx);
    return rc;
}
