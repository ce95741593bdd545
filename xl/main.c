#include "xl/xl.h"
#include "libxl/log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xl_globals xl_g;

int xl_getopt(int argc, char **argv, const char *opts,
              const struct option *longopts, const char *cmd, int min_args,
              int *rc)
{
    static const struct option help_only[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char optstring[128];
    int opt;

    snprintf(optstring, sizeof(optstring), "+h%s", opts);
    opt = getopt_long(argc, argv, optstring, longopts ? longopts : help_only,
                      NULL);
    if (opt == 'h') {
        xl_help(cmd);
        *rc = 0;
        return -2;
    }
    if (opt == '?' || opt == ':') {
        xl_help(cmd);
        *rc = 2;
        return -2;
    }
    if (opt == -1 && argc - optind < min_args) {
        fprintf(stderr, "'xl %s' requires at least %d argument%s.\n\n", cmd,
                min_args, min_args == 1 ? "" : "s");
        xl_help(cmd);
        *rc = 2;
        return -2;
    }
    return opt;
}

int main(int argc, char **argv)
{
    const struct xl_cmd_spec *spec;
    const char *cmd;
    xl_cmd_fn fn;
    int opt;

    pv_log_set_prog("xl");
    while ((opt = getopt(argc, argv, "+vftTN")) >= 0) {
        switch (opt) {
        case 'v': xl_g.verbose++; break;
        case 'N': xl_g.dryrun = 1; break;
        case 'f': xl_g.force = 1; break;
        case 't': xl_g.progress_cr = 1; break;
        case 'T': xl_g.timestamps = 1; break;
        default:
            fprintf(stderr, "unknown global option\n");
            return EXIT_FAILURE;
        }
    }
    if (xl_g.verbose >= 2)
        pv_log_set_level(PV_LOG_DEBUG);
    else if (xl_g.verbose == 1)
        pv_log_set_level(PV_LOG_INFO);

    cmd = argv[optind];
    if (!cmd) {
        xl_help(NULL);
        return EXIT_FAILURE;
    }
    argv += optind;
    argc -= optind;
    optind = 1;

    if (!strcmp(cmd, "help")) {
        xl_help(argv[1]);
        return EXIT_SUCCESS;
    }
    spec = xl_cmd_lookup(cmd);
    fn = spec ? spec->impl : NULL;
    if (!fn) {
        fprintf(stderr, "command not implemented\n");
        return EXIT_FAILURE;
    }
    if (xl_g.dryrun && !spec->can_dryrun) {
        fprintf(stderr, "command does not implement -N (dryrun) option\n");
        return EXIT_FAILURE;
    }
    return fn(argc, argv);
}
