/* The PVH guest-physical layout is libxl's: the same RAM below and above
 * the 64 MB hole, the same e820 (RAM, the special pages reserved, one ACPI
 * entry per module, high RAM), the same paging pool size.  A guest that
 * boots under Debian's xl must see the same memory map under ours. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "libxl/dom_pvh.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void small_guest_all_low(void **state)
{
    struct pvh_mem_layout l;

    pvh_mem_layout(32 * MiB, &l);
    assert_int_equal(l.mmio_start, 0xfc000000ull);
    assert_int_equal(l.mmio_size, 64 * MiB);
    assert_int_equal(l.lowmem_end, 32 * MiB);
    assert_int_equal(l.highmem_end, 0);
    /* exactly up to the hole: still no high RAM */
    pvh_mem_layout(0xfc000000ull, &l);
    assert_int_equal(l.lowmem_end, 0xfc000000ull);
    assert_int_equal(l.highmem_end, 0);
}

static void big_guest_split_at_hole(void **state)
{
    struct pvh_mem_layout l;

    pvh_mem_layout(5 * GiB, &l);
    assert_int_equal(l.lowmem_end, 0xfc000000ull);
    /* what does not fit below the hole moves above 4G, none is lost */
    assert_int_equal(l.highmem_end - 4 * GiB + l.lowmem_end, 5 * GiB);
}

/* libxl__dom_load_acpi's three modules for a small Linux guest */
static void fill_mods(struct xc_hvm_firmware_module *m, uint64_t rsdp)
{
    static uint8_t dummy[4096];

    m[0].data = dummy; m[0].length = 64; m[0].guest_addr_out = rsdp;
    m[1].data = dummy; m[1].length = 4096; m[1].guest_addr_out = 0xfc000000;
    m[2].data = dummy; m[2].length = 4096; m[2].guest_addr_out = 0xfc001000;
}

static void e820_as_libxl(void **state)
{
    struct xc_hvm_firmware_module m[3];
    struct pvh_mem_layout l;
    struct e820entry e[8];
    int n;

    pvh_mem_layout(128 * MiB, &l);
    fill_mods(m, 0xfc002000);
    n = pvh_e820(&l, m, 3, e, 8);
    assert_int_equal(n, 5);
    assert_int_equal(e[0].addr, 0);
    assert_int_equal(e[0].size, 128 * MiB);
    assert_int_equal(e[0].type, E820_RAM);
    assert_int_equal(e[1].addr, 0xfeff8000ull);     /* 8 special pages */
    assert_int_equal(e[1].size, 8 * 4096);
    assert_int_equal(e[1].type, E820_RESERVED);
    assert_int_equal(e[2].addr, 0xfc002000ull);     /* RSDP */
    assert_int_equal(e[2].size, 64);
    assert_int_equal(e[2].type, E820_ACPI);
    assert_int_equal(e[3].addr, 0xfc000000ull);     /* info page */
    assert_int_equal(e[3].size, 4096);
    assert_int_equal(e[4].addr, 0xfc001000ull);     /* tables */
    assert_int_equal(e[4].type, E820_ACPI);
}

/* An RSDP in the BIOS area (Linux without rsdp_unrestricted): the entry
 * starts on its page and covers the offset, as libxl's does. */
static void low_rsdp_entry_is_page_based(void **state)
{
    struct xc_hvm_firmware_module m[3];
    struct pvh_mem_layout l;
    struct e820entry e[8];

    pvh_mem_layout(64 * MiB, &l);
    fill_mods(m, 0x100000 - 64);
    assert_int_equal(pvh_e820(&l, m, 3, e, 8), 5);
    assert_int_equal(e[2].addr, 0xff000ull);
    assert_int_equal(e[2].size, 4096);
}

static void high_ram_last(void **state)
{
    struct xc_hvm_firmware_module m[3];
    struct pvh_mem_layout l;
    struct e820entry e[8];

    pvh_mem_layout(4 * GiB, &l);
    fill_mods(m, 0xfc002000);
    m[1].length = 0;                                /* absent module: no entry */
    assert_int_equal(pvh_e820(&l, m, 3, e, 8), 5);
    assert_int_equal(e[0].size, 0xfc000000ull);
    assert_int_equal(e[4].addr, 4 * GiB);
    assert_int_equal(e[4].size, 64 * MiB);
    assert_int_equal(e[4].type, E820_RAM);
}

static void e820_no_room(void **state)
{
    struct xc_hvm_firmware_module m[3];
    struct pvh_mem_layout l;
    struct e820entry e[4];

    pvh_mem_layout(64 * MiB, &l);
    fill_mods(m, 0xfc002000);
    errno = 0;
    assert_int_equal(pvh_e820(&l, m, 3, e, 4), -1);
    assert_int_equal(errno, ENOSPC);
}

static void paging_pool_as_libxl(void **state)
{
    /* 4 * (256 * vcpus + (1 + !hap) * MB) kB */
    assert_int_equal(pvh_paging_mempool_kb(32 * 1024, 1, true), 4 * (256 + 32));
    assert_int_equal(pvh_paging_mempool_kb(32 * 1024, 1, false), 4 * (256 + 64));
    assert_int_equal(pvh_paging_mempool_kb(512 * 1024, 2, true), 4 * (512 + 512));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_guest_all_low),
        cmocka_unit_test(big_guest_split_at_hole),
        cmocka_unit_test(e820_as_libxl),
        cmocka_unit_test(low_rsdp_entry_is_page_based),
        cmocka_unit_test(high_ram_last),
        cmocka_unit_test(e820_no_room),
        cmocka_unit_test(paging_pool_as_libxl),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
