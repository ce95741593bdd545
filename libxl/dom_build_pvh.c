/* Building a PVH domain: libxl 4.17's libxl__build_hvm for type="pvh"
 * (no device model, no firmware: the kernel's PVH entry point is started
 * directly with an hvm_start_info), its HVM part of
 * libxl__arch_domain_create, libxl__dom_load_acpi and
 * domain_construct_memmap, with libxenctrl/libxenguest only.
 *
 * Order (as libxl's): parse the kernel, size memory, populate it, then -- as
 * libxl__arch_domain_finalise_hw_description -- build the ACPI tables and
 * the e820 (both must exist before xc_dom_build_image: it copies the ACPI
 * modules into the guest and sizes the start info by the e820), then build,
 * boot (which writes the start info and the store/console event channel
 * HVM params) and seed the grant table.  The caller's fail path destroys
 * the domain, so nothing here undoes hypervisor state. */
#include "libxl/dom_pvh.h"
#include "libxl/acpi_tables.h"
#include "libxl/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/hvm/params.h>
#include <xen/features.h>

#define PAGE 4096ull
#define GiB4 (1ull << 32)

/* libxl's defaults for a PVH guest's b_info */
#define PVH_TIMER_MODE 1        /* no_delay_for_missed_ticks */
#define PVH_ALTP2M 0            /* disabled */

void pvh_mem_layout(uint64_t mem_bytes, struct pvh_mem_layout *l)
{
    /* Without a device model the hole only has to cover the ACPI pages,
     * the local APIC and the special pages: it starts at the lowest. */
    uint64_t start = (uint64_t)(X86_HVM_END_SPECIAL_REGION -
                                X86_HVM_NR_SPECIAL_PAGES) << XC_PAGE_SHIFT;

    if (PVH_LAPIC_ADDR < start)
        start = PVH_LAPIC_ADDR;
    if (PVH_ACPI_INFO_ADDR < start)
        start = PVH_ACPI_INFO_ADDR;
    l->mmio_size = GiB4 - start;
    l->mmio_start = start;
    l->lowmem_end = mem_bytes;
    l->highmem_end = 0;
    if (l->lowmem_end > l->mmio_start) {
        l->highmem_end = GiB4 + (l->lowmem_end - l->mmio_start);
        l->lowmem_end = l->mmio_start;
    }
}

int pvh_e820(const struct pvh_mem_layout *l,
             const struct xc_hvm_firmware_module *mods, unsigned nmods,
             struct e820entry *out, unsigned max)
{
    unsigned n = 0, i;

#define ADD(a, s, t) do { \
        if (n >= max) { errno = ENOSPC; return -1; } \
        out[n].addr = (a); out[n].size = (s); out[n].type = (t); n++; \
    } while (0)
    ADD(0, l->lowmem_end, E820_RAM);
    ADD((uint64_t)(X86_HVM_END_SPECIAL_REGION - X86_HVM_NR_SPECIAL_PAGES)
        << XC_PAGE_SHIFT, (uint64_t)X86_HVM_NR_SPECIAL_PAGES << XC_PAGE_SHIFT,
        E820_RESERVED);
    for (i = 0; i < nmods; i++) {
        uint64_t off = mods[i].guest_addr_out & (PAGE - 1);

        if (mods[i].length)
            ADD(mods[i].guest_addr_out - off, mods[i].length + off, E820_ACPI);
    }
    if (l->highmem_end)
        ADD(GiB4, l->highmem_end - GiB4, E820_RAM);
#undef ADD
    return (int)n;
}

uint64_t pvh_paging_mempool_kb(uint64_t max_kb, unsigned max_vcpus, bool hap)
{
    /* 1 MB per vCPU, 1 page per MB of RAM for the p2m, one more per MB
     * with shadow paging (x86 has no extra constant). */
    return 4 * (256 * (uint64_t)max_vcpus + (1 + !hap) * (max_kb / 1024));
}

int pvh_dom_arch_create(xc_interface *xch, const struct pv_dom_params *p,
                        uint32_t domid)
{
    xc_domaininfo_t info;
    uint64_t pool_kb;
    bool hap;

    if (xc_hvm_param_set(xch, domid, HVM_PARAM_TIMER_MODE, PVH_TIMER_MODE)) {
        PV_ERR((int)domid, "couldn't set HVM_PARAM_TIMER_MODE: %s",
               strerror(errno));
        return -1;
    }
    if (xc_hvm_param_set(xch, domid, HVM_PARAM_ALTP2M, PVH_ALTP2M)) {
        PV_ERR((int)domid, "couldn't set HVM_PARAM_ALTP2M: %s",
               strerror(errno));
        return -1;
    }
    /* The domain's own flags say whether make_domain got HAP. */
    if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 ||
        info.domain != domid) {
        PV_ERR((int)domid, "cannot read the new domain's info: %s",
               strerror(errno));
        return -1;
    }
    hap = info.flags & XEN_DOMINF_hap;
    pool_kb = pvh_paging_mempool_kb(p->max_kb, p->max_vcpus, hap);
    if (xc_set_paging_mempool_size(xch, domid, pool_kb << 10)) {
        PV_ERR((int)domid, "failed to set paging mempool size to %llukB: %s",
               (unsigned long long)pool_kb, strerror(errno));
        return -1;
    }
    return 0;
}

