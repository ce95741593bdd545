/* Domain control commands: destroy, shutdown, reboot, pause, unpause,
 * rename, console, mem-set, mem-max.  Options, messages and exit codes
 * follow Xen 4.17's xl (tools/xl/xl_vmcontrol.c, xl_mem.c, xl_console.c). */
#include "xl/domain_cmd.h"
#include "xl/domain_create.h"
#include "xl/xl.h"
#include "libxl/log.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

int main_destroy(int argc, char **argv)
{
    struct pv_hv hv;
    uint32_t domid;
    int opt, rc, force = 0;

    while ((opt = xl_getopt(argc, argv, "f", NULL, "destroy", 1, &rc)) != -1) {
        if (opt == -2)
            return rc;
        if (opt == 'f')
            force = 1;
    }
    if (xl_open(&hv))
        return 1;
    rc = 1;
    if (xl_find_domain(&hv, argv[optind], &domid))
        goto out;
    if (domid == 0 && !force) {
        fprintf(stderr, "Not destroying domain 0; use -f to force.\n"
                "This can only be done when using a disaggregated "
                "hardware domain and toolstack.\n\n");
        goto out;
    }
    if (pv_dom_destroy(&hv, domid)) {
        fprintf(stderr, "destroy failed (rc=-3)\n");
        goto out;
    }
    rc = 0;
out:
    pv_hv_close(&hv);
    return rc;
}

static int shutdown_or_reboot(int argc, char **argv, int reboot)
{
    static const struct option opts[] = {
        { "all", no_argument, NULL, 'a' },
        { "wait", no_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *what = reboot ? "reboot" : "shutdown";
    uint32_t *ids = NULL;
    int opt, rc, all = 0, wait = 0, n = 0, i;
    struct pv_hv hv;

    while ((opt = xl_getopt(argc, argv, "awF", opts, what, 0, &rc)) != -1) {
        switch (opt) {
        case -2: return rc;
        case 'a': all = 1; break;
        case 'w': wait++; break;
        case 'F': break;   /* ACPI fallback only matters for HVM */
        }
    }
    if (!argv[optind] && !all) {
        fprintf(stderr, "You must specify -a or a domain id.\n\n");
        return 1;
    }
    if (xl_open(&hv))
        return 1;
    rc = 1;
    if (all) {
        xc_domaininfo_t info[1024];
        int got = xc_domain_getinfolist((xc_interface *)hv.xch, 1, 1024, info);

        if (got < 0) {
            fprintf(stderr, "libxl_list_domain failed.\n");
            goto out;
        }
        ids = calloc(got + 1, sizeof(*ids));
        for (i = 0; i < got; i++)
            ids[n++] = info[i].domain;
    } else {
        ids = calloc(1, sizeof(*ids));
        if (xl_find_domain(&hv, argv[optind], &ids[0]))
            goto out;
        n = 1;
    }
    for (i = 0; i < n; i++) {
        fprintf(stderr, reboot ? "Rebooting domain %u\n"
                               : "Shutting down domain %u\n", ids[i]);
        if (pv_dom_shutdown(&hv, ids[i], reboot ? "reboot" : "poweroff")) {
            if (errno == ENOENT)
                fprintf(stderr, "PV control interface not available:"
                        " external graceful %s not possible.\n", what);
            fprintf(stderr, "%s failed (rc=-3)\n", what);
            goto out;
        }
    }
    if (wait) {
        fprintf(stderr, "Waiting for %d domains\n", n);
        for (i = 0; i < n; i++) {
            int reason = 0;
            int r = pv_dom_wait(&hv, ids[i], -1, 0, &reason);

            if (r == 1 && wait == 1) {
                fprintf(stderr, "Domain %u has been shut down, reason code "
                        "%d\n", ids[i], reason);
            } else if (r == 1) {
                fprintf(stderr, "Domain %u has been shut down, reason code "
                        "%d\n", ids[i], reason);
                r = pv_dom_wait(&hv, ids[i], -1, 1, NULL);
            }
            if (r == 0)
                fprintf(stderr, "Domain %u has been destroyed\n", ids[i]);
            if (r < 0) {
                fprintf(stderr, "Failed to get event, quitting\n");
                goto out;
            }
        }
    }
    rc = 0;
out:
    free(ids);
    pv_hv_close(&hv);
    return rc;
}

int main_shutdown(int argc, char **argv) { return shutdown_or_reboot(argc, argv, 0); }
int main_reboot(int argc, char **argv) { return shutdown_or_reboot(argc, argv, 1); }

static int pause_or_unpause(int argc, char **argv, int pause)
{
    struct pv_hv hv;
    uint32_t domid;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "", NULL, pause ? "pause" : "unpause",
                            1, &rc)) != -1)
        if (opt == -2)
            return rc;
    if (xl_open(&hv))
        return 1;
    rc = 1;
    if (xl_find_domain(&hv, argv[optind], &domid))
        goto out;
    if ((pause ? xc_domain_pause : xc_domain_unpause)((xc_interface *)hv.xch,
                                                      domid) < 0) {
        PV_ERR((int)domid, "%s failed: %s", pause ? "pause" : "unpause",
               strerror(errno));
        goto out;
    }
    rc = 0;
