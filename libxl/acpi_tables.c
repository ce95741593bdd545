/* ACPI table generator for PVH guests; see acpi_tables.h for the design.
 * Tables are written byte by byte in little-endian order (ACPI's), so the
 * layout does not depend on struct packing. */
#include "libxl/acpi_tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN 36
#define FADT_LEN 268            /* ACPI 5.0 FADT */
#define FADT_REVISION 5
#define MADT_REVISION 2         /* as libacpi's ACPI_2_0_MADT_REVISION */
#define DSDT_REVISION 2         /* 64-bit integers in AML */
#define XSDT_REVISION 1
#define LAPIC_BASE 0xfee00000u

/* FADT flags (ACPI 5.0 table 5-35) */
#define FADT_WBINVD             (1u << 0)
#define FADT_PROC_C1            (1u << 2)
#define FADT_PWR_BUTTON         (1u << 4)   /* no fixed power button */
#define FADT_SLP_BUTTON         (1u << 5)   /* no fixed sleep button */
#define FADT_FIX_RTC            (1u << 6)
#define FADT_USE_PLATFORM_CLOCK (1u << 15)
#define FADT_HW_REDUCED_ACPI    (1u << 20)
/* IA-PC boot architecture flags */
#define BOOT_NO_VGA             (1u << 2)
#define BOOT_NO_CMOS_RTC        (1u << 5)

static const char oem_id[6] = { 'P', 'V', 'S', 'T', 'K', ' ' };
static const char oem_table_id[8] = { 'P', 'V', 'H', ' ', ' ', ' ', ' ', ' ' };

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, v);
    put32(p + 4, v >> 32);
}

uint8_t pv_acpi_sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;

    while (len--)
        s += *b++;
    return s;
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    t[9] = 0;                           /* checksum, set last */
    memcpy(t + 10, oem_id, 6);
    memcpy(t + 16, oem_table_id, 8);
    put32(t + 24, 1);                   /* OEM revision */
    memcpy(t + 28, "PVST", 4);          /* creator id */
    put32(t + 32, 1);                   /* creator revision */
}

static void checksum(uint8_t *t, size_t len, size_t at)
{
    t[at] = 0;
    t[at] = (uint8_t)-pv_acpi_sum(t, len);
}

/* AML PkgLength of a package whose contents (after the PkgLength itself)
 * take LEN bytes; the encoded value counts its own bytes too. */
static size_t pkglen_size(size_t len)
{
    if (len + 1 < 0x40)
        return 1;
    if (len + 2 < 0x1000)
        return 2;
    return 3;
}

static uint8_t *put_pkglen(uint8_t *p, size_t len)
{
    size_t n = pkglen_size(len), v = len + n;

    if (n == 1) {
        *p++ = v;
        return p;
    }
    *p++ = ((n - 1) << 6) | (v & 0x0f);
    v >>= 4;
    while (--n) {
        *p++ = v & 0xff;
        v >>= 8;
    }
    return p;
}

#define PROC_OBJ_BODY 10        /* NameSeg, ProcID, PblkAddr, PblkLen */

static size_t dsdt_len(unsigned nr_vcpus)
{
    size_t procs = nr_vcpus * (2 + 1 + PROC_OBJ_BODY);
    size_t scope = 5 + procs;           /* \_SB_ + processors */

    return HDR_LEN + 1 + pkglen_size(scope) + scope;
}

/* DefinitionBlock: Scope (\_SB) { Processor (PRnn, n, 0, 0) {} ... } */
static void build_dsdt(uint8_t *t, unsigned nr_vcpus)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = dsdt_len(nr_vcpus);
    uint8_t *p = t + HDR_LEN;
    unsigned i;

    header(t, "DSDT", len, DSDT_REVISION);
    *p++ = 0x10;                                    /* ScopeOp */
    p = put_pkglen(p, 5 + nr_vcpus * (2 + 1 + PROC_OBJ_BODY));
    memcpy(p, "\\_SB_", 5);
    p += 5;
    for (i = 0; i < nr_vcpus; i++) {
        *p++ = 0x5b;                                /* ExtOpPrefix */
        *p++ = 0x83;                                /* ProcessorOp */
        p = put_pkglen(p, PROC_OBJ_BODY);
        *p++ = 'P';
        *p++ = 'R';
        *p++ = hex[(i >> 4) & 0xf];
        *p++ = hex[i & 0xf];
        *p++ = i;                                   /* ProcID = MADT's */
        put32(p, 0);                                /* no P_BLK */
        p += 4;
        *p++ = 0;
    }
    checksum(t, len, 9);
}

