/* The real `xl create` path, shared by the config front end and tests. */
#ifndef XL_DOMAIN_CREATE_H
#define XL_DOMAIN_CREATE_H

#include "libxl/dom.h"

struct xl_create_flags {
    int paused;         /* -p */
    int console;        /* -c */
    int foreground;     /* -F: monitor in this process */
    int no_monitor;     /* -e */
    int quiet;          /* -q */
};

/* xl create's exit status is libxl's error code negated: a create that
 * failed is ERROR_FAIL (3), a config naming what does not exist (an unknown
 * pool) ERROR_INVAL (6); xl's own config checks exit 1. */
#define XL_EXIT_FAIL  3
#define XL_EXIT_INVAL 6

/* Create, optionally attach the console, unpause, start the monitor.
 * Returns an xl exit code. */
int xl_create_from_params(struct pv_dom_params *p,
                          const struct xl_create_flags *f);

/* The config model's domain config as builder params, with libxl's
 * defaults; prints why and returns -1 if this builder cannot build it.
 * P must be disposed in either case. */
struct pv_domain_config;
int xl_params_from_config(const struct pv_domain_config *c,
                          struct pv_dom_params *p);

/* Mark the end of a phase of `xl create` (see PVSTACK_T0 in
 * xl/domain_create.c); a no-op unless the bench asked for timings. */
void xl_phase(const char *what);

/* exec xenconsole for DOMID (does not return on success). */
int xl_console_exec(uint32_t domid, const char *type, int num);

#endif
