/* xl create: the front half (options, config parsing, -N/-n output) lives in
 * xl/create.c and belongs to the config model; building the domain is
 * xl_create_real, defined by the domain builder in its own xl/ file.  It is
 * weak so that an xl without the builder still parses and dry-runs. */
#ifndef XL_CREATE_H
#define XL_CREATE_H

#include "libxl/domcfg.h"

struct xl_create_opts {
    const char *config_file;
    bool console_autoconnect;   /* -c */
    bool paused;                /* -p */
    bool quiet;                 /* -q */
    bool daemonize;             /* cleared by -F and -e */
    bool monitor;               /* cleared by -e */
    bool debug;                 /* -d: also print the config to stderr */
    bool vnc;                   /* -V */
    bool vncautopass;           /* -A */
    bool ignore_global_affinity_masks;  /* -i */
    int n_overrides;            /* trailing key=value arguments */
    char **overrides;
};

/* Create and start the domain CFG describes.  Returns the exit status for
 * `xl create` (0 on success), having printed any error; must leave nothing
 * behind on failure. */
int xl_create_real(struct pv_domain_config *cfg,
                   const struct xl_create_opts *opts) __attribute__((weak));

#endif