static void gas_zero(uint8_t *p)
{
    memset(p, 0, 12);
}

static void build_fadt(uint8_t *t, uint64_t dsdt)
{
    memset(t, 0, FADT_LEN);
    header(t, "FACP", FADT_LEN, FADT_REVISION);
    put32(t + 40, (uint32_t)dsdt);                  /* DSDT */
    put16(t + 109, BOOT_NO_VGA | BOOT_NO_CMOS_RTC); /* IAPC_BOOT_ARCH */
    put32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
          FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_USE_PLATFORM_CLOCK |
          FADT_HW_REDUCED_ACPI);
    gas_zero(t + 116);                              /* no RESET_REG */
    put64(t + 140, dsdt);                           /* X_DSDT */
    /* X_PM*, X_GPE*, SLEEP_CONTROL/STATUS: all absent (zero), as a
     * hardware-reduced platform without fixed hardware has them. */
    checksum(t, FADT_LEN, 9);
}

static size_t madt_len(unsigned nr_vcpus)
{
    return HDR_LEN + 8 + 8 * (size_t)nr_vcpus;
}

static void build_madt(uint8_t *t, unsigned nr_vcpus, unsigned nr_online)
{
    size_t len = madt_len(nr_vcpus);
    uint8_t *p = t + HDR_LEN;
    unsigned i;

    header(t, "APIC", len, MADT_REVISION);
    put32(p, LAPIC_BASE);
    put32(p + 4, 1);                                /* PCAT_COMPAT */
    p += 8;
    for (i = 0; i < nr_vcpus; i++) {
        p[0] = 0;                                   /* Processor Local APIC */
        p[1] = 8;
        p[2] = i;                                   /* ACPI processor id */
        p[3] = 2 * i;                               /* APIC id */
        put32(p + 4, i < nr_online ? 1 : 0);        /* enabled */
        p += 8;
    }
    checksum(t, len, 9);
}

static size_t align16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

int pv_acpi_build(unsigned nr_vcpus, unsigned nr_online, uint64_t base,
                  struct pv_acpi_tables *out)
{
    size_t off_fadt, off_dsdt, off_madt, off_xsdt, total;
    const size_t xsdt_len = HDR_LEN + 2 * 8;
    uint8_t *b, *r;

    memset(out, 0, sizeof(*out));
    if (nr_vcpus < 1 || nr_vcpus > PV_ACPI_MAX_VCPUS || nr_online < 1 ||
        nr_online > nr_vcpus || base > UINT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    off_fadt = 0;
    off_dsdt = align16(off_fadt + FADT_LEN);
    off_madt = align16(off_dsdt + dsdt_len(nr_vcpus));
    off_xsdt = align16(off_madt + madt_len(nr_vcpus));
    total = off_xsdt + xsdt_len;
    b = calloc(1, total);
    if (!b)
        return -1;

    build_dsdt(b + off_dsdt, nr_vcpus);
    build_fadt(b + off_fadt, base + off_dsdt);
    build_madt(b + off_madt, nr_vcpus, nr_online);
    header(b + off_xsdt, "XSDT", xsdt_len, XSDT_REVISION);
    put64(b + off_xsdt + HDR_LEN, base + off_fadt);
    put64(b + off_xsdt + HDR_LEN + 8, base + off_madt);
    checksum(b + off_xsdt, xsdt_len, 9);

    r = out->rsdp;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, oem_id, 6);
    r[15] = 2;                                      /* ACPI 2.0+ */
    put32(r + 16, 0);                               /* no RSDT */
    put32(r + 20, PV_ACPI_RSDP_LEN);
    put64(r + 24, base + off_xsdt);
    checksum(r, 20, 8);                             /* ACPI 1.0 part */
    checksum(r, PV_ACPI_RSDP_LEN, 32);              /* extended */

    out->blob = b;
    out->len = total;
    return 0;
}

void pv_acpi_free(struct pv_acpi_tables *t)
{
    free(t->blob);
    t->blob = NULL;
    t->len = 0;
}
