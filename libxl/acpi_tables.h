/* ACPI tables for PVH guests (what libxl builds with libacpi for PVH).
 *
 * A PVH guest has no firmware: the toolstack hands it an RSDP through
 * hvm_start_info.rsdp_paddr, and Linux finds its vCPUs in the MADT.  We
 * build the smallest set that does this on a hardware-reduced platform:
 *
 *   RSDP (rev 2) -> XSDT -> FADT (rev 5, HW_REDUCED_ACPI) -> DSDT
 *                        -> MADT (one local APIC per vCPU)
 *
 * The DSDT holds one Processor object per vCPU (\_SB.PRnn, processor id n)
 * so the ids in the MADT have namespace objects, as in libxl's DSDT.
 * Local APIC ids are 2*n: that is how Xen numbers the vLAPICs of HVM vCPUs.
 *
 * Invariants: every table is 16-byte aligned inside one blob that the caller
 * places at guest-physical BASE; every checksum makes its table sum to 0.
 * Pure code (no Xen calls), so the unit tests check it byte by byte.
 */
#ifndef PV_ACPI_TABLES_H
#define PV_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define PV_ACPI_RSDP_LEN 36
#define PV_ACPI_MAX_VCPUS 128   /* HVM_MAX_VCPUS */

struct pv_acpi_tables {
    uint8_t *blob;          /* FADT, DSDT, MADT, XSDT, for guest addr BASE */
    size_t len;             /* bytes used in blob */
    uint8_t rsdp[64];       /* PV_ACPI_RSDP_LEN used, rest zero (the
                             * 64 bytes libxl copies to the guest) */
};

/* Build tables for NR_VCPUS vCPUs of which the first NR_ONLINE are online
 * (MADT "enabled").  Returns 0, or -1 (EINVAL: bad counts, ENOMEM). */
int pv_acpi_build(unsigned nr_vcpus, unsigned nr_online, uint64_t base,
                  struct pv_acpi_tables *out);
void pv_acpi_free(struct pv_acpi_tables *t);

/* Sum of LEN bytes (0 for a table with a right checksum). */
uint8_t pv_acpi_sum(const void *p, size_t len);

#endif
