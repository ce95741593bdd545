/* xl create [-cdeFnpqVA] [-f] FILE [key=value ...]
 *
 * Parses the config file (libxl/cfg.h), applies the key=value overrides
 * with the same grammar, turns the settings into a struct
 * pv_domain_config (libxl/domcfg_parse.h) with the host defaults of
 * /etc/xen/xl.conf ($PVSTACK_XL_CONF overrides the path), and then either
 * prints it as
 * libxl's JSON (-N / -n: dry run, as `xl -N create` does in Xen 4.17,
 * which prints the bare libxl_domain_config) or hands it to
 * xl_create_real. */
#include "xl/create.h"
#include "xl/domain_create.h"
#include "xl/xl.h"

#include "libxl/cfg.h"
#include "libxl/domcfg_json.h"
#include "libxl/dom_sched.h"
#include "libxl/domcfg_parse.h"
#include "libxl/xlconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int print_config(const struct pv_domain_config *d, FILE *out)
{
    char *json = pv_domain_config_to_json(d);

    if (!json) {
        fprintf(stderr, "Failed to convert domain configuration to JSON\n");
        return 1;
    }
    fputs(json, out);
    free(json);
    if (ferror(out) || fflush(out)) {
        perror("xl create: writing the configuration");
        return 1;
    }
    return 0;
}

int main_create(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "defconfig", required_argument, NULL, 'f' },
        { "dryrun", no_argument, NULL, 'n' },
        { "ignore-global-affinity-masks", no_argument, NULL, 'i' },
        { "quiet", no_argument, NULL, 'q' },
        { "vncviewer", no_argument, NULL, 'V' },
        { "vncviewer-autopass", no_argument, NULL, 'A' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct xl_create_opts o = { .daemonize = true, .monitor = true };
    struct pv_domain_config d;
    struct pv_xl_conf conf;
    struct pv_cfg *cfg = NULL;
    const char *conf_path = getenv("PVSTACK_XL_CONF");
    bool dryrun = xl_g.dryrun, have_config = false;
    int opt, rc = 0, i;

    /* xl accepts the file before the options: xl create vm.cfg -c */
    if (argc > 1 && argv[1][0] != '-' && !strchr(argv[1], '=')) {
        o.config_file = argv[1];
        argc--;
        argv++;
    }
    while ((opt = xl_getopt(argc, argv, "AFVcdef:inpq", longopts, "create", 0,
                            &rc)) != -1) {
        switch (opt) {
        case -2: return rc;
        case 'A': o.vnc = o.vncautopass = true; break;
        case 'F': o.daemonize = false; break;
        case 'V': o.vnc = true; break;
        case 'c': o.console_autoconnect = true; break;
        case 'd': o.debug = true; break;
        case 'e': o.daemonize = false; o.monitor = false; break;
        case 'f': o.config_file = optarg; break;
        case 'i': o.ignore_global_affinity_masks = true; break;
        case 'n': dryrun = true; break;
        case 'p': o.paused = true; break;
        case 'q': o.quiet = true; break;
        }
    }
    pv_xl_conf_init(&conf);
    o.overrides = calloc((size_t)argc + 1, sizeof(char *));
    if (!o.overrides) {
        fprintf(stderr, "xl create: out of memory\n");
        return 1;
    }
    for (i = optind; i < argc; i++) {
        if (strchr(argv[i], '=')) {
            o.overrides[o.n_overrides++] = argv[i];
        } else if (!o.config_file) {
            o.config_file = argv[i];
        } else {
            fprintf(stderr, "xl create: unexpected argument `%s' (the config "
                    "file is already `%s')\n\n", argv[i], o.config_file);
            xl_help("create");
            rc = 2;
            goto out;
        }
    }
    if (!o.config_file) {
        fprintf(stderr, "xl create: no config file given (xl create FILE "
                "[key=value ...]; /dev/null for settings from the command "
                "line only)\n");
        rc = 1;
        goto out;
    }
    /* host-wide defaults first, as xl reads xl.conf at start-up */
    if (pv_xl_conf_load(&conf, conf_path ? conf_path : PV_XL_CONF_PATH,
                        stderr)) {
        rc = 1;
        goto out;
    }
    /* xl reads the whole file before it says it parses it, and a file it
     * cannot read fails with libxl's ERROR_FAIL as the exit status */
    if (access(o.config_file, R_OK)) {
        fprintf(stderr, "Failed to read config file: %s: %s\n",
                o.config_file, strerror(errno));
        rc = XL_EXIT_FAIL;
        goto out;
    }
    if (!o.quiet)
        fprintf(stderr, "Parsing config from %s\n", o.config_file);
    if (pv_cfg_parse_file(o.config_file, stderr, &cfg)) {
        rc = 1;
        goto out;
    }
    for (i = 0; i < o.n_overrides; i++) {
        if (pv_cfg_apply_override(cfg, "command line", o.overrides[i],
                                  stderr)) {
            rc = 1;
            goto out;
        }
    }
    pv_sched_topology_for_cfg(cfg, &conf);
    if (pv_domain_config_from_cfg(cfg, &conf.parse, &d, stderr)) {
        fprintf(stderr, "xl create: %s: configuration has errors; nothing "
                "was created\n", o.config_file);
        rc = 1;
        goto out;
    }
    have_config = true;
    xl_phase("config");
    if (!o.ignore_global_affinity_masks &&
        pv_xl_conf_apply_affinity_masks(&conf, &d, stderr)) {
        rc = 1;
        goto out;
    }

    if (dryrun) {
        rc = print_config(&d, stdout);
        goto out;
    }
    if (o.debug && print_config(&d, stderr)) {
        rc = 1;
        goto out;
    }
    if (!xl_create_real) {
        fprintf(stderr, "xl create: domain creation is not built yet in this "
                "pvstack (use xl -N create to check a config)\n");
        rc = 1;
        goto out;
    }
    /* From here xl mostly waits for xenstored, which answers a burst of
     * requests one reply at a time.  Woken by each, xl would preempt
     * xenstored on a dom0 with one vCPU, read one reply and sleep again:
     * two context switches per request.  SCHED_BATCH keeps the default
     * priority but gives up wakeup preemption, so xl reads the replies in
     * bulk (the tree took 59 ms instead of 69 in the sandbox,
     * docs/benchmarks.md).  The monitor and the console go back to the
     * normal class. */
    pv_sched_batch(1);
    rc = xl_create_real(&d, &o);
out:
    if (have_config)
        pv_domain_config_dispose(&d);
    pv_cfg_free(cfg);
    pv_xl_conf_dispose(&conf);
    free(o.overrides);
    return rc;
}