out:
    pv_hv_close(&hv);
    return rc;
}

int main_pause(int argc, char **argv) { return pause_or_unpause(argc, argv, 1); }
int main_unpause(int argc, char **argv) { return pause_or_unpause(argc, argv, 0); }

int main_rename(int argc, char **argv)
{
    struct pv_hv hv;
    uint32_t domid;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "", NULL, "rename", 2, &rc)) != -1)
        if (opt == -2)
            return rc;
    if (xl_open(&hv))
        return 1;
    rc = 1;
    if (xl_find_domain(&hv, argv[optind], &domid))
        goto out;
    if (pv_dom_rename(&hv, domid, argv[optind + 1])) {
        fprintf(stderr, "Can't rename domain '%s'.\n", argv[optind]);
        goto out;
    }
    rc = 0;
out:
    pv_hv_close(&hv);
    return rc;
}

static int mem_cmd(int argc, char **argv, int is_max)
{
    const char *cmd = is_max ? "mem-max" : "mem-set";
    struct pv_hv hv;
    uint32_t domid;
    int64_t kb;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "", NULL, cmd, 2, &rc)) != -1)
        if (opt == -2)
            return rc;
    if (xl_open(&hv))
        return 1;
    rc = 1;
    if (xl_find_domain(&hv, argv[optind], &domid))
        goto out;
    kb = xl_parse_mem_kb(argv[optind + 1]);
    if (kb < 0) {
        fprintf(stderr, "invalid memory size: %s\n", argv[optind + 1]);
        goto out;
    }
    if ((is_max ? pv_dom_mem_max : pv_dom_mem_set)(&hv, domid, kb)) {
        fprintf(stderr, "cannot set domid %u %s memory to : %s\n", domid,
                is_max ? "static max" : "dynamic max", argv[optind + 1]);
        goto out;
    }
    rc = 0;
out:
    pv_hv_close(&hv);
    return rc;
}

int main_memset(int argc, char **argv) { return mem_cmd(argc, argv, 0); }
int main_memmax(int argc, char **argv) { return mem_cmd(argc, argv, 1); }

int main_console(int argc, char **argv)
{
    struct pv_hv hv;
    const char *type = "pv";
    uint32_t domid;
    int opt, rc, num = 0;

    while ((opt = xl_getopt(argc, argv, "n:t:", NULL, "console", 1, &rc)) != -1) {
        switch (opt) {
        case -2: return rc;
        case 't':
            if (!strcmp(optarg, "pv") || !strcmp(optarg, "serial") ||
                !strcmp(optarg, "vuart")) {
                type = optarg;
            } else {
                fprintf(stderr, "console type supported are: pv, serial, "
                        "vuart\n");
                return 1;
            }
            break;
        case 'n': num = atoi(optarg); break;
        }
    }
    if (xl_open(&hv))
        return 1;
    rc = xl_find_domain(&hv, argv[optind], &domid);
    pv_hv_close(&hv);
    if (rc)
        return 1;
    return xl_console_exec(domid, type, num);
}
