/* netback-config: configure the host side of Xen networking by netlink.
 * See docs/netback-config.8. */
#include "netback-config/nbc.h"

#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static const char usage_text[] =
"Usage: netback-config [--json] COMMAND [ARGS]\n"
"\n"
"Bridges:\n"
"  list [BRIDGE]                      list bridges, their ports and addresses\n"
"  addbr BRIDGE [--mtu N]             create a bridge and bring it up\n"
"  delbr BRIDGE [--uplink NIC]        delete a bridge (giving NIC its addresses back)\n"
"  enslave BRIDGE NIC                 make NIC the bridge's uplink, moving its\n"
"                                     addresses and default routes onto BRIDGE\n"
"  addif BRIDGE IF | delif IF         add an interface to / remove it from its bridge\n"
"Links:\n"
"  mtu IF N | up IF | down IF\n"
"Vifs (what Xen's vif-bridge, vif-route and vif-nat scripts did):\n"
"  vif-bridge online|offline VIF [BRIDGE] [--mtu N]\n"
"  vif-route online|offline VIF [--netdev DEV] [--ip 'A B ...']\n"
"  vif-nat online|offline VIF --domid D --devid N [--ip A]\n"
"Host modes:\n"
"  host-route NETDEV                  ip_forward and proxy_arp for routed vifs\n"
"  host-nat [UPLINK] [--subnet CIDR]  ip_forward for NAT vifs; with UPLINK, nat-up\n"
"NAT (nf_tables table ip " NBC_NAT_TABLE ", what network-nat did):\n"
"  nat-up UPLINK [--subnet CIDR]      masquerade CIDR (default " NBC_NAT_DEFAULT_SUBNET ")\n"
"                                     out of UPLINK, ip_forward on\n"
"  nat-down UPLINK [--subnet CIDR]    remove that (and the table after the last)\n"
"  nat-list                           list the masquerade rules\n";

static void usage(FILE *f)
{
    fputs(usage_text, f);
}

static int parse_uint(const char *s, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v > 0xffffffffUL)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static const char *mac_text(const struct nbc_link *l, char *buf)
{
    if (!l->has_mac)
        return "-";
    sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
            l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
    return buf;
}

#define YSTR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

static int cmd_list(struct nbc *n, const char *only, int json)
{
    struct nbc_link *links = NULL;
    struct nbc_addr *addrs = NULL;
    int n_links = 0, n_addrs = 0, i, j, rc, found = 0;
    yajl_gen g = NULL;
    char mac[18], txt[64];

    rc = nbc_link_list(n, &links, &n_links);
    if (rc)
        goto out;
    rc = nbc_addr_list(n, 0, &addrs, &n_addrs);
    if (rc)
        goto out;
    if (json) {
        g = yajl_gen_alloc(NULL);
        if (!g) {
            rc = -ENOMEM;
            goto out;
        }
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_array_open(g);
    } else {
        printf("%-15s %-6s %-5s %-17s %-20s %s\n", "bridge name", "mtu",
               "state", "mac", "addresses", "ports");
    }
    for (i = 0; i < n_links; i++) {
        const struct nbc_link *b = &links[i];
        int first;

        if (strcmp(b->kind, "bridge") || (only && strcmp(only, b->name)))
            continue;
        found = 1;
        if (json) {
            yajl_gen_map_open(g);
            YSTR(g, "name"); YSTR(g, b->name);
            YSTR(g, "mtu"); yajl_gen_integer(g, b->mtu);
            YSTR(g, "up"); yajl_gen_bool(g, !!(b->flags & IFF_UP));
            YSTR(g, "mac"); YSTR(g, mac_text(b, mac));
            YSTR(g, "addresses");
            yajl_gen_array_open(g);
            for (j = 0; j < n_addrs; j++)
                if (addrs[j].ifindex == b->ifindex)
                    YSTR(g, nbc_addr_format(&addrs[j], txt, sizeof(txt)));
            yajl_gen_array_close(g);
            YSTR(g, "ports");
            yajl_gen_array_open(g);
            for (j = 0; j < n_links; j++) {
                if (links[j].master != b->ifindex)
                    continue;
                yajl_gen_map_open(g);
                YSTR(g, "name"); YSTR(g, links[j].name);
                YSTR(g, "mtu"); yajl_gen_integer(g, links[j].mtu);
                YSTR(g, "up"); yajl_gen_bool(g, !!(links[j].flags & IFF_UP));
                YSTR(g, "mac"); YSTR(g, mac_text(&links[j], mac));
                yajl_gen_map_close(g);
            }
            yajl_gen_array_close(g);
            yajl_gen_map_close(g);
            continue;
        }
        printf("%-15s %-6u %-5s %-17s ", b->name, b->mtu,
               b->flags & IFF_UP ? "up" : "down", mac_text(b, mac));
        first = 1;
        txt[0] = '\0';
        for (j = 0; j < n_addrs; j++) {
            if (addrs[j].ifindex != b->ifindex)
                continue;
            if (!first)
                printf(",");
            printf("%s", nbc_addr_format(&addrs[j], txt, sizeof(txt)));
            first = 0;
        }
        printf("%s ", first ? "-                   " : "");
        first = 1;
        for (j = 0; j < n_links; j++) {
            if (links[j].master != b->ifindex)
                continue;
            printf("%s%s", first ? "" : " ", links[j].name);
            first = 0;
        }
        printf("%s\n", first ? "-" : "");
    }
    if (json) {
        const unsigned char *out;
        size_t len;
        yajl_gen_array_close(g);
        yajl_gen_get_buf(g, &out, &len);
        fwrite(out, 1, len, stdout);
    }
    if (only && !found) {
        fprintf(stderr, "netback-config: bridge %s does not exist\n", only);
        rc = -ENODEV;
        goto out_quiet;
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "netback-config: %s\n", nbc_errmsg(n));
out_quiet:
    if (g)
        yajl_gen_free(g);
    free(links);
    free(addrs);
    return rc;
}

