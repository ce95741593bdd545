/* xl list / domid / domname and the domain queries under them, against a
 * fake hypervisor and xenstore (link-time --wrap, see tests/sandbox/module.mk).
 * The expected table lines are copied from Debian's xl 4.17 output on the
 * sandbox host, so a formatting slip shows here before it reaches the e2e
 * comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl/xl.h"
#include "libxl/ctx.h"
#include "libxl/domain_query.h"

/* ---- fake hypervisor and xenstore ---------------------------------------- */

struct fake_dom {
    uint32_t domid;
    uint32_t flags;
    uint64_t tot_pages;
    uint64_t cpu_time;
    uint32_t vcpus;
    const char *name;        /* NULL: no name node */
    const char *start_time;  /* NULL: no /vm/.../start_time */
};

static const struct fake_dom *doms;
static int ndoms;
static int getinfo_calls;

int __wrap_xc_domain_getinfolist(xc_interface *xch, uint32_t first,
                                 unsigned int max, xc_domaininfo_t *info)
{
    int i, n = 0;

    getinfo_calls++;
    for (i = 0; i < ndoms && (unsigned)n < max; i++) {
        if (doms[i].domid < first)
            continue;
        memset(&info[n], 0, sizeof(info[n]));
        info[n].domain = doms[i].domid;
        info[n].flags = doms[i].flags;
        info[n].tot_pages = doms[i].tot_pages;
        info[n].max_pages = doms[i].tot_pages;
        info[n].cpu_time = doms[i].cpu_time;
        info[n].nr_online_vcpus = doms[i].vcpus;
        info[n].max_vcpu_id = doms[i].vcpus - 1;
        info[n].handle[0] = 0xde;
        info[n].handle[15] = (uint8_t)doms[i].domid;
        n++;
    }
    return n;
}

void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
                     unsigned int *len)
{
    unsigned id;
    int i, off = 0;
    const char *v = NULL;
    char buf[64];

    if (sscanf(path, "/local/domain/%u/%n", &id, &off) == 1 && off) {
        for (i = 0; i < ndoms; i++) {
            if (doms[i].domid != id)
                continue;
            if (!strcmp(path + off, "name"))
                v = doms[i].name;
            else if (!strcmp(path + off, "vm") && doms[i].start_time) {
                snprintf(buf, sizeof(buf), "/vm/uuid-%u", id);
                v = buf;
            }
        }
    } else if (sscanf(path, "/vm/uuid-%u/start_time", &id) == 1) {
        for (i = 0; i < ndoms; i++)
            if (doms[i].domid == id)
                v = doms[i].start_time;
    } else if (!strcmp(path, "/local/pool/0/name")) {
        v = "Pool-0";
    }
    if (!v)
        return NULL;
    if (len)
        *len = strlen(v);
    return strdup(v);
}

xc_interface *__wrap_xc_interface_open(xentoollog_logger *l,
                                       xentoollog_logger *dl, unsigned f)
{
    return (xc_interface *)&doms;
}
int __wrap_xc_interface_close(xc_interface *xch) { return 0; }
struct xs_handle *__wrap_xs_open(unsigned long flags)
{
    return (struct xs_handle *)&ndoms;
}
void __wrap_xs_close(struct xs_handle *h) { }

/* xl_getopt lives in xl/main.c, which is not in an archive; this stand-in
 * has its contract (-2 + *rc on -h or a bad option, min_args checked). */
struct xl_globals xl_g;
__attribute__((weak)) int xl_getopt(int argc, char **argv, const char *opts,
                                    const struct option *longopts,
                                    const char *cmd, int min_args, int *rc)
{
    char optstring[64];
    int opt;

    snprintf(optstring, sizeof(optstring), "+h%s", opts);
    opt = longopts ? getopt_long(argc, argv, optstring, longopts, NULL)
                   : getopt(argc, argv, optstring);
    if (opt == 'h' || opt == '?') {
        *rc = opt == 'h' ? 0 : 2;
        return -2;
    }
    if (opt == -1 && argc - optind < min_args) {
        *rc = 2;
        return -2;
    }
    return opt;
}

/* ---- helpers ------------------------------------------------------------- */

