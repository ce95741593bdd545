/* Network interface specifications, xl-network-configuration(5).
 *
 * A vif spec is a comma-separated list of key=value settings (plus the bare
 * words trusted/untrusted).  Semantics follow Xen 4.17's parse_nic_config
 * (tools/xl/xl_parse.c) and xlu_vif_parse_rate (tools/libs/util/
 * libxlu_vif.c), including their number parsing: MAC octets are strtoul
 * base 16, devid/mtu strtoul base 10 (trailing junk ignored, as xl does),
 * rates strtoull base 0 after a shape check.  Where xl would read past the
 * end of a short MAC we report an error instead. */
#include "libxl/vif_spec.h"
#include "libxl/suggest.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* "SOURCE: " prefix; an empty SOURCE means the caller adds its own. */
static const char *src_prefix(const char *source)
{
    static char buf[512];

    if (source && !*source)
        return "";
    snprintf(buf, sizeof(buf), "%s: ", source ? source : "command line");
    return buf;
}
#define SRC(s) src_prefix(s)

static void vif_err(const char *source, FILE *diag, const char *msg,
                    const char *what)
{
    if (diag)
        fprintf(diag, "%sconfig parsing error in vif: %s in `%s'\n",
                SRC(source), msg, what);
}

/* The two shapes xlu checks rates against, compiled once (regcomp is by
 * far the most expensive step of parsing a vif). */
static bool shape_matches(int which, const char *s)
{
    static const char *const res[2] = {
        "^[0-9]+[GMK]?[Bb]/s$",     /* bytes per second */
        "^[0-9]+[mu]?s?$",          /* replenishment interval */
    };
    static regex_t rec[2];
    static int state[2];            /* 0 not yet, 1 ok, -1 failed */

    if (!state[which])
        state[which] = regcomp(&rec[which], res[which],
                               REG_EXTENDED | REG_NOSUB) ? -1 : 1;
    return state[which] > 0 && regexec(&rec[which], s, 0, NULL, 0) == 0;
}

static int rate_bytes_per_sec(const char *source, FILE *diag, const char *s,
                              uint64_t *out)
{
    unsigned long long v;
    char *p;

    if (!shape_matches(0, s)) {
        vif_err(source, diag, "invalid rate", s);
        return -1;
    }
    errno = 0;
    v = strtoull(s, &p, 0);
    if (v == 0 || v > UINT32_MAX || errno == ERANGE) {
        vif_err(source, diag, "rate overflow", s);
        return -1;
    }
    if (*p == 'G')
        v *= 1000ULL * 1000 * 1000;
    else if (*p == 'M')
        v *= 1000ULL * 1000;
    else if (*p == 'K')
        v *= 1000;
    if (*p == 'b' || p[1] == 'b')
        v /= 8;
    *out = v;
    return 0;
}