/* Whether our table exists is part of the answer: "no rules" and "no
 * table" are different states (the last nat-down removes the table). */
static int cmd_nat_list(struct nbc *n, int json)
{
    struct nbc_masq *m = NULL;
    int count = 0, i, rc, exists;
    char txt[64];

    exists = nbc_nat_table_exists(n);
    rc = exists < 0 ? exists : nbc_nat_list(n, &m, &count);
    if (rc < 0) {
        fprintf(stderr, "netback-config: %s\n", nbc_errmsg(n));
        return rc;
    }
    if (json) {
        yajl_gen g = yajl_gen_alloc(NULL);
        const unsigned char *out;
        size_t len;

        if (!g) {
            free(m);
            return -ENOMEM;
        }
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_map_open(g);
        YSTR(g, "table"); YSTR(g, NBC_NAT_TABLE);
        YSTR(g, "family"); YSTR(g, "ip");
        YSTR(g, "exists"); yajl_gen_bool(g, exists > 0);
        YSTR(g, "masquerade");
        yajl_gen_array_open(g);
        for (i = 0; i < count; i++) {
            yajl_gen_map_open(g);
            YSTR(g, "uplink"); YSTR(g, m[i].uplink);
            YSTR(g, "subnet"); YSTR(g, nbc_addr_format(&m[i].subnet, txt, sizeof(txt)));
            YSTR(g, "handle"); yajl_gen_integer(g, (long long)m[i].handle);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        yajl_gen_get_buf(g, &out, &len);
        fwrite(out, 1, len, stdout);
        yajl_gen_free(g);
    } else if (exists) {
        printf("%-15s %-20s %s\n", "uplink", "subnet", "handle");
        for (i = 0; i < count; i++)
            printf("%-15s %-20s %llu\n", m[i].uplink,
                   nbc_addr_format(&m[i].subnet, txt, sizeof(txt)),
                   (unsigned long long)m[i].handle);
    } else {
        printf("no table ip %s: no masquerading set up\n", NBC_NAT_TABLE);
    }
    free(m);
    return 0;
}

static int online_arg(const char *s, int *online)
{
    if (!strcmp(s, "online") || !strcmp(s, "add")) {
        *online = 1;
        return 0;
    }
    if (!strcmp(s, "offline") || !strcmp(s, "remove")) {
        *online = 0;
        return 0;
    }
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "mtu", required_argument, NULL, 'm' },
        { "uplink", required_argument, NULL, 'u' },
        { "netdev", required_argument, NULL, 'n' },
        { "ip", required_argument, NULL, 'i' },
        { "domid", required_argument, NULL, 'd' },
        { "devid", required_argument, NULL, 'v' },
        { "subnet", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uplink = NULL, *netdev = NULL, *ip = NULL, *subnet = NULL, *cmd;
    unsigned mtu = 0, domid = 0, devid = 0, val;
    int json = 0, have_domid = 0, have_devid = 0, online = 0, opt, rc;
    struct nbc *n = NULL;
    char **args;
    int nargs;

    while ((opt = getopt_long(argc, argv, "+jh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    cmd = argv[optind];
    /* Options may follow the command too. */
    argc -= optind;
    argv += optind;
    optind = 0;   /* 0 makes GNU getopt start afresh */
    while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'm': case 'd': case 'v':
            if (parse_uint(optarg, &val)) {
                fprintf(stderr, "netback-config: invalid number '%s'\n", optarg);
                return 2;
            }
            if (opt == 'm') mtu = val;
            else if (opt == 'd') { domid = val; have_domid = 1; }
            else { devid = val; have_devid = 1; }
            break;
        case 'u': uplink = optarg; break;
        case 'n': netdev = optarg; break;
        case 'i': ip = optarg; break;
        case 's': subnet = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    args = argv + optind;
    nargs = argc - optind;

    rc = nbc_open(&n);
    if (rc) {
        fprintf(stderr, "netback-config: cannot open rtnetlink: %s\n", strerror(-rc));
        return 1;
    }

#define NEED(lo, hi) do { if (nargs < (lo) || nargs > (hi)) goto bad_usage; } while (0)
    if (!strcmp(cmd, "list")) {
        NEED(0, 1);
        rc = cmd_list(n, nargs ? args[0] : NULL, json);
        nbc_close(n);
        return rc ? 1 : 0;
    } else if (!strcmp(cmd, "addbr")) {
        NEED(1, 1);
        rc = nbc_bridge_ensure(n, args[0], mtu);
    } else if (!strcmp(cmd, "delbr")) {
        NEED(1, 1);
        rc = nbc_bridge_delete(n, args[0], uplink);
    } else if (!strcmp(cmd, "enslave")) {
        NEED(2, 2);
        rc = nbc_uplink_enslave(n, args[0], args[1]);
    } else if (!strcmp(cmd, "addif")) {
        NEED(2, 2);
        rc = nbc_link_set_master(n, args[1], args[0]);
    } else if (!strcmp(cmd, "delif")) {
        NEED(1, 1);
        rc = nbc_link_set_master(n, args[0], NULL);
    } else if (!strcmp(cmd, "mtu")) {
        NEED(2, 2);
        if (parse_uint(args[1], &val) || val < 68) {
            fprintf(stderr, "netback-config: invalid MTU '%s'\n", args[1]);
            rc = -EINVAL;
            goto out_quiet;
        }
        rc = nbc_link_set_mtu(n, args[0], val);
    } else if (!strcmp(cmd, "up") || !strcmp(cmd, "down")) {
        NEED(1, 1);
        rc = nbc_link_set_up(n, args[0], !strcmp(cmd, "up"));
    } else if (!strcmp(cmd, "vif-bridge")) {
        NEED(2, 3);
        if (online_arg(args[0], &online))
            goto bad_usage;
        if (online) {
            if (nargs < 3)
                goto bad_usage;
            rc = nbc_vif_bridge_online(n, args[1], args[2], mtu);
        } else {
            rc = nbc_vif_bridge_offline(n, args[1]);
        }
    } else if (!strcmp(cmd, "vif-route")) {
        NEED(2, 2);
        if (online_arg(args[0], &online))
            goto bad_usage;
        rc = online ? nbc_vif_route_online(n, args[1], netdev, ip)
                    : nbc_vif_route_offline(n, args[1], netdev, ip);
    } else if (!strcmp(cmd, "vif-nat")) {
        NEED(2, 2);
        if (online_arg(args[0], &online))
            goto bad_usage;
        if (online && (!have_domid || !have_devid)) {
            fprintf(stderr, "netback-config: vif-nat online needs --domid and --devid\n");
            rc = -EINVAL;
            goto out_quiet;
        }
        rc = online ? nbc_vif_nat_online(n, args[1], (int)domid, (int)devid, ip)
                    : nbc_vif_nat_offline(n, args[1]);
    } else if (!strcmp(cmd, "host-route")) {
        NEED(1, 1);
        rc = nbc_host_routed(n, args[0]);
    } else if (!strcmp(cmd, "host-nat")) {
        NEED(0, 1);
        if (nargs)
            rc = nbc_nat_up(n, args[0], subnet);
        else if (subnet)
            goto bad_usage;
        else
            rc = nbc_host_nat(n);
    } else if (!strcmp(cmd, "nat-up") || !strcmp(cmd, "nat-down")) {
        NEED(1, 1);
        rc = !strcmp(cmd, "nat-up") ? nbc_nat_up(n, args[0], subnet)
                                    : nbc_nat_down(n, args[0], subnet);
    } else if (!strcmp(cmd, "nat-list")) {
        NEED(0, 0);
        rc = cmd_nat_list(n, json);
        nbc_close(n);
        return rc ? 1 : 0;
    } else {
        fprintf(stderr, "netback-config: unknown command '%s'\n", cmd);
        goto bad_usage_quiet;
    }
#undef NEED
    if (rc)
        fprintf(stderr, "netback-config: %s\n", nbc_errmsg(n));
out_quiet:
    nbc_close(n);
    return rc ? 1 : 0;

bad_usage:
    fprintf(stderr, "netback-config: wrong arguments for '%s'\n", cmd);
bad_usage_quiet:
    usage(stderr);
    nbc_close(n);
    return 2;
}
