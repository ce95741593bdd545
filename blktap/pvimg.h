/* pvimg: the image tool.  Commands, options, output text and exit codes
 * follow qemu-img 7.2 so that scripts and habits carry over; one file per
 * command family (pvimg_info.c, pvimg_convert.c, ...), shared helpers in
 * pvimg_main.c. */
#ifndef BLKTAP_PVIMG_H
#define BLKTAP_PVIMG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blktap/image.h"

#define PVIMG_PROG "pvimg"

/* Commands: argv[0] is the command name; return the process exit code. */
int pvimg_create(int argc, char **argv);
int pvimg_info(int argc, char **argv);
int pvimg_check(int argc, char **argv);
int pvimg_map(int argc, char **argv);
int pvimg_measure(int argc, char **argv);
int pvimg_convert(int argc, char **argv);
int pvimg_compare(int argc, char **argv);
int pvimg_commit(int argc, char **argv);
int pvimg_rebase(int argc, char **argv);
int pvimg_resize(int argc, char **argv);
int pvimg_snapshot(int argc, char **argv);
int pvimg_bench(int argc, char **argv);

/* "pvimg: MESSAGE\n" on stderr, as qemu-img's error_report. */
void pvimg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message plus "Try 'pvimg --help' ..." */
int pvimg_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* qemu_strtosz: "10G", "1.5M", "512" (bytes).  -EINVAL / -ERANGE. */
int pvimg_parse_size(const char *s, uint64_t *out);
/* qemu's size_to_str: "1 GiB", "196 KiB", "1.5 GiB". */
const char *pvimg_size_str(uint64_t v, char buf[32]);
/* Number with "k/M/G" suffix allowed, for bench sizes etc. */
int pvimg_parse_uint(const char *s, uint64_t *out);

/* -o key=value[,key=value]  (",," escapes a comma). */
struct pvimg_opt {
    char *key;
    char *val;
};
struct pvimg_opts {
    struct pvimg_opt *v;
    int n;
};
int pvimg_opts_parse(struct pvimg_opts *o, const char *s);
const char *pvimg_opts_get(const struct pvimg_opts *o, const char *key);
void pvimg_opts_free(struct pvimg_opts *o);

/* The QemuOpts stage: unknown keys and unparsable numbers are refused
 * before anything is printed (values are validated later). */
int pvimg_create_opts_syntax(enum image_format fmt, const struct pvimg_opts *o,
                             const char *filename);
/* Fill image_create_opts from -o options (format already set in *co).
 * Prints qemu-img's message and returns -EINVAL on a bad option. */
int pvimg_create_opts_apply(struct image_create_opts *co,
                            const struct pvimg_opts *o, const char *filename);

/* Open PATH; on failure prints "Could not open 'PATH': reason". */
int pvimg_open(const char *path, const char *fmt, unsigned flags,
               struct image **out);
int pvimg_open_opts(const char *path, struct image_open_opts *oo,
                    struct image **out);
/* -f/-O/-F argument: "raw"/"qcow2"; prints the error itself. */
int pvimg_fmt_parse(const char *name, enum image_format *out);

/* Progress "    (12.34/100%)\r" on stdout, as qemu-img -p. */
struct pvimg_progress {
    bool on;
    double last;
};
void pvimg_progress_start(struct pvimg_progress *p, bool on);
void pvimg_progress_set(struct pvimg_progress *p, double pct);
void pvimg_progress_end(struct pvimg_progress *p);

/* QEMU's pretty JSON: 4-space indent, "key": value. */
struct pvimg_json {
    FILE *f;
    int depth;
    bool need_comma[64];
    bool empty[64];
};
void pvimg_json_begin(struct pvimg_json *j, FILE *f, char open);
void pvimg_json_end(struct pvimg_json *j, char close);
void pvimg_json_key(struct pvimg_json *j, const char *key);
void pvimg_json_open(struct pvimg_json *j, const char *key, char open);
void pvimg_json_close(struct pvimg_json *j, char close);
void pvimg_json_str(struct pvimg_json *j, const char *key, const char *v);
void pvimg_json_int(struct pvimg_json *j, const char *key, int64_t v);
void pvimg_json_uint(struct pvimg_json *j, const char *key, uint64_t v);
void pvimg_json_bool(struct pvimg_json *j, const char *key, bool v);
void pvimg_json_strval(FILE *f, const char *s);

/* getopt_long wrapper that prints qemu-img's messages for bad options. */
struct option;
int pvimg_getopt(int argc, char **argv, const char *shortopts,
                 const struct option *longopts);

double pvimg_now(void);
/* Number of online CPUs (>= 1). */
int pvimg_ncpus(void);

#endif
