/* The disk specification grammar, xl-disk-configuration(5).
 *
 * Xen parses this with a flex scanner (tools/libs/util/libxlu_disk_l.l) and
 * its corner cases are defined by flex's rule: at each position the rule
 * with the LONGEST match wins, ties go to the rule listed first, and a rule
 * with trailing context (r/s) competes with the length of r+s but consumes
 * only r.  That is what lets "phy:/dev/x,raw,hda" be read as a deprecated
 * prefix instead of a target containing a colon, and "foo=bar" be an
 * unknown parameter while "foo" is positional.  We keep those semantics with
 * a small hand-written table of rules scanned the same way, so every spec
 * Xen accepts parses to the same libxl_device_disk and every spec it
 * rejects is rejected (tests/cli/disk-spec.cases holds the evidence).
 *
 * State persists across the words of one spec (xl block-attach DOM a b c
 * parses "a", "b", "c" into one disk), as in xlu_disk_parse. */
#include "libxl/disk_spec.h"
#include "libxl/suggest.h"

#include <stdlib.h>
#include <string.h>

enum rule_kind {
    R_WS,           /* [ \t\n]+/([^ \t\n].*)?   skipped */
    R_KV,           /* NAME=[^,]*,?               */
    R_FLAG,         /* WORD,?                     */
    R_TARGET,       /* target=.*                  */
    R_UNKNOWN_KV,   /* [a-z][-a-z0-9]*=[^,],?     */
    R_PREFIX,       /* (w1|w2..):/.*              deprecated prefixes */
    R_BAD_PREFIX,   /* [a-z][a-z0-9]*:/([^a-z0-9].*)? */
    R_POSITIONAL,   /* [^=,]*,|[^=,]+,?           */
    R_OTHER,        /* .  -> "bad disk syntax"    */
};

enum action {
    A_NONE, A_FORMAT, A_CDROM, A_DISK, A_BAD_DEVTYPE, A_ACCESS, A_BACKEND,
    A_BACKENDTYPE, A_SPECIFICATION, A_VDEV, A_SCRIPT, A_DIRECT_IO,
    A_DISCARD, A_NO_DISCARD, A_COLO, A_NO_COLO, A_COLO_HOST, A_COLO_PORT,
    A_COLO_EXPORT, A_ACTIVE_DISK, A_HIDDEN_DISK, A_TRUSTED, A_UNTRUSTED,
    A_TARGET, A_UNKNOWN_KV, A_PREFIX_FORMAT, A_PREFIX_SCRIPT, A_PREFIX_IGNORE,
    A_BAD_PREFIX, A_POSITIONAL, A_BAD_SYNTAX,
};

struct rule {
    enum rule_kind kind;
    const char *word;           /* R_KV: "name=", R_FLAG: word, R_PREFIX:
                                   '|'-separated words */
    enum action action;
};

/* In the order of libxlu_disk_l.l: order breaks ties. */
static const struct rule rules[] = {
    { R_WS, NULL, A_NONE },
    { R_KV, "format=", A_FORMAT },
    { R_FLAG, "cdrom", A_CDROM },
    { R_FLAG, "devtype=cdrom", A_CDROM },
    { R_FLAG, "devtype=disk", A_DISK },
    { R_KV, "devtype=", A_BAD_DEVTYPE },
    { R_KV, "access=", A_ACCESS },
    { R_KV, "backend=", A_BACKEND },
    { R_KV, "backendtype=", A_BACKENDTYPE },
    { R_KV, "specification=", A_SPECIFICATION },
    { R_KV, "vdev=", A_VDEV },
    { R_KV, "script=", A_SCRIPT },
    { R_FLAG, "direct-io-safe", A_DIRECT_IO },
    { R_FLAG, "discard", A_DISCARD },
    { R_FLAG, "no-discard", A_NO_DISCARD },
    { R_FLAG, "colo", A_COLO },
    { R_FLAG, "no-colo", A_NO_COLO },
    { R_KV, "colo-host=", A_COLO_HOST },
    { R_KV, "colo-port=", A_COLO_PORT },
    { R_KV, "colo-export=", A_COLO_EXPORT },
    { R_KV, "active-disk=", A_ACTIVE_DISK },
    { R_KV, "hidden-disk=", A_HIDDEN_DISK },
    { R_FLAG, "trusted", A_TRUSTED },
    { R_FLAG, "untrusted", A_UNTRUSTED },
    { R_TARGET, "target=", A_TARGET },
    { R_UNKNOWN_KV, NULL, A_UNKNOWN_KV },
    { R_PREFIX, "raw|qcow2|qcow|vhd", A_PREFIX_FORMAT },
    { R_PREFIX, "iscsi|enbd|nbd|drbd", A_PREFIX_SCRIPT },
    { R_PREFIX, "tapdisk", A_PREFIX_IGNORE },
    { R_PREFIX, "tap2|tap", A_PREFIX_IGNORE },
    { R_PREFIX, "aio", A_PREFIX_IGNORE },
    { R_PREFIX, "ioemu", A_PREFIX_IGNORE },
    { R_PREFIX, "file", A_PREFIX_IGNORE },
    { R_PREFIX, "phy", A_PREFIX_IGNORE },
    { R_BAD_PREFIX, NULL, A_BAD_PREFIX },
    { R_POSITIONAL, NULL, A_POSITIONAL },
    { R_OTHER, NULL, A_BAD_SYNTAX },
};