static const struct fake_dom two_doms[] = {
    { 0, XEN_DOMINF_running, 262144, 5400000000ULL, 1, "Domain-0", NULL },
    /* blocked, paused, shut down for "crash", dying */
    { 3, XEN_DOMINF_blocked | XEN_DOMINF_paused | XEN_DOMINF_shutdown |
         XEN_DOMINF_dying | (3u << XEN_DOMINF_shutdownshift),
      32768, 12340000000ULL, 2, "web", "1700000000.00" },
};

static void use(const struct fake_dom *d, int n)
{
    doms = d;
    ndoms = n;
    getinfo_calls = 0;
}

/* Runs FN(argv) with stdout captured into a malloc'd string. */
static char *capture(int (*fn)(int, char **), int *rc, int argc, ...)
{
    char *argv[8], *out;
    FILE *tmp = tmpfile();
    int saved, i;
    long len;
    va_list ap;

    va_start(ap, argc);
    for (i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    saved = dup(1);
    dup2(fileno(tmp), 1);
    optind = 1;
    *rc = fn(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    len = ftell(tmp);
    out = calloc(1, (size_t)len + 1);
    rewind(tmp);
    if (fread(out, 1, (size_t)len, tmp) != (size_t)len)
        out[0] = 0;
    fclose(tmp);
    return out;
}

/* ---- tests --------------------------------------------------------------- */

static void list_matches_xl_layout(void **state)
{
    int rc;
    char *out;

    use(two_doms, 2);
    out = capture(main_list, &rc, 1, "list");
    assert_int_equal(rc, 0);
    assert_string_equal(out,
        "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
        "Domain-0                                     0  1024     1     r-----       5.4\n"
        "web                                          3   128     2     -bpscd      12.3\n");
    free(out);
}

static void list_verbose_adds_uuid_reason_label(void **state)
{
    int rc;
    char *out;

    use(two_doms, 2);
    out = capture(main_list, &rc, 2, "list", "-v");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out,
        "Name                                        ID   Mem VCPUs\tState\tTime(s)"
        "   UUID                            Reason-Code\tSecurity Label\n"));
    assert_non_null(strstr(out,
        "       5.4 de000000-0000-0000-0000-000000000000        -                -\n"));
    assert_non_null(strstr(out,
        "      12.3 de000000-0000-0000-0000-000000000003        3                -\n"));
    free(out);
}

static void list_one_domain_by_name_and_id(void **state)
{
    int rc;
    char *out;

    use(two_doms, 2);
    out = capture(main_list, &rc, 2, "list", "web");
    assert_int_equal(rc, 0);
    assert_null(strstr(out, "Domain-0"));
    assert_non_null(strstr(out, "\nweb "));
    free(out);
    out = capture(main_list, &rc, 2, "list", "0");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\nDomain-0 "));
    assert_null(strstr(out, "web"));
    free(out);
}

static void list_unknown_domain_fails(void **state)
{
    int rc;
    char *out;

    use(two_doms, 2);
    out = capture(main_list, &rc, 2, "list", "nosuch");
    assert_int_not_equal(rc, 0);
    assert_string_equal(out, "");
    free(out);
    out = capture(main_list, &rc, 2, "list", "7");
    assert_int_not_equal(rc, 0);
    free(out);
}

static void unnamed_domain_prints_null_like_xl(void **state)
{
    static const struct fake_dom d[] = {
        { 0, XEN_DOMINF_running, 262144, 0, 1, "Domain-0", NULL },
        { 9, XEN_DOMINF_blocked, 256, 0, 1, NULL, NULL },
    };
    int rc;
    char *out;

    use(d, 2);
    out = capture(main_list, &rc, 1, "list");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\n(null)                                       9     1     1"));
    free(out);
}

