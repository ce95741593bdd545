/* xl: the pvstack command-line toolstack.
 *
 * Each command family lives in its own file (xl/domain.c, xl/devices.c,
 * xl/info.c, ...) and defines its main_* functions.  The command table in
 * xl/cmdtable.c refers to them through weak declarations, so a family that is
 * not built yet simply does not appear: work on one family never touches
 * another's file. */
#ifndef XL_XL_H
#define XL_XL_H

typedef int (*xl_cmd_fn)(int argc, char **argv);

struct xl_cmd_spec {
    const char *name;
    xl_cmd_fn impl;         /* NULL when the family is not built (weak) */
    int can_dryrun;
    int modifies;
    const char *desc;
    const char *usage;
    const char *options;
};

/* Global options, as xl's "xl [-vfNtT] <subcommand>". */
struct xl_globals {
    int verbose;     /* -v, repeatable */
    int dryrun;      /* -N */
    int force;       /* -f */
    int progress_cr; /* -t */
    int timestamps;  /* -T */
};
extern struct xl_globals xl_g;

const struct xl_cmd_spec *xl_cmd_lookup(const char *name);
void xl_help(const char *command);

/* Standard handling of -h and unknown options for a command, in the style of
 * xl's SWITCH_FOREACH_OPT: returns the option char, -1 at the end of options,
 * or -2 after printing help/usage (the caller then returns the value in *rc). */
struct option;
int xl_getopt(int argc, char **argv, const char *opts,
              const struct option *longopts, const char *cmd, int min_args,
              int *rc);

/* Command implementations (weak: defined by the family files). */
#define XL_COMMANDS(X) \
    X(create) X(list) X(destroy) X(shutdown) X(reboot) X(pause) X(unpause) \
    X(console) X(domid) X(domname) X(rename) X(uptime) X(info) X(dmesg) \
    X(memset) X(memmax) X(vcpuset) X(vcpulist) X(vcpupin) X(sched_credit) \
    X(sched_credit2) \
    X(blockattach) X(blockdetach) X(blocklist) \
    X(networkattach) X(networkdetach) X(networklist)

#define XL_DECLARE(n) int main_##n(int argc, char **argv) __attribute__((weak));
XL_COMMANDS(XL_DECLARE)
#undef XL_DECLARE

#endif