struct dpc {
    struct pv_device_disk *disk;
    const char *source;
    const char *spec;           /* the word being scanned, for messages */
    FILE *diag;
    int err;
    bool stop;                  /* an error after which flex returns */
    bool had_depr_prefix;
    bool access_set;
};

static bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_ws(int c) { return c == ' ' || c == '\t' || c == '\n'; }

/* Length of ".*" at p: flex's '.' matches anything but newline. */
static size_t dotstar(const char *p) { return strcspn(p, "\n"); }

static void disk_err(struct dpc *dpc, const char *near, const char *msg)
{
    if (dpc->diag) {
        /* an empty SOURCE means the caller adds its own position */
        if (!dpc->source || *dpc->source)
            fprintf(dpc->diag, "%s: ",
                    dpc->source ? dpc->source : "command line");
        fprintf(dpc->diag,
                "config parsing error in disk specification: %s%s%s%s"
                " in `%s'\n", msg,
                near ? ": near `" : "", near ? near : "", near ? "'" : "",
                dpc->spec ? dpc->spec : "");
    }
    dpc->err = -1;
}

/* Match rule R at P.  Returns the length competing for "longest match"
 * (including trailing context) or -1, and in *used the characters the
 * rule consumes. */
static long rule_match(const struct rule *r, const char *p, size_t *used,
                       size_t *wordlen)
{
    size_t n, wl;
    const char *w, *bar;

    switch (r->kind) {
    case R_WS:
        for (n = 0; is_ws((unsigned char)p[n]); n++)
            ;
        if (!n)
            return -1;
        *used = n;
        if (p[n] && !is_ws((unsigned char)p[n]))
            return (long)(n + dotstar(p + n));
        return (long)n;
    case R_KV:
        wl = strlen(r->word);
        if (strncmp(p, r->word, wl))
            return -1;
        n = wl + strcspn(p + wl, ",");
        if (p[n] == ',')
            n++;
        *used = n;
        return (long)n;
    case R_FLAG:
        wl = strlen(r->word);
        if (strncmp(p, r->word, wl))
            return -1;
        n = wl + (p[wl] == ',');
        *used = n;
        return (long)n;
    case R_TARGET:
        wl = strlen(r->word);
        if (strncmp(p, r->word, wl))
            return -1;
        *used = wl + dotstar(p + wl);
        return (long)*used;
    case R_UNKNOWN_KV:
        if (!is_lower((unsigned char)p[0]))
            return -1;
        for (n = 1; is_lower((unsigned char)p[n]) ||
                    is_digit((unsigned char)p[n]) || p[n] == '-'; n++)
            ;
        if (p[n] != '=' || !p[n + 1] || p[n + 1] == ',' || p[n + 1] == '\n')
            return -1;
        n += 2;
        if (p[n] == ',')
            n++;
        *used = n;
        return (long)n;
    case R_PREFIX:
        /* alternatives are listed longest first, so the first hit is the
         * longest possible r */
        for (w = r->word; w && *w; w = bar ? bar + 1 : NULL) {
            bar = strchr(w, '|');
            wl = bar ? (size_t)(bar - w) : strlen(w);
            if (!strncmp(p, w, wl) && p[wl] == ':') {
                *used = wl + 1;
                *wordlen = wl;
                return (long)(wl + 1 + dotstar(p + wl + 1));
            }
        }
        return -1;
    case R_BAD_PREFIX:
        if (!is_lower((unsigned char)p[0]))
            return -1;
        for (n = 1; is_lower((unsigned char)p[n]) ||
                    is_digit((unsigned char)p[n]); n++)
            ;
        if (p[n] != ':')
            return -1;
        n++;
        *used = n;
        if (p[n] && p[n] != '\n' && !is_lower((unsigned char)p[n]) &&
            !is_digit((unsigned char)p[n]))
            return (long)(n + dotstar(p + n));
        return (long)n;
    case R_POSITIONAL:
        n = strcspn(p, "=,");
        if (p[n] == ',')
            n++;
        if (!n)
            return -1;
        *used = n;
        return (long)n;
    case R_OTHER:
        if (!*p || *p == '\n')
            return -1;
        /* BEGIN(LEXERR); yymore(); then <LEXERR>.* takes the rest */
        *used = dotstar(p);
        return 1;
    }
    return -1;
}

