/* The xl command table: names, usage and options as Xen 4.17's xl presents
 * them, so scripts and fingers that know xl work unchanged. */
#include "xl/xl.h"

#include <stdio.h>
#include <string.h>

static const struct xl_cmd_spec cmd_table[] = {
    { "create", main_create, 1, 1,
      "Create a domain from config file <filename>",
      "<ConfigFile> [options] [vars]",
      "-c                      Connect to the console after the domain is created.\n"
      "-d                      Enable debug messages.\n"
      "-e                      Do not wait in the background for the death of the domain.\n"
      "-F                      Run in foreground until death of the domain.\n"
      "-f FILE, --defconfig=FILE\n                     Use the given configuration file.\n"
      "-h                      Print this help.\n"
      "-n, --dryrun            Dry run - prints the resulting configuration\n"
      "                         (deprecated in favour of global -N option).\n"
      "-p                      Leave the domain paused after it is created.\n"
      "-q, --quiet             Quiet.\n"
      "--ignore-global-affinity-masks Ignore global masks in xl.conf." },
    { "list", main_list, 0, 0,
      "List information about all/some domains",
      "[options] [Domain]\n",
      "-l, --long              Output all VM details\n"
      "-v, --verbose           Prints out UUIDs and security context\n"
      "-Z, --context           Prints out security context\n"
      "-c, --cpupool           Prints the cpupool the domain is in\n"
      "-n, --numa              Prints out NUMA node affinity" },
    { "destroy", main_destroy, 0, 1,
      "Terminate a domain immediately",
      "[options] <Domain>\n",
      "-f                      Permit destroying domain 0." },
    { "shutdown", main_shutdown, 0, 1,
      "Issue a shutdown signal to a domain",
      "[options] <-a|Domain>",
      "-a, --all               Shutdown all guest domains.\n"
      "-h                      Print this help.\n"
      "-F                      Fallback to ACPI power event for HVM guests with\n"
      "                        no PV drivers.\n"
      "-w, --wait              Wait for guest(s) to shutdown.\n" },
    { "reboot", main_reboot, 0, 1,
      "Issue a reboot signal to a domain",
      "[options] <-a|Domain>",
      "-a, --all               Reboot all guest domains.\n"
      "-h                      Print this help.\n"
      "-F                      Fallback to ACPI reset event for HVM guests with\n"
      "                        no PV drivers.\n"
      "-w, --wait              Wait for guest(s) to reboot.\n" },
    { "pause", main_pause, 0, 1,
      "Pause execution of a domain", "<Domain>", NULL },
    { "unpause", main_unpause, 0, 1,
      "Unpause a paused domain", "<Domain>", NULL },
    { "console", main_console, 0, 0,
      "Attach to domain's console", "[options] <Domain>\n",
      "-t <type>       console type, pv , serial or vuart\n"
      "-n <number>     console number" },
    { "domid", main_domid, 0, 0,
      "Convert a domain name to domain id", "<DomainName>", NULL },
    { "domname", main_domname, 0, 0,
      "Convert a domain id to domain name", "<DomainId>", NULL },
    { "rename", main_rename, 0, 1,
      "Rename a domain", "<Domain> <NewDomainName>", NULL },
    { "uptime", main_uptime, 0, 0,
      "Print uptime for all/some domains", "[-s] [Domain]", NULL },
    { "info", main_info, 0, 0,
      "Get information about Xen host",
      "-n, --numa         List host NUMA topology information", NULL },
    { "dmesg", main_dmesg, 0, 0,
      "Read and/or clear dmesg buffer", "[-c]",
      "  -c                        Clear dmesg buffer as well as printing it" },
    { "mem-set", main_memset, 0, 1,
      "Set the current memory usage for a domain", "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", NULL },
    { "mem-max", main_memmax, 0, 1,
      "Set the maximum amount reservation for a domain", "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", NULL },
    { "vcpu-list", main_vcpulist, 0, 0,
      "List the VCPUs for all/some domains", "[Domain, ...]", NULL },
    { "vcpu-pin", main_vcpupin, 1, 1,
      "Set which CPUs a VCPU can use", "[option] <Domain> <VCPU|all> <Hard affinity|-|all> <Soft affinity|-|all>",
      "-f, --force        undo an override pinning done by the kernel\n"
      "--ignore-global-affinity-masks Ignore global masks in xl.conf" },
    { "vcpu-set", main_vcpuset, 0, 1,
      "Set the number of active VCPUs allowed for the domain", "[option] <Domain> <vCPUs>",
      "-i, --ignore-host  Don't limit the vCPU based on the host CPU count" },
    { "sched-credit", main_sched_credit, 0, 1,
      "Get/set credit scheduler parameters",
      "[-d <Domain> [-w[=WEIGHT]|-c[=CAP]]] [-s [-t TSLICE] [-r RATELIMIT]] [-p CPUPOOL]",
      "-d DOMAIN, --domain=DOMAIN        Domain to modify\n"
      "-w WEIGHT, --weight=WEIGHT        Weight (int)\n"
      "-c CAP, --cap=CAP                 Cap (int)\n"
      "-s         --schedparam           Query / modify scheduler parameters\n"
      "-t TSLICE, --tslice_ms=TSLICE     Set the timeslice, in milliseconds\n"
      "-r RLIMIT, --ratelimit_us=RLIMIT  Set the scheduling rate limit, in microseconds\n"
      "-m DLY, --migration_delay_us=DLY  Set the migration delay, in microseconds\n"
      "-p CPUPOOL, --cpupool=CPUPOOL     Restrict output to CPUPOOL" },
    { "sched-credit2", main_sched_credit2, 0, 1,
      "Get/set credit2 scheduler parameters",
      "[-d <Domain> [-w[=WEIGHT]]] [-p CPUPOOL]",
      "-d DOMAIN, --domain=DOMAIN     Domain to modify\n"
      "-w WEIGHT, --weight=WEIGHT     Weight (int)\n"
      "-c CAP,    --cap=CAP           Cap (int)\n"
      "-s         --schedparam        Query / modify scheduler parameters\n"
      "-r RLIMIT, --ratelimit_us=RLIMIT Set the scheduling rate limit, in microseconds\n"
      "-p CPUPOOL, --cpupool=CPUPOOL  Restrict output to CPUPOOL" },
    { "block-attach", main_blockattach, 1, 1,
      "Create a new virtual block device",
      "<Domain> <disk-spec-component(s)>...",
      "For details of the <disk-spec> see xl-disk-configuration(5)." },
    { "block-list", main_blocklist, 0, 0,
      "List virtual block devices for a domain", "<Domain(s)>", NULL },
    { "block-detach", main_blockdetach, 0, 1,
      "Destroy a domain's virtual block device",
      "[options] <Domain> <DevId>",
      "-f, --force        Forcefully detach the device." },
    { "network-attach", main_networkattach, 1, 1,
      "Create a new virtual network device",
      "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] "
      "[ip=<ip>] [script=<script>] [backend=<BackDomain>] [vifname=<name>] "
      "[rate=<rate>] [model=<model>] [accel=<accel>]", NULL },
    { "network-list", main_networklist, 0, 0,
      "List virtual network interfaces for a domain", "<Domain(s)>", NULL },
    { "network-detach", main_networkdetach, 0, 1,
      "Destroy a domain's virtual network device",
      "<Domain> <DevId|mac>", NULL },
};

