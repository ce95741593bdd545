/* vCPU commands: vcpu-set, vcpu-list, vcpu-pin, with Xen 4.17 xl's output
 * formats (tools/xl/xl_vcpu.c).  The scheduler commands are xl/sched.c. */
#include "xl/domain_cmd.h"
#include "xl/xl.h"
#include "libxl/dom_sched.h"
#include "libxl/log.h"
#include "libxl/xlconf.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

static xc_interface *XCH(struct pv_hv *hv) { return (xc_interface *)hv->xch; }

static int host_cpus(struct pv_hv *hv)
{
    xc_physinfo_t info = { 0 };

    if (xc_physinfo(XCH(hv), &info) < 0)
        return -1;
    return info.max_cpu_id + 1;
}

int main_vcpuset(int argc, char **argv)
{
    static const struct option opts[] = {
        { "ignore-host", no_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct pv_hv hv;
    xc_domaininfo_t info;
    unsigned long n;
    uint32_t domid;
    char *end;
    int opt, rc, check_host = 1;

    while ((opt = xl_getopt(argc, argv, "i", opts, "vcpu-set", 2, &rc)) != -1) {
        if (opt == -2)
            return rc;
        if (opt == 'i')
            check_host = 0;
    }
    if (xl_open(&hv))
        return 1;
    rc = 1;
    if (xl_find_domain(&hv, argv[optind], &domid))
        goto out;
    n = strtoul(argv[optind + 1], &end, 10);
    if (end == argv[optind + 1] || *end || n > INT_MAX) {
        fprintf(stderr, "Error: Invalid argument.\n");
        goto out;
    }
    if (check_host &&
        xc_domain_getinfolist(XCH(&hv), domid, 1, &info) == 1) {
        int cpus = host_cpus(&hv);
        unsigned online = 0, i;

        for (i = 0; i <= info.max_vcpu_id; i++) {
            xc_vcpuinfo_t vi;
            if (xc_vcpu_getinfo(XCH(&hv), domid, i, &vi) == 0 && vi.online)
                online++;
        }
        if (cpus > 0 && n > online && n > (unsigned long)cpus) {
            fprintf(stderr, "You are overcommmitting! You have %d physical"
                    " CPUs and want %ld vCPUs! Aborting, use --ignore-host to"
                    " continue\n", cpus, (long)n);
            goto out;
        }
    }
    if (pv_dom_vcpu_set(&hv, domid, n)) {
        fprintf(stderr, "libxl_set_vcpuonline failed domid=%u max_vcpus=%ld,"
                " rc: -3\n", domid, (long)n);
        goto out;
    }
    rc = 0;
out:
    pv_hv_close(&hv);
    return rc;
}

/* xl's print_bitmap: "all", "none" or ranges "0-2,5". */
static void print_cpumap(const uint8_t *map, int nbits)
{
    int i, first = -1, any = 0, all = 1;

    for (i = 0; i < nbits; i++)
        if (!(map[i / 8] & (1 << (i % 8))))
            all = 0;
    if (all && nbits > 0) {
        printf("all");
        return;
    }
    for (i = 0; i <= nbits; i++) {
        int set = i < nbits && (map[i / 8] & (1 << (i % 8)));

        if (set && first < 0) {
            first = i;
        } else if (!set && first >= 0) {
            printf("%s%d", any ? "," : "", first);
            if (i - 1 > first)
                printf("-%d", i - 1);
            any = 1;
            first = -1;
        }
    }
    if (!any)
        printf("none");
}

static void list_domain_vcpus(struct pv_hv *hv, uint32_t domid, int nr_cpus)
{
    xc_domaininfo_t info;
    int mapsz = (nr_cpus + 7) / 8;
    uint8_t *hard = calloc(1, mapsz + 8), *soft = calloc(1, mapsz + 8);
    char *name = pv_dom_name(hv, domid);
    unsigned v;

    if (!hard || !soft ||
        xc_domain_getinfolist(XCH(hv), domid, 1, &info) != 1 ||
        info.domain != domid)
        goto out;
    for (v = 0; v <= info.max_vcpu_id; v++) {
        xc_vcpuinfo_t vi;

        if (xc_vcpu_getinfo(XCH(hv), domid, v, &vi) < 0)
            continue;
        memset(hard, 0, mapsz);
        memset(soft, 0, mapsz);
        xc_vcpu_getaffinity(XCH(hv), domid, v, hard, soft,
                            XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT);
        printf("%-32s %5u %5u", name ? name : "", domid, v);
        if (!vi.online)
            printf("%5c %3c%cp ", '-', '-', '-');
        else
            printf("%5u %3c%c- ", vi.cpu, vi.running ? 'r' : '-',
                   vi.blocked ? 'b' : '-');
        printf("%9.1f  ", (float)vi.cpu_time / 1e9);
        print_cpumap(hard, nr_cpus);
        printf(" / ");
        print_cpumap(soft, nr_cpus);
        printf("\n");
    }
out:
    free(name);
    free(hard);
    free(soft);
}

int main_vcpulist(int argc, char **argv)
{
    struct pv_hv hv;
    int opt, rc, nr_cpus, i;

    while ((opt = xl_getopt(argc, argv, "", NULL, "vcpu-list", 0, &rc)) != -1)
        if (opt == -2)
            return rc;
    if (xl_open(&hv))
        return 1;
    nr_cpus = host_cpus(&hv);
    if (nr_cpus < 0) {
        fprintf(stderr, "libxl_physinfo failed.\n");
        pv_hv_close(&hv);
        return 1;
    }
    printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU",
           "State", "Time(s)", "Affinity (Hard / Soft)");
    rc = 0;
    if (optind >= argc) {
        xc_domaininfo_t info[1024];
        int n = xc_domain_getinfolist(XCH(&hv), 0, 1024, info);

        for (i = 0; i < n; i++)
            list_domain_vcpus(&hv, info[i].domain, nr_cpus);
    } else {
        for (i = optind; i < argc; i++) {
            uint32_t domid;

            if (xl_find_domain(&hv, argv[i], &domid)) {
                rc = 1;
                break;
            }
            list_domain_vcpus(&hv, domid, nr_cpus);
        }
    }
    pv_hv_close(&hv);
    return rc;
}

/* "-" (leave alone: returns 1) or a CPU list with xl's parse_cpurange
 * grammar ("all", "0-3,^2", "nodes:0"), items applied left to right from
 * an empty map, into MAP (NBITS bits).  The topology is the host's, as
 * xl's libxl asks Xen. */
static int parse_cpulist(const char *s, uint8_t *map, int nbits)
{
    struct pv_cpu_topology topo = { (unsigned)nbits, 1, NULL, NULL };
    struct pv_bitmap b = { 0, NULL };
    char err[256];
    int rc = -1;

    if (!strcmp(s, "-"))
        return 1;
    pv_sched_host_topology(&topo);      /* else: nbits CPUs, one node */
    if (pv_bitmap_alloc(&b, topo.max_cpus))
        return -1;
    if (pv_cpulist_parse(s, &b, &topo, err, sizeof(err))) {
        fprintf(stderr, "Invalid pcpu range: %s (%s).\n", s, err);
        goto out;
    }
    memset(map, 0, (size_t)(nbits + 7) / 8);
    memcpy(map, b.map, b.size < (uint32_t)(nbits + 7) / 8
                       ? b.size : (uint32_t)(nbits + 7) / 8);
    rc = 0;
out:
    pv_bitmap_dispose(&b);
    return rc;
}

/* xl.conf's vm.cpumask and vm.pv/hvm.cpumask on the hard map of vcpu-pin
 * (xl 4.17 reads xl.conf at start-up for every command; ours only where it
 * matters).  PV: the domain is PV.  Returns 0, or 1 after printing why. */
static int pin_mask_hard(uint8_t *hard, int nr_cpus, bool pv)
{
    const char *path = getenv("PVSTACK_XL_CONF");
    const char *env = getenv("PVSTACK_HOST_CPUS");
    struct pv_bitmap b = { 0, NULL };
    struct pv_xl_conf conf;
    size_t bytes = (size_t)(nr_cpus + 7) / 8;
    int rc = 1, r;

    pv_xl_conf_init(&conf);
    if (pv_xl_conf_load(&conf, path ? path : PV_XL_CONF_PATH, stderr))
        goto out;
    if (!conf.vm_cpumask && !(pv ? conf.vm_pv_cpumask : conf.vm_hvm_cpumask)) {
        rc = 0;     /* nothing to narrow: no hypercall, no parse */
        goto out;
    }
    if (!(env && atoi(env) > 0))
        pv_sched_host_topology(&conf.parse.topo);
    if (pv_bitmap_alloc(&b, (unsigned)nr_cpus))
        goto out;
    memcpy(b.map, hard, bytes < b.size ? bytes : b.size);
    r = pv_xl_conf_mask_hard(&conf, pv, &b, stderr);
    if (r < 0)
        goto out;
    if (r) {
        fprintf(stderr, "vcpu hard affinity map is empty\n");
        goto out;
    }
    memcpy(hard, b.map, bytes < b.size ? bytes : b.size);
    rc = 0;
out:
    pv_bitmap_dispose(&b);
    pv_xl_conf_dispose(&conf);
    return rc;
}

int main_vcpupin(int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, 'f' },
        { "ignore-global-affinity-masks", no_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct pv_hv hv;
    xc_domaininfo_t info;
    uint8_t *hard = NULL, *soft = NULL;
    int opt, rc, nr_cpus, skip_hard, skip_soft = 1, flags = 0, failed = 0;
    long vcpuid;
    unsigned v, first, last;
    uint32_t domid;
    const char *vs;
    char *end;
    bool ignore_masks = false, force = false;

    while ((opt = xl_getopt(argc, argv, "fi", opts, "vcpu-pin", 3,
                            &rc)) != -1) {
        if (opt == -2)
            return rc;
        if (opt == 'i')
            ignore_masks = true;
        if (opt == 'f')
            force = true;
    }
    if (xl_open(&hv))
        return 1;
    rc = 1;
    if (xl_find_domain(&hv, argv[optind], &domid))
        goto out;
    nr_cpus = host_cpus(&hv);
    hard = calloc(1, (nr_cpus + 7) / 8 + 8);
    soft = calloc(1, (nr_cpus + 7) / 8 + 8);
    if (nr_cpus <= 0 || !hard || !soft ||
        xc_domain_getinfolist(XCH(&hv), domid, 1, &info) != 1)
        goto out;
    /* xl's parse: strtol's leading number, or "all" */
    vs = argv[optind + 1];
    vcpuid = strtol(vs, &end, 10);
    if (end == vs || vcpuid < 0) {
        if (strcmp(vs, "all")) {
            fprintf(stderr, "Error: Invalid argument %s as VCPU.\n", vs);
            goto out;
        }
        if (force) {
            fprintf(stderr, "Error: --force and 'all' as VCPU not allowed.\n");
            goto out;
        }
        vcpuid = -1;
        first = 0;
        last = info.max_vcpu_id;
    } else {
        first = last = (unsigned)vcpuid;
    }
    skip_hard = parse_cpulist(argv[optind + 2], hard, nr_cpus);
    if (skip_hard < 0)
        goto out;
    if (optind + 3 < argc) {
        skip_soft = parse_cpulist(argv[optind + 3], soft, nr_cpus);
        if (skip_soft < 0)
            goto out;
    }
    if (skip_hard && skip_soft) {
        fprintf(stderr, "Error: Invalid argument.\n");
        goto out;
    }
    /* only the hard affinity is narrowed; PVH counts as HVM */
    if (!skip_hard && !ignore_masks &&
        pin_mask_hard(hard, nr_cpus,
                      !(info.flags & XEN_DOMINF_hvm_guest)))
        goto out;
    if (!skip_hard)
        flags |= XEN_VCPUAFFINITY_HARD;
    if (!skip_soft)
        flags |= XEN_VCPUAFFINITY_SOFT;
    /* --force breaks a temporary pin Xen holds on the vCPU */
    if (force)
        flags |= XEN_VCPUAFFINITY_FORCE;
    for (v = first; v <= last; v++) {
        if (xc_vcpu_setaffinity(XCH(&hv), domid, v, hard, soft, flags) < 0) {
            fprintf(stderr, "Setting vcpu affinity: %s\n", strerror(errno));
            failed = 1;
        }
    }
    /* As xl 4.17: one vCPU that could not be set fails the command; for
     * "all" the failure is reported and the exit status stays 0. */
    if (failed && vcpuid >= 0) {
        fprintf(stderr, "Could not set affinity for vcpu `%ld'.\n", vcpuid);
        goto out;
    }
    if (failed)
        fprintf(stderr, "Could not set affinity.\n");
    rc = 0;
out:
    free(hard);
    free(soft);
    pv_hv_close(&hv);
    return rc;
}