static void savestring(struct dpc *dpc, const char *what, char **update,
                       const char *value)
{
    char msg[64];

    if (*update) {
        if (**update) {
            snprintf(msg, sizeof(msg), "%s respecified", what);
            disk_err(dpc, value, msg);
            return;
        }
        free(*update);  /* overwriting an empty string is not an error */
    }
    *update = strdup(value);
    if (!*update)
        disk_err(dpc, NULL, "out of memory");
}

static void setaccess(struct dpc *dpc, const char *s)
{
    if (!strcmp(s, "r") || !strcmp(s, "ro"))
        dpc->disk->readwrite = 0;
    else if (!strcmp(s, "rw") || !strcmp(s, "w") || !strcmp(s, ""))
        dpc->disk->readwrite = 1;
    else
        disk_err(dpc, s, "unknown value for access");
}

/* DSET: set an enum unless already set to something else. */
static void dset(struct dpc *dpc, int *member, int val, const char *s,
                 const char *what)
{
    char msg[64];

    if (*member != 0 && *member != val) {
        snprintf(msg, sizeof(msg), "%s respecified", what);
        disk_err(dpc, s, msg);
    } else {
        *member = val;
    }
}

static void setformat(struct dpc *dpc, const char *s)
{
    static const struct { const char *name; int v; } f[] = {
        { "", PV_DISK_FORMAT_RAW }, { "raw", PV_DISK_FORMAT_RAW },
        { "qcow", PV_DISK_FORMAT_QCOW }, { "qcow2", PV_DISK_FORMAT_QCOW2 },
        { "vhd", PV_DISK_FORMAT_VHD }, { "empty", PV_DISK_FORMAT_EMPTY },
        { "qed", PV_DISK_FORMAT_QED },
    };
    size_t i;

    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (!strcmp(s, f[i].name)) {
            dset(dpc, (int *)&dpc->disk->format, f[i].v, s, "format");
            return;
        }
    }
    disk_err(dpc, s, "unknown value for format");
}

static void setbackendtype(struct dpc *dpc, const char *s)
{
    static const struct { const char *name; int v; } b[] = {
        { "phy", PV_DISK_BACKEND_PHY }, { "tap", PV_DISK_BACKEND_TAP },
        { "qdisk", PV_DISK_BACKEND_QDISK },
        { "standalone", PV_DISK_BACKEND_STANDALONE },
    };
    size_t i;

    for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
        if (!strcmp(s, b[i].name)) {
            dset(dpc, (int *)&dpc->disk->backend, b[i].v, s, "backend");
            return;
        }
    }
    disk_err(dpc, s, "unknown value for backendtype");
}

static void setspecification(struct dpc *dpc, const char *s)
{
    if (!strcmp(s, "xen"))
        dset(dpc, (int *)&dpc->disk->specification,
             PV_DISK_SPECIFICATION_XEN, s, "specification");
    else if (!strcmp(s, "virtio"))
        dset(dpc, (int *)&dpc->disk->specification,
             PV_DISK_SPECIFICATION_VIRTIO, s, "specification");
    else
        disk_err(dpc, s, "unknown value for specification");
}

