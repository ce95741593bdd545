/* PVH (HVM container, no device model, no firmware) parts of the domain
 * builder, as libxl 4.17's libxl__build_hvm / libxl__arch_domain_create /
 * libxl__dom_load_acpi do them for type="pvh" (internal to libxl/).
 *
 * Guest-physical layout (same as libxl's):
 *   [0, lowmem_end)              RAM (lowmem_end <= 0xfc000000)
 *   0xfc000000                   ACPI info page (libxl's acpi_info; zero here)
 *   0xfc001000 + tables          FADT, DSDT, MADT, XSDT (acpi_tables.h)
 *   next page (or 0xfffc0)       RSDP
 *   0xfeff8000 - 0xff000000      the 8 HVM special pages (store, console...)
 *   0xfee00000                   the local APIC (in the MMIO hole)
 *   [4G, highmem_end)            RAM above the 64 MB hole, if any
 */
#ifndef PV_DOM_PVH_H
#define PV_DOM_PVH_H

#include "libxl/dom.h"
#include "libxl/dom_xs.h"

#include <stdbool.h>
#include <xenctrl.h>
#include <xenguest.h>

#define PVH_ACPI_INFO_ADDR  0xfc000000ull   /* libxl's ACPI_INFO_PHYSICAL_ADDRESS */
#define PVH_LAPIC_ADDR      0xfee00000ull
#define PVH_RSDP_LOW_ADDR   (0x100000ull - 64)
#define PVH_NR_ACPI_MODULES 3               /* RSDP, info page, tables */

/* RAM layout below/above the MMIO hole for MEM_BYTES of guest memory. */
struct pvh_mem_layout {
    uint64_t mmio_start, mmio_size;
    uint64_t lowmem_end, highmem_end;       /* highmem_end 0: none */
};
void pvh_mem_layout(uint64_t mem_bytes, struct pvh_mem_layout *l);

/* The e820 libxl's domain_construct_memmap makes: low RAM, the special
 * pages reserved, one ACPI entry per module, high RAM.  Returns the number
 * of entries written to OUT (room for MAX), or -1. */
int pvh_e820(const struct pvh_mem_layout *l,
             const struct xc_hvm_firmware_module *mods, unsigned nmods,
             struct e820entry *out, unsigned max);

/* libxl__get_required_paging_memory for an HVM-container guest. */
uint64_t pvh_paging_mempool_kb(uint64_t max_kb, unsigned max_vcpus, bool hap);

/* libxl__arch_domain_create's HVM part: HVM params and the paging pool. */
int pvh_dom_arch_create(xc_interface *xch, const struct pv_dom_params *p,
                        uint32_t domid);

/* The builder steps PV and PVH share (libxl/dom_build.c): see there. */
typedef int pv_dom_build_hook(xc_interface *xch, struct xc_dom_image *dom,
                              void *arg, const char **step);
int pv_dom_build_steps(xc_interface *xch, struct xc_dom_image *dom,
                       const struct pv_dom_params *p,
                       const struct pv_dom_xs_state *st, uint64_t mem_mb,
                       const char *parse_step, pv_dom_build_hook *after_mem,
                       void *arg, const char **step);
/* The message for a failed STEP of building WHAT ("domain", "PVH domain"). */
void pv_dom_build_failed(const struct pv_dom_params *p, uint32_t domid,
                         const char *what, const char *step);

/* libxl__build_hvm for PVH: kernel, ramdisk, memory, ACPI, e820, start
 * info; fills st->store_mfn/console_mfn (guest frame numbers). */
int pvh_dom_build(xc_interface *xch, const struct pv_dom_params *p,
                  struct pv_dom_xs_state *st);

#endif
