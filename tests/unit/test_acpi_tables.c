/* The PVH ACPI tables are what Linux parses to find its vCPUs: walk them
 * from the RSDP as a guest would and check every signature, length,
 * checksum and pointer, the MADT's one LAPIC per vCPU and the DSDT's
 * Processor objects, for several vCPU counts. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "libxl/acpi_tables.h"

#define BASE 0xfc001000ull

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* The table at guest address ADDR, checked for signature, bounds,
 * alignment and checksum; returns its length via *LEN. */
static const uint8_t *table_at(const struct pv_acpi_tables *t, uint64_t addr,
                               const char *sig, uint32_t *len)
{
    const uint8_t *p;

    assert_true(addr >= BASE);
    assert_true(addr - BASE < t->len);
    assert_int_equal((addr - BASE) % 16, 0);
    p = t->blob + (addr - BASE);
    assert_memory_equal(p, sig, 4);
    *len = get32(p + 4);
    assert_true(*len >= 36);
    assert_true(addr - BASE + *len <= t->len);
    assert_int_equal(pv_acpi_sum(p, *len), 0);
    return p;
}

/* AML PkgLength at P: value and number of bytes it takes. */
static size_t pkglen(const uint8_t *p, size_t *n)
{
    size_t follow = p[0] >> 6, v, i;

    if (!follow) {
        *n = 1;
        return p[0] & 0x3f;
    }
    v = p[0] & 0x0f;
    for (i = 0; i < follow; i++)
        v |= (size_t)p[1 + i] << (4 + 8 * i);
    *n = 1 + follow;
    return v;
}

static void check_dsdt(const uint8_t *d, uint32_t len, unsigned nr)
{
    const uint8_t *p = d + 36;
    size_t n, scope;
    unsigned i;
    char name[12];

    assert_int_equal(p[0], 0x10);                   /* ScopeOp */
    scope = pkglen(p + 1, &n);
    assert_int_equal(1 + scope, len - 36);          /* fills the table */
    p += 1 + n;
    assert_memory_equal(p, "\\_SB_", 5);
    p += 5;
    for (i = 0; i < nr; i++) {
        assert_int_equal(p[0], 0x5b);
        assert_int_equal(p[1], 0x83);               /* ProcessorOp */
        assert_int_equal(pkglen(p + 2, &n), 11);
        assert_int_equal(n, 1);
        snprintf(name, sizeof(name), "PR%02X", i);
        assert_memory_equal(p + 3, name, 4);
        assert_int_equal(p[7], i);                  /* ProcID */
        p += 13;
    }
    assert_ptr_equal(p, d + len);
}

static void check_madt(const uint8_t *m, uint32_t len, unsigned nr,
                       unsigned online)
{
    const uint8_t *e = m + 44;
    unsigned i;

    assert_int_equal(len, 44 + 8 * nr);
    assert_int_equal(get32(m + 36), 0xfee00000);   /* LAPIC address */
    for (i = 0; i < nr; i++, e += 8) {
        assert_int_equal(e[0], 0);                  /* Processor Local APIC */
        assert_int_equal(e[1], 8);
        assert_int_equal(e[2], i);                  /* = the DSDT's ProcID */
        assert_int_equal(e[3], 2 * i);              /* Xen's vLAPIC id */
        assert_int_equal(get32(e + 4), i < online ? 1 : 0);
    }
}

static void walk(unsigned nr, unsigned online)
{
    struct pv_acpi_tables t;
    const uint8_t *r, *x, *f, *d, *m;
    uint32_t xl, fl, dl, ml;

    assert_int_equal(pv_acpi_build(nr, online, BASE, &t), 0);
    r = t.rsdp;
    assert_memory_equal(r, "RSD PTR ", 8);
    assert_int_equal(r[15], 2);
    assert_int_equal(get32(r + 20), PV_ACPI_RSDP_LEN);
    assert_int_equal(pv_acpi_sum(r, 20), 0);
    assert_int_equal(pv_acpi_sum(r, PV_ACPI_RSDP_LEN), 0);

    x = table_at(&t, get64(r + 24), "XSDT", &xl);
    assert_int_equal(xl, 36 + 2 * 8);
    f = table_at(&t, get64(x + 36), "FACP", &fl);
    m = table_at(&t, get64(x + 44), "APIC", &ml);

    assert_int_equal(fl, 268);
    assert_int_equal(f[8], 5);
    assert_true(get32(f + 112) & (1u << 20));      /* HW_REDUCED_ACPI */
    assert_int_equal(get32(f + 40), get64(f + 140)); /* DSDT = X_DSDT */
    assert_int_equal(get32(f + 36), 0);            /* no FACS */
    d = table_at(&t, get64(f + 140), "DSDT", &dl);

    check_dsdt(d, dl, nr);
    check_madt(m, ml, nr, online);
    pv_acpi_free(&t);
    assert_null(t.blob);
}

static void one_vcpu(void **state) { walk(1, 1); }
static void two_vcpus(void **state) { walk(2, 2); }
static void some_offline(void **state) { walk(8, 3); }
/* 4 DSDT processor objects fit a 1-byte scope PkgLength, more take 2
 * bytes, the maximum takes 2 as well: cover the boundary. */
static void pkglength_boundary(void **state)
{
    unsigned n;

    for (n = 1; n <= 12; n++)
        walk(n, 1);
}
static void max_vcpus(void **state) { walk(PV_ACPI_MAX_VCPUS, PV_ACPI_MAX_VCPUS); }

static void refuses_bad_counts(void **state)
{
    struct pv_acpi_tables t;

    errno = 0;
    assert_int_equal(pv_acpi_build(0, 0, BASE, &t), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(pv_acpi_build(2, 3, BASE, &t), -1);
    assert_int_equal(pv_acpi_build(2, 0, BASE, &t), -1);
    assert_int_equal(pv_acpi_build(PV_ACPI_MAX_VCPUS + 1, 1, BASE, &t), -1);
    assert_int_equal(pv_acpi_build(1, 1, 1ull << 32, &t), -1);
    assert_null(t.blob);
}

/* The whole set fits the single page libxl's layout reserves after the
 * info page for small guests, and the RSDP's tail stays zero. */
static void compact(void **state)
{
    struct pv_acpi_tables t;
    unsigned i;

    assert_int_equal(pv_acpi_build(16, 16, BASE, &t), 0);
    assert_true(t.len <= 4096);
    for (i = PV_ACPI_RSDP_LEN; i < sizeof(t.rsdp); i++)
        assert_int_equal(t.rsdp[i], 0);
    pv_acpi_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_vcpu),
        cmocka_unit_test(two_vcpus),
        cmocka_unit_test(some_offline),
        cmocka_unit_test(pkglength_boundary),
        cmocka_unit_test(max_vcpus),
        cmocka_unit_test(refuses_bad_counts),
        cmocka_unit_test(compact),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