/* "<vdev>:<devtype>" (deprecated); returns true if STR had a colon. */
static bool vdev_and_devtype(struct dpc *dpc, char *str)
{
    char *colon = strrchr(str, ':');

    if (!colon)
        return false;
    *colon++ = 0;
    savestring(dpc, "vdev", &dpc->disk->vdev, str);
    if (!strcmp(colon, "cdrom"))
        dpc->disk->is_cdrom = 1;
    else if (!strcmp(colon, "disk"))
        dpc->disk->is_cdrom = 0;
    else
        disk_err(dpc, colon, "unknown deprecated type");
    return true;
}

static void positional(struct dpc *dpc, char *text)
{
    struct pv_device_disk *d = dpc->disk;

    if (dpc->err) {
        /* earlier errors would only cause confusing follow-on ones */
    } else if (!d->pdev_path) {
        savestring(dpc, "target", &d->pdev_path, text);
    } else if (!dpc->had_depr_prefix && d->format == PV_DISK_FORMAT_UNKNOWN) {
        if (!*d->pdev_path && vdev_and_devtype(dpc, text))
            d->format = PV_DISK_FORMAT_EMPTY;
        else
            setformat(dpc, text);
    } else if (!d->vdev) {
        if (!vdev_and_devtype(dpc, text))
            savestring(dpc, "vdev", &d->vdev, text);
    } else if (!dpc->access_set) {
        dpc->access_set = true;
        setaccess(dpc, text);
    } else {
        disk_err(dpc, text, "too many positional parameters");
        dpc->stop = true;
    }
}

static void act(struct dpc *dpc, const struct rule *r, char *text,
                size_t wordlen)
{
    struct pv_device_disk *d = dpc->disk;
    size_t len = strlen(text);
    char *val;

    /* STRIP(','): every rule but target and the prefixes drops one
     * trailing comma; target=.* strips it too. */
    if (r->kind != R_PREFIX && r->kind != R_BAD_PREFIX &&
        r->kind != R_OTHER && len && text[len - 1] == ',')
        text[--len] = 0;
    val = strchr(text, '=');
    val = val ? val + 1 : text;

    switch (r->action) {
    case A_NONE: break;
    case A_FORMAT: setformat(dpc, val); break;
    case A_CDROM: d->is_cdrom = 1; break;
    case A_DISK: d->is_cdrom = 0; break;
    case A_BAD_DEVTYPE: disk_err(dpc, text, "unknown value for type"); break;
    case A_ACCESS: setaccess(dpc, val); break;
    case A_BACKEND:
        savestring(dpc, "backend", &d->backend_domname, val);
        break;
    case A_BACKENDTYPE: setbackendtype(dpc, val); break;
    case A_SPECIFICATION: setspecification(dpc, val); break;
    case A_VDEV: savestring(dpc, "vdev", &d->vdev, val); break;
    case A_SCRIPT: savestring(dpc, "script", &d->script, val); break;
    case A_DIRECT_IO: d->direct_io_safe = true; break;
    case A_DISCARD: pv_defbool_set(&d->discard_enable, true); break;
    case A_NO_DISCARD: pv_defbool_set(&d->discard_enable, false); break;
    case A_COLO: pv_defbool_set(&d->colo_enable, true); break;
    case A_NO_COLO: pv_defbool_set(&d->colo_enable, false); break;
    case A_COLO_HOST: savestring(dpc, "colo-host", &d->colo_host, val); break;
    case A_COLO_PORT: {
        int port = atoi(val);
        if (port)
            d->colo_port = port;
        else
            disk_err(dpc, val, "unknown value for colo_port");
        break;
    }
    case A_COLO_EXPORT:
        savestring(dpc, "colo-export", &d->colo_export, val);
        break;
    case A_ACTIVE_DISK:
        savestring(dpc, "active-disk", &d->active_disk, val);
        break;
    case A_HIDDEN_DISK:
        savestring(dpc, "hidden-disk", &d->hidden_disk, val);
        break;
    case A_TRUSTED: pv_defbool_set(&d->trusted, true); break;
    case A_UNTRUSTED: pv_defbool_set(&d->trusted, false); break;
    case A_TARGET: savestring(dpc, "target", &d->pdev_path, val); break;
    case A_UNKNOWN_KV: {
        static const char *const keys[] = {
            "format", "devtype", "access", "backend", "backendtype",
            "specification", "vdev", "script", "colo-host", "colo-port",
            "colo-export", "active-disk", "hidden-disk", "target", NULL,
        };
        char key[32], msg[96];
        const char *hint;

        snprintf(key, sizeof(key), "%.*s", (int)strcspn(text, "="), text);
        hint = strlen(key) < 24 ? pv_suggest(key, keys, (size_t)-1) : NULL;
        snprintf(msg, sizeof(msg), "unknown parameter%s%s%s",
                 hint ? " (did you mean `" : "", hint ? hint : "",
                 hint ? "=...'?)" : "");
        disk_err(dpc, text, msg);
        break;
    }
    case A_PREFIX_FORMAT:
        dpc->had_depr_prefix = true;
        text[wordlen] = 0;
        setformat(dpc, text);
        break;
    case A_PREFIX_SCRIPT: {
        char script[32];
        dpc->had_depr_prefix = true;
        text[wordlen] = 0;
        snprintf(script, sizeof(script), "block-%s", text);
        savestring(dpc, "script", &d->script, script);
        break;
    }
    case A_PREFIX_IGNORE:
        dpc->had_depr_prefix = true;
        break;
    case A_BAD_PREFIX:
        disk_err(dpc, text, "unknown deprecated disk prefix");
        dpc->stop = true;
        break;
    case A_POSITIONAL: positional(dpc, text); break;
    case A_BAD_SYNTAX:
        /* flex quirk kept on purpose: the erroneous character goes into
         * yymore() and only <LEXERR>.* reports it; at the very end of the
         * word .* has nothing to match, so a single trailing bad character
         * ("xvda=") is dropped without a word.  Xen's xl accepts such
         * specs, and so must we. */
        if (text[1]) {
            disk_err(dpc, text, "bad disk syntax");
            dpc->stop = true;
        }
        break;
    }
}

