/* xl block-attach / network-attach: parse the device spec exactly as xl
 * 4.17 does; with -N print the libxl JSON ("disk: {...}" / "vif: {...}"
 * and a blank line), the contract tools/xl/check-xl-*-parse test; else hand
 * the device to the attach code. */
#include "xl/devices_spec.h"
#include "xl/xl.h"

#include "libxl/disk_spec.h"
#include "libxl/domcfg_json.h"
#include "libxl/vif_spec.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RC_NOTE: xl's find_domain adds libxl's error code to the message
 * (network-attach), block-attach's own lookup does not. */
static int domain_arg(const char *s, uint32_t *domid, int rc_note)
{
    unsigned long v;
    char *end;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (*s && !*end && !errno && v < 0x7FF0) {
        *domid = (uint32_t)v;
        return 0;
    }
    if (xl_domain_qualifier_to_domid && !xl_domain_qualifier_to_domid(s, domid))
        return 0;
    fprintf(stderr, "%s is an invalid domain identifier%s\n", s,
            rc_note ? " (rc=-6)" : "");
    return -1;
}

static int print_json(const char *label, char *json)
{
    if (!json) {
        fprintf(stderr, "xl: out of memory formatting JSON\n");
        return 1;
    }
    printf("%s: %s\n", label, json);
    free(json);
    if (ferror(stdout) || fflush(stdout)) {
        perror("stdout");
        return 1;
    }
    return 0;
}

int main_blockattach(int argc, char **argv)
{
    struct pv_device_disk disk;
    uint32_t domid = 0;
    int opt, rc = 0;

    while ((opt = xl_getopt(argc, argv, "", NULL, "block-attach", 2, &rc)) != -1)
        if (opt == -2)
            return rc;

    if (!xl_g.dryrun && domain_arg(argv[optind], &domid, 0))
        return 1;
    if (pv_disk_spec_parse_words("command line", argc - optind - 1,
                                 (const char *const *)argv + optind + 1,
                                 &disk, stderr))
        return 1;
    if (xl_g.dryrun) {
        rc = print_json("disk", pv_device_disk_to_json(&disk));
        goto out;
    }
    if (!xl_block_attach_real) {
        fprintf(stderr, "xl block-attach: attaching block devices is not "
                "built yet in this pvstack (use -N to check a spec)\n");
        rc = 1;
        goto out;
    }
    rc = xl_block_attach_real(domid, &disk);
out:
    pv_device_disk_dispose(&disk);
    return rc;
}

int main_networkattach(int argc, char **argv)
{
    struct pv_device_nic nic;
    uint32_t domid = 0;
    int opt, i, rc = 0;

    while ((opt = xl_getopt(argc, argv, "", NULL, "network-attach", 1, &rc)) != -1)
        if (opt == -2)
            return rc;

    if (!xl_g.dryrun && domain_arg(argv[optind], &domid, 1))
        return 1;
    pv_device_nic_init(&nic);
    for (i = optind + 1; i < argc; i++) {
        if (pv_vif_spec_parse_token("command line", argv[i], &nic, stderr)) {
            rc = 1;
            goto out;
        }
    }
    if (xl_g.dryrun) {
        rc = print_json("vif", pv_device_nic_to_json(&nic));
        goto out;
    }
    if (!xl_network_attach_real) {
        fprintf(stderr, "xl network-attach: attaching network devices is not "
                "built yet in this pvstack (use -N to check a spec)\n");
        rc = 1;
        goto out;
    }
    rc = xl_network_attach_real(domid, &nic);
out:
    pv_device_nic_dispose(&nic);
    return rc;
}
