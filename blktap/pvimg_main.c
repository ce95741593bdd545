/* pvimg entry point: command dispatch and help.  The commands live one
 * family per file (pvimg_info.c, pvimg_convert.c, ...). */
#include "blktap/pvimg.h"

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "libxl/log.h"

#define PVIMG_VERSION "7.2.0 (pvstack)"

/* ---- dispatch --------------------------------------------------------------- */

struct pvimg_cmd {
    const char *name;
    int (*fn)(int, char **);
    const char *usage;
};

static const struct pvimg_cmd cmds[] = {
    { "bench", pvimg_bench,
      "bench [-c count] [-d depth] [-f fmt] [--flush-interval=flush_interval] [-o offset] "
      "[--pattern=pattern] [-q] [-s buffer_size] [-S step_size] [-w] filename" },
    { "check", pvimg_check,
      "check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] filename" },
    { "commit", pvimg_commit,
      "commit [-q] [-f fmt] [-b base] [-d] [-p] filename" },
    { "compare", pvimg_compare,
      "compare [-f fmt] [-F fmt] [-p] [-q] [-s] filename1 filename2" },
    { "convert", pvimg_convert,
      "convert [-c] [-p] [-q] [-n] [-f fmt] [-O output_fmt] [-B backing_file [-F backing_fmt]] "
      "[-o options] [-l snapshot_param] [-S sparse_size] [-m num_workers] [-W] "
      "filename [filename2 [...]] output_filename" },
    { "create", pvimg_create,
      "create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]" },
    { "info", pvimg_info,
      "info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename" },
    { "map", pvimg_map,
      "map [-f fmt] [--start-offset=offset] [--max-length=len] [--output=ofmt] filename" },
    { "measure", pvimg_measure,
      "measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [-f fmt] [-l snapshot_param] filename]" },
    { "snapshot", pvimg_snapshot,
      "snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] filename" },
    { "rebase", pvimg_rebase,
      "rebase [-q] [-f fmt] [-p] [-u] [-b backing_file [-F backing_fmt]] filename" },
    { "resize", pvimg_resize,
      "resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] filename [+ | -]size" },
};

static void help(void)
{
    printf("pvimg version " PVIMG_VERSION ", a qemu-img compatible image tool\n"
           "usage: pvimg [standard options] command [command options]\n"
           "pvstack disk image utility\n\n"
           "    '-h', '--help'       display this help and exit\n"
           "    '-V', '--version'    output version information and exit\n\n"
           "Command syntax:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        printf("  %s\n", cmds[i].usage);
    printf("\nSupported formats: qcow2 raw\n"
           "See pvimg(1) for the meaning of every option.\n");
}

int main(int argc, char **argv)
{
    /* Compression allocates and frees a deflate state (~270 KiB) per
     * cluster.  With glibc's defaults each one is a fresh mmap, page faults
     * and an munmap or madvise on free: syscalls that serialise the worker
     * threads on the address-space lock (convert -c got slower with more
     * threads).  Keep such buffers in the malloc arenas instead. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    pv_log_set_prog(PVIMG_PROG);
    /* the engine logs at error level; pvimg prints its own messages */
    pv_log_set_level(PV_LOG_ERROR + 1);
    if (argc < 2)
        return pvimg_usage_err("Not enough arguments");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        help();
        return 0;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        printf("pvimg version " PVIMG_VERSION "\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (!strcmp(argv[1], cmds[i].name)) {
            optind = 1;
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    return pvimg_usage_err("Command not found: %s", argv[1]);
}