static void scan_word(struct dpc *dpc, const char *word)
{
    const char *p = word;
    size_t nrules = sizeof(rules) / sizeof(rules[0]);

    dpc->spec = word;
    dpc->stop = false;
    while (*p && !dpc->stop) {
        const struct rule *best = NULL;
        long best_len = -1;
        size_t best_used = 0, best_wl = 0, i;
        char *text;

        for (i = 0; i < nrules; i++) {
            size_t used = 0, wl = 0;
            long len = rule_match(&rules[i], p, &used, &wl);

            if (len > best_len) {
                best = &rules[i];
                best_len = len;
                best_used = used;
                best_wl = wl;
            }
        }
        if (!best) {
            /* only a lone newline gets here; flex's nodefault would
             * complain, we treat it as whitespace */
            p++;
            continue;
        }
        text = strndup(p, best_used);
        if (!text) {
            disk_err(dpc, NULL, "out of memory");
            return;
        }
        act(dpc, best, text, best_wl);
        free(text);
        p += best_used;
    }
}

int pv_disk_spec_parse_words(const char *source, int nspecs,
                             const char *const *specs,
                             struct pv_device_disk *disk, FILE *diag)
{
    struct dpc dpc = { .disk = disk, .source = source, .diag = diag };
    int i;

    pv_device_disk_init(disk);
    disk->readwrite = 1;
    for (i = 0; i < nspecs; i++) {
        scan_word(&dpc, specs[i]);
        if (dpc.err)
            goto out;
    }
    dpc.spec = nspecs ? specs[nspecs - 1] : "";

    if (disk->format == PV_DISK_FORMAT_UNKNOWN)
        disk->format = PV_DISK_FORMAT_RAW;
    if (disk->is_cdrom) {
        disk->removable = 1;
        disk->readwrite = 0;
        if (!disk->pdev_path || !*disk->pdev_path)
            disk->format = PV_DISK_FORMAT_EMPTY;
    }
    if (!disk->vdev) {
        disk_err(&dpc, NULL, "no vdev specified");
        goto out;
    }
    if (!disk->pdev_path && !disk->removable) {
        disk_err(&dpc, NULL, "no target specified (and device not removable)");
        goto out;
    }
out:
    if (dpc.err) {
        pv_device_disk_dispose(disk);
        return -1;
    }
    return 0;
}

int pv_disk_spec_parse(const char *source, const char *spec,
                       struct pv_device_disk *disk, FILE *diag)
{
    return pv_disk_spec_parse_words(source, 1, &spec, disk, diag);
}