static void qualifier_digits_are_ids_names_are_looked_up(void **state)
{
    struct pv_ctx ctx;
    uint32_t id = 77;

    use(two_doms, 2);
    assert_int_equal(pv_ctx_open(&ctx, PV_CTX_XC | PV_CTX_XS), 0);
    /* All digits: an id, not checked for existence (xl's rule). */
    assert_int_equal(pv_domain_qualifier(&ctx, "42", &id), 0);
    assert_int_equal(id, 42);
    assert_int_equal(getinfo_calls, 0);
    assert_int_equal(pv_domain_qualifier(&ctx, "web", &id), 0);
    assert_int_equal(id, 3);
    assert_int_equal(pv_domain_qualifier(&ctx, "we", &id), PV_ERROR_DOMAIN_NOTFOUND);
    assert_int_equal(pv_domain_qualifier(&ctx, "", &id), PV_ERROR_INVAL);
    assert_int_equal(pv_domain_qualifier(&ctx, "99999999999", &id), PV_ERROR_INVAL);
    pv_ctx_close(&ctx);
    assert_null(ctx.xch);
    assert_null(ctx.xsh);
}

static void domain_list_pages_through_batches(void **state)
{
    static struct fake_dom many[1500];
    struct pv_ctx ctx;
    struct pv_dominfo *list = NULL, one;
    int n = 0, i;

    for (i = 0; i < 1500; i++) {
        many[i].domid = (uint32_t)i * 2;
        many[i].tot_pages = 1;
        many[i].vcpus = 1;
    }
    use(many, 1500);
    assert_int_equal(pv_ctx_open(&ctx, PV_CTX_XC | PV_CTX_XS), 0);
    assert_int_equal(pv_domain_list(&ctx, &list, &n), 0);
    assert_int_equal(n, 1500);
    assert_int_equal(list[1499].domid, 2998);
    assert_int_equal(list[7].current_memkb, 4);
    free(list);
    /* getinfolist answers the next domain up: an odd id must not match. */
    assert_int_equal(pv_domain_info(&ctx, 5, &one), PV_ERROR_DOMAIN_NOTFOUND);
    assert_int_equal(pv_domain_info(&ctx, 6, &one), 0);
    assert_int_equal(one.domid, 6);
    pv_ctx_close(&ctx);
}

static void start_time_and_names(void **state)
{
    struct pv_ctx ctx;
    unsigned long t = 0;
    char *s;

    use(two_doms, 2);
    assert_int_equal(pv_ctx_open(&ctx, PV_CTX_XS), 0);
    assert_null(ctx.xch);
    assert_int_equal(pv_domain_start_time(&ctx, 3, &t), 0);
    assert_int_equal(t, 1700000000UL);
    assert_int_equal(pv_domain_start_time(&ctx, 0, &t), PV_ERROR_FAIL);
    s = pv_domain_name(&ctx, 3);
    assert_string_equal(s, "web");
    free(s);
    assert_null(pv_domain_name(&ctx, 4));
    s = pv_cpupool_name(&ctx, 0);
    assert_string_equal(s, "Pool-0");
    free(s);
    pv_ctx_close(&ctx);
}

static void domid_and_domname_commands(void **state)
{
    int rc;
    char *out;

    use(two_doms, 2);
    out = capture(main_domid, &rc, 2, "domid", "web");
    assert_int_equal(rc, 0);
    assert_string_equal(out, "3\n");
    free(out);
    out = capture(main_domname, &rc, 2, "domname", "3");
    assert_int_equal(rc, 0);
    assert_string_equal(out, "web\n");
    free(out);
    out = capture(main_domname, &rc, 2, "domname", "x");
    assert_int_not_equal(rc, 0);
    free(out);
    out = capture(main_domid, &rc, 2, "domid", "nosuch");
    assert_int_not_equal(rc, 0);
    free(out);
}

static void uuid_format(void **state)
{
    const uint8_t u[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                            0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87 };
    char buf[37];

    pv_uuid_format(u, buf);
    assert_string_equal(buf, "01234567-89ab-cdef-f0e1-d2c3b4a59687");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_matches_xl_layout),
        cmocka_unit_test(list_verbose_adds_uuid_reason_label),
        cmocka_unit_test(list_one_domain_by_name_and_id),
        cmocka_unit_test(list_unknown_domain_fails),
        cmocka_unit_test(unnamed_domain_prints_null_like_xl),
        cmocka_unit_test(qualifier_digits_are_ids_names_are_looked_up),
        cmocka_unit_test(domain_list_pages_through_batches),
        cmocka_unit_test(start_time_and_names),
        cmocka_unit_test(domid_and_domname_commands),
        cmocka_unit_test(uuid_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