/* libxl__dom_load_acpi: three modules, in libxl's places. */
static int load_acpi(struct xc_dom_image *dom, const struct pv_dom_params *p,
                     struct pv_acpi_tables *acpi, uint8_t *info_page)
{
    uint64_t tables = PVH_ACPI_INFO_ADDR + PAGE;
    uint64_t pages;
    const char *os;

    if (pv_acpi_build(p->max_vcpus, p->avail_vcpus, tables, acpi))
        return -1;
    pages = (acpi->len + PAGE - 1) / PAGE;
    dom->acpi_modules[0].data = acpi->rsdp;
    dom->acpi_modules[0].length = 64;   /* libxl's size for the RSDP page part */
    /* Linux without XENFEAT_linux_rsdp_unrestricted ignores rsdp_paddr
     * and scans the BIOS area, so the RSDP goes at the top of it. */
    os = xc_dom_guest_os(dom);
    if ((os && strcmp(os, "linux")) ||
        xc_dom_feature_get(dom, XENFEAT_linux_rsdp_unrestricted))
        dom->acpi_modules[0].guest_addr_out = tables + pages * PAGE;
    else
        dom->acpi_modules[0].guest_addr_out = PVH_RSDP_LOW_ADDR;
    dom->acpi_modules[1].data = info_page;
    dom->acpi_modules[1].length = PAGE;
    dom->acpi_modules[1].guest_addr_out = PVH_ACPI_INFO_ADDR;
    dom->acpi_modules[2].data = acpi->blob;
    dom->acpi_modules[2].length = pages * PAGE;
    dom->acpi_modules[2].guest_addr_out = tables;
    return 0;
}

/* What the ACPI/e820 step allocates, released once the image is built. */
struct pvh_build_ctx {
    const struct pv_dom_params *p;
    uint32_t domid;
    struct pvh_mem_layout l;
    struct pv_acpi_tables acpi;
    struct e820entry e820[8];
    uint8_t *info_page, *tables_copy;
};

/* libxl__arch_domain_finalise_hw_description: ACPI tables, then the e820
 * that reserves them. */
static int pvh_acpi_and_e820(xc_interface *xch, struct xc_dom_image *dom,
                             void *arg, const char **step)
{
    struct pvh_build_ctx *c = arg;
    int n;

    *step = "building the ACPI tables";
    c->info_page = calloc(1, PAGE);
    if (!c->info_page || load_acpi(dom, c->p, &c->acpi, c->info_page))
        return -1;
    /* xc_dom_load_acpi copies whole pages from the module data */
    c->tables_copy = calloc(1, dom->acpi_modules[2].length);
    if (!c->tables_copy)
        return -1;
    memcpy(c->tables_copy, c->acpi.blob, c->acpi.len);
    dom->acpi_modules[2].data = c->tables_copy;
    *step = "setting the memory map";
    n = pvh_e820(&c->l, dom->acpi_modules, PVH_NR_ACPI_MODULES, c->e820,
                 sizeof(c->e820) / sizeof(c->e820[0]));
    if (n < 0 || xc_domain_set_memory_map(xch, c->domid, c->e820, n) != 0)
        return -1;
    dom->e820 = c->e820;
    dom->e820_entries = n;
    return 0;
}

int pvh_dom_build(xc_interface *xch, const struct pv_dom_params *p,
                  struct pv_dom_xs_state *st)
{
    struct pvh_build_ctx c = { .p = p, .domid = st->domid };
    struct xc_dom_image *dom;
    const char *step;
    int rc = -1;

    dom = xc_dom_allocate(xch, p->cmdline, NULL);
    if (!dom) {
        PV_ERR((int)st->domid, "xc_dom_allocate failed: %s", strerror(errno));
        return -1;
    }
    dom->container_type = XC_DOM_HVM_CONTAINER;
    dom->target_pages = p->target_kb >> 2;
    dom->claim_enabled = 1;             /* xl's default claim_mode */
    pvh_mem_layout(p->max_kb << 10, &c.l);
    dom->mmio_size = c.l.mmio_size;
    dom->mmio_start = c.l.mmio_start;
    dom->lowmem_end = c.l.lowmem_end;
    dom->highmem_end = c.l.highmem_end;
    dom->vga_hole_size = 0;
    dom->device_model = false;
    if (pv_dom_build_steps(xch, dom, p, st, p->max_kb / 1024,
                           "parsing the kernel image (no PVH entry point?)",
                           pvh_acpi_and_e820, &c, &step)) {
        pv_dom_build_failed(p, st->domid, "PVH domain", step);
        goto out;
    }
    /* HVM containers are translated: these are guest frame numbers, which
     * is what store/ring-ref and console/ring-ref hold for them. */
    st->console_mfn = dom->console_pfn;
    st->store_mfn = dom->xenstore_pfn;
    rc = 0;
out:
    /* the image no longer points at our buffers once released */
    dom->e820 = NULL;
    dom->e820_entries = 0;
    xc_dom_release(dom);
    pv_acpi_free(&c.acpi);
    free(c.tables_copy);
    free(c.info_page);
    return rc;
}