static int rate_interval_usecs(const char *source, FILE *diag, const char *s,
                               uint32_t *out)
{
    unsigned long long v;
    char *p;

    if (!shape_matches(1, s)) {
        vif_err(source, diag, "invalid replenishment interval", s);
        return -1;
    }
    errno = 0;
    v = strtoull(s, &p, 0);
    if (v == 0 || v > UINT32_MAX || errno == ERANGE) {
        vif_err(source, diag, "replenishment interval overflow", s);
        return -1;
    }
    if (*p == 's' || *p == '\0')
        v *= 1000 * 1000;
    else if (*p == 'm')
        v *= 1000;
    if (v > UINT32_MAX) {
        vif_err(source, diag, "replenishment interval overflow", s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int pv_vif_rate_parse(const char *source, const char *rate,
                      struct pv_device_nic *nic, FILE *diag)
{
    uint64_t bytes_per_sec = 0;
    uint32_t interval_usecs = 50000;    /* libxl's default: 50ms */
    char *copy = strdup(rate), *at;
    int rc = -1;

    if (!copy)
        return -1;
    at = strchr(copy, '@');
    if (at)
        *at++ = 0;
    if (!*copy) {
        vif_err(source, diag, "no rate specified", rate);
        goto out;
    }
    if (rate_bytes_per_sec(source, diag, copy, &bytes_per_sec))
        goto out;
    if (at && rate_interval_usecs(source, diag, at, &interval_usecs))
        goto out;
    if (interval_usecs && bytes_per_sec > UINT64_MAX / interval_usecs) {
        vif_err(source, diag, "rate overflow", rate);
        goto out;
    }
    nic->rate_interval_usecs = interval_usecs;
    nic->rate_bytes_per_interval = bytes_per_sec * interval_usecs / 1000000;
    rc = 0;
out:
    free(copy);
    return rc;
}

static int replace(char **field, const char *val)
{
    char *n = strdup(val);

    if (!n)
        return -1;
    free(*field);
    *field = n;
    return 0;
}

static int parse_mac(const char *source, FILE *diag, const char *s,
                     uint8_t mac[6])
{
    const char *whole = s;
    unsigned long v;
    char *end;
    int i;

    for (i = 0; i < 6; i++) {
        v = strtoul(s, &end, 16);
        if (end == s || v > 255 || (i < 5 && !*end)) {
            if (diag)
                fprintf(diag, "%sinvalid vif parameter `mac': `%s' is not "
                        "a MAC address (6 hex octets, e.g. 00:16:3e:12:34:56)\n",
                        SRC(source), whole);
            return -1;
        }
        mac[i] = (uint8_t)v;
        s = end + (i < 5);
    }
    return 0;
}

static int parse_ulong(const char *source, FILE *diag, const char *key,
                       const char *s, int *out)
{
    unsigned long v;
    char *end;

    v = strtoul(s, &end, 10);
    if (end == s || v == ULONG_MAX) {
        if (diag)
            fprintf(diag, "%sinvalid vif parameter `%s': failed to convert "
                    "\"%s\" to number\n", SRC(source),
                    key, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The settings that only store a string, in parse_nic_config's order. */
#define NIC_STRING_KEYS(X) \
    X("bridge", bridge) X("gatewaydev", gatewaydev) X("ip", ip) \
    X("script", script) X("backend", backend_domname) \
    X("vifname", ifname) X("model", model) \
    X("forwarddev", coloft_forwarddev) \
    X("colo_sock_mirror_id", colo_sock_mirror_id) \
    X("colo_sock_mirror_ip", colo_sock_mirror_ip) \
    X("colo_sock_mirror_port", colo_sock_mirror_port) \
    X("colo_sock_compare_sec_in_id", colo_sock_compare_sec_in_id) \
    X("colo_sock_compare_sec_in_ip", colo_sock_compare_sec_in_ip) \
    X("colo_sock_compare_sec_in_port", colo_sock_compare_sec_in_port) \
    X("colo_sock_redirector0_id", colo_sock_redirector0_id) \
    X("colo_sock_redirector0_ip", colo_sock_redirector0_ip) \
    X("colo_sock_redirector0_port", colo_sock_redirector0_port) \
    X("colo_sock_redirector1_id", colo_sock_redirector1_id) \
    X("colo_sock_redirector1_ip", colo_sock_redirector1_ip) \
    X("colo_sock_redirector1_port", colo_sock_redirector1_port) \
    X("colo_sock_redirector2_id", colo_sock_redirector2_id) \
    X("colo_sock_redirector2_ip", colo_sock_redirector2_ip) \
    X("colo_sock_redirector2_port", colo_sock_redirector2_port) \
    X("colo_sock_compare_pri_in_id", colo_sock_compare_pri_in_id) \
    X("colo_sock_compare_pri_in_ip", colo_sock_compare_pri_in_ip) \
    X("colo_sock_compare_pri_in_port", colo_sock_compare_pri_in_port) \
    X("colo_sock_compare_notify_id", colo_sock_compare_notify_id) \
    X("colo_sock_compare_notify_ip", colo_sock_compare_notify_ip) \
    X("colo_sock_compare_notify_port", colo_sock_compare_notify_port) \
    X("colo_filter_mirror_queue", colo_filter_mirror_queue) \
    X("colo_filter_mirror_outdev", colo_filter_mirror_outdev) \
    X("colo_filter_redirector0_queue", colo_filter_redirector0_queue) \
    X("colo_filter_redirector0_indev", colo_filter_redirector0_indev) \
    X("colo_filter_redirector0_outdev", colo_filter_redirector0_outdev) \
    X("colo_filter_redirector1_queue", colo_filter_redirector1_queue) \
    X("colo_filter_redirector1_indev", colo_filter_redirector1_indev) \
    X("colo_filter_redirector1_outdev", colo_filter_redirector1_outdev) \
    X("colo_compare_pri_in", colo_compare_pri_in) \
    X("colo_compare_sec_in", colo_compare_sec_in) \
    X("colo_compare_out", colo_compare_out) \
    X("colo_compare_notify_dev", colo_compare_notify_dev) \
    X("colo_sock_sec_redirector0_id", colo_sock_sec_redirector0_id) \
    X("colo_sock_sec_redirector0_ip", colo_sock_sec_redirector0_ip) \
    X("colo_sock_sec_redirector0_port", colo_sock_sec_redirector0_port) \
    X("colo_sock_sec_redirector1_id", colo_sock_sec_redirector1_id) \
    X("colo_sock_sec_redirector1_ip", colo_sock_sec_redirector1_ip) \
    X("colo_sock_sec_redirector1_port", colo_sock_sec_redirector1_port) \
    X("colo_filter_sec_redirector0_queue", colo_filter_sec_redirector0_queue) \
    X("colo_filter_sec_redirector0_indev", colo_filter_sec_redirector0_indev) \
    X("colo_filter_sec_redirector0_outdev", colo_filter_sec_redirector0_outdev) \
    X("colo_filter_sec_redirector1_queue", colo_filter_sec_redirector1_queue) \
    X("colo_filter_sec_redirector1_indev", colo_filter_sec_redirector1_indev) \
    X("colo_filter_sec_redirector1_outdev", colo_filter_sec_redirector1_outdev) \
    X("colo_filter_sec_rewriter0_queue", colo_filter_sec_rewriter0_queue) \
    X("colo_checkpoint_host", colo_checkpoint_host) \
    X("colo_checkpoint_port", colo_checkpoint_port)

static const char *const vif_keys[] = {
#define KEYNAME(k, f) k,
    NIC_STRING_KEYS(KEYNAME)
#undef KEYNAME
    "type", "mac", "netdev", "rate", "accel", "devid", "mtu",
    "trusted", "untrusted", NULL,
};

const char *const *pv_vif_spec_keys(void)
{
    return vif_keys;
}

/* "key=" prefix match, as xl's MATCH_OPTION. */
static const char *opt(const char *token, const char *key)
{
    size_t n = strlen(key);

    if (strncmp(token, key, n) || token[n] != '=')
        return NULL;
    return token + n + 1;
}

int pv_vif_spec_parse_token(const char *source, const char *token,
                            struct pv_device_nic *nic, FILE *diag)
{
    const char *v;

    if ((v = opt(token, "type"))) {
        if (!strcmp(v, "vif")) {
            nic->nictype = PV_NIC_TYPE_VIF;
        } else if (!strcmp(v, "ioemu")) {
            nic->nictype = PV_NIC_TYPE_VIF_IOEMU;
        } else {
            if (diag)
                fprintf(diag, "%sinvalid vif parameter `type': `%s' "
                        "(expected vif or ioemu)\n",
                        SRC(source), v);
            return -1;
        }
        return 0;
    }
    if ((v = opt(token, "mac")))
        return parse_mac(source, diag, v, nic->mac);
    if ((v = opt(token, "netdev"))) {
        if (diag)
            fprintf(diag, "%swarning: the netdev parameter is deprecated, "
                    "please use gatewaydev instead\n",
                    SRC(source));
        return replace(&nic->gatewaydev, v);
    }
#define STRING_KEY(k, f) \
    if ((v = opt(token, k))) \
        return replace(&nic->f, v);
    NIC_STRING_KEYS(STRING_KEY)
#undef STRING_KEY
    if ((v = opt(token, "rate")))
        return pv_vif_rate_parse(source, v, nic, diag);
    if ((v = opt(token, "accel"))) {
        if (diag)
            fprintf(diag, "%swarning: the accel parameter for vifs is "
                    "currently not supported\n",
                    SRC(source));
        return 0;
    }
    if ((v = opt(token, "devid")))
        return parse_ulong(source, diag, "devid", v, &nic->devid);
    if ((v = opt(token, "mtu")))
        return parse_ulong(source, diag, "mtu", v, &nic->mtu);
    if (!strcmp(token, "trusted")) {
        pv_defbool_set(&nic->trusted, true);
        return 0;
    }
    if (!strcmp(token, "untrusted")) {
        pv_defbool_set(&nic->trusted, false);
        return 0;
    }
    if (diag) {
        char key[64];
        const char *hint;

        const char *near[sizeof(vif_keys) / sizeof(vif_keys[0])];
        size_t i, n = 0, klen, slack;

        snprintf(key, sizeof(key), "%.*s", (int)strcspn(token, "="), token);
        /* only keys of about the right length can be close (and no key
         * is longer than 34): skip the quadratic edit distance for the
         * rest */
        klen = strlen(key);
        slack = pv_suggest_max_distance(klen);
        for (i = 0; klen <= 40 && vif_keys[i]; i++) {
            size_t l = strlen(vif_keys[i]);

            if (l + slack >= klen && klen + slack >= l)
                near[n++] = vif_keys[i];
        }
        hint = pv_suggest(key, near, n);
        fprintf(diag, "%sunrecognized vif argument `%s'%s%s%s\n",
                SRC(source), token, hint ? "; did you mean `" : "",
                hint ? hint : "", hint ? "'?" : "");
    }
    return -1;
}

int pv_vif_spec_parse(const char *source, const char *spec,
                      struct pv_device_nic *nic, FILE *diag)
{
    char *copy = strdup(spec), *save = NULL, *p;
    int rc = 0;

    if (!copy)
        return -1;
    /* strtok semantics, as xl: empty items between commas vanish, and
     * only leading spaces of an item are skipped. */
    for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        while (*p == ' ')
            p++;
        rc = pv_vif_spec_parse_token(source, p, nic, diag);
        if (rc)
            break;
    }
    free(copy);
    return rc;
}