#define CMDTABLE_LEN ((int)(sizeof(cmd_table) / sizeof(cmd_table[0])))

/* An exact name wins even when it prefixes another command; otherwise a
 * prefix must be unambiguous, as in xl.  Commands whose family is not built
 * take part in the ambiguity check so prefixes never change meaning as
 * families land. */
const struct xl_cmd_spec *xl_cmd_lookup(const char *s)
{
    const struct xl_cmd_spec *found = NULL;
    size_t len;
    int i, count = 0;

    if (!s)
        return NULL;
    len = strlen(s);
    for (i = 0; i < CMDTABLE_LEN; i++) {
        if (strncmp(s, cmd_table[i].name, len))
            continue;
        found = &cmd_table[i];
        if (len == strlen(found->name))
            return found;
        count++;
    }
    return count == 1 ? found : NULL;
}

void xl_help(const char *command)
{
    const struct xl_cmd_spec *cmd;
    int i;

    if (!command || !strcmp(command, "help")) {
        printf("Usage xl [-vfNtT] <subcommand> [args]\n\n");
        printf("xl full list of subcommands:\n\n");
        for (i = 0; i < CMDTABLE_LEN; i++) {
            if (!cmd_table[i].impl)
                continue;
            printf(" %-19s ", cmd_table[i].name);
            if (strlen(cmd_table[i].name) > 19)
                printf("\n %-19s ", "");
            printf("%s\n", cmd_table[i].desc);
        }
        return;
    }
    cmd = xl_cmd_lookup(command);
    if (!cmd || !cmd->impl) {
        printf("command \"%s\" not implemented\n", command);
        return;
    }
    printf("Usage: xl [-vtT%s%s] %s %s\n\n%s.\n\n", cmd->modifies ? "f" : "",
           cmd->can_dryrun ? "N" : "", cmd->name, cmd->usage, cmd->desc);
    if (cmd->options)
        printf("Options:\n\n%s\n", cmd->options);
}
