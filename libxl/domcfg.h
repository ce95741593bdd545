/* The typed domain configuration: what `xl create` knows about a domain
 * before it touches the hypervisor.
 *
 * The shape mirrors Xen 4.17's libxl_types.idl (libxl_domain_config and the
 * device structs it holds), so that our JSON is libxl's JSON and a reader of
 * libxl code finds every field under the name it expects.  Every struct is
 * declared ONCE, as an X-macro field list below; from that one list we
 * generate the C struct (here), and in domcfg.c the descriptor table that
 * drives init-to-defaults, dispose, JSON output and lookup by name.  Adding
 * a field is one line.
 *
 * Conventions, as libxl's:
 *  - A field left at its "init" value means "not specified"; libxl's
 *    setdefault (domain building) decides later, and JSON omits it.
 *  - pv_defbool: 0 = default, >0 true, <0 false.
 *  - Strings are malloc'd and owned by the struct; pv_*_dispose frees them.
 *  - Arrays are a pointer plus num_NAME.
 *  - Keyed unions: the key field (e.g. b_info.type) selects which variant
 *    struct is meaningful (b_info.hvm/.pv/.pvh).  Unlike libxl these are
 *    separate members, not a C union, so reading the wrong one is harmless.
 *
 * Field list entry: F(S, NAME, KIND, INIT, AUX)
 *   S     struct tag without the pv_ prefix (passed through for descriptors)
 *   KIND  STRING INT BOOL U8 U32 U64 MEMKB DOMID DEVID DEFBOOL ENUM UUID MAC
 *         BITMAP STRLIST KVLIST STRUCT ARRAY U32ARRAY BITMAPARRAY KEY
 *         VARIANT EMPTYVARIANT
 *   INIT  the libxl init value ("not specified"); for VARIANT/EMPTYVARIANT
 *         the key value that selects it
 *   AUX   ENUM/KEY: enum name; STRUCT/ARRAY/VARIANT: element struct name
 */
#ifndef PV_DOMCFG_H
#define PV_DOMCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int pv_defbool;
#define PV_DEFBOOL_DEFAULT 0
#define PV_DEFBOOL_TRUE    1
#define PV_DEFBOOL_FALSE   (-1)

struct pv_bitmap {
    uint32_t size;      /* bytes */
    uint8_t *map;
};

#define PV_MEMKB_DEFAULT        (~0ULL)
#define PV_MAX_GRANT_DEFAULT    (~(uint32_t)0)
#define PV_INVALID_GFN          (~0ULL)
#define PV_SCHED_PARAM_DEFAULT  (-1)
#define PV_DEVID_DEFAULT        (-1)

/* ---- Enumerations (libxl's, same values; JSON prints lower-case names) */
#define PV_ENUM_domain_type(E) E(INVALID, -1) E(HVM, 1) E(PV, 2) E(PVH, 3)
#define PV_ENUM_rdm_reserve_strategy(E) E(IGNORE, 0) E(HOST, 1)
#define PV_ENUM_rdm_reserve_policy(E) E(INVALID, -1) E(STRICT, 0) E(RELAXED, 1)
#define PV_ENUM_channel_connection(E) E(UNKNOWN, 0) E(PTY, 1) E(SOCKET, 2)
#define PV_ENUM_device_model_version(E) \
    E(UNKNOWN, 0) E(QEMU_XEN_TRADITIONAL, 1) E(QEMU_XEN, 2)
#define PV_ENUM_disk_format(E) \
    E(UNKNOWN, 0) E(QCOW, 1) E(QCOW2, 2) E(VHD, 3) E(RAW, 4) E(EMPTY, 5) \
    E(QED, 6)
#define PV_ENUM_disk_backend(E) \
    E(UNKNOWN, 0) E(PHY, 1) E(TAP, 2) E(QDISK, 3) E(STANDALONE, 4)
#define PV_ENUM_disk_specification(E) E(UNKNOWN, 0) E(XEN, 1) E(VIRTIO, 2)
#define PV_ENUM_disk_transport(E) E(UNKNOWN, 0) E(MMIO, 1)
#define PV_ENUM_nic_type(E) E(UNKNOWN, 0) E(VIF_IOEMU, 1) E(VIF, 2)
#define PV_ENUM_action_on_shutdown(E) \
    E(DESTROY, 1) E(RESTART, 2) E(RESTART_RENAME, 3) E(PRESERVE, 4) \
    E(COREDUMP_DESTROY, 5) E(COREDUMP_RESTART, 6) E(SOFT_RESET, 7)
#define PV_ENUM_tsc_mode(E) \
    E(DEFAULT, 0) E(ALWAYS_EMULATE, 1) E(NATIVE, 2) E(NATIVE_PARAVIRT, 3)
#define PV_ENUM_gfx_passthru_kind(E) E(DEFAULT, 0) E(IGD, 1)
#define PV_ENUM_timer_mode(E) \
    E(UNKNOWN, -1) E(DELAY_FOR_MISSED_TICKS, 0) \
    E(NO_DELAY_FOR_MISSED_TICKS, 1) E(NO_MISSED_TICKS_PENDING, 2) \
    E(ONE_MISSED_TICK_PENDING, 3)
#define PV_ENUM_bios_type(E) E(UNKNOWN, 0) E(ROMBIOS, 1) E(SEABIOS, 2) E(OVMF, 3)
#define PV_ENUM_scheduler(E) \
    E(UNKNOWN, 0) E(SEDF, 4) E(CREDIT, 5) E(CREDIT2, 6) E(ARINC653, 7) \
    E(RTDS, 8) E(NULL, 9)
#define PV_ENUM_vga_interface_type(E) \
    E(UNKNOWN, 0) E(CIRRUS, 1) E(STD, 2) E(NONE, 3) E(QXL, 4)
#define PV_ENUM_vendor_device(E) E(NONE, 0) E(XENSERVER, 1)
#define PV_ENUM_viridian_enlightenment(E) \
    E(BASE, 0) E(FREQ, 1) E(TIME_REF_COUNT, 2) E(REFERENCE_TSC, 3) \
    E(HCALL_REMOTE_TLB_FLUSH, 4) E(APIC_ASSIST, 5) E(CRASH_CTL, 6) \
    E(SYNIC, 7) E(STIMER, 8) E(HCALL_IPI, 9) E(EX_PROCESSOR_MASKS, 10) \
    E(NO_VP_LIMIT, 11) E(CPU_HOTPLUG, 12)
#define PV_ENUM_hdtype(E) E(IDE, 1) E(AHCI, 2)
#define PV_ENUM_vuart_type(E) E(UNKNOWN, 0) E(SBSA_UART, 1)
#define PV_ENUM_vkb_backend(E) E(UNKNOWN, 0) E(QEMU, 1) E(LINUX, 2)
#define PV_ENUM_passthrough(E) \
    E(DEFAULT, 0) E(DISABLED, 1) E(ENABLED, 2) E(SYNC_PT, 3) E(SHARE_PT, 4)
#define PV_ENUM_gic_version(E) E(DEFAULT, 0) E(V2, 0x20) E(V3, 0x30)
#define PV_ENUM_tee_type(E) E(NONE, 0) E(OPTEE, 1)
#define PV_ENUM_altp2m_mode(E) E(DISABLED, 0) E(MIXED, 1) E(EXTERNAL, 2) E(LIMITED, 3)
#define PV_ENUM_usbctrl_type(E) E(AUTO, 0) E(PV, 1) E(DEVICEMODEL, 2) E(QUSB, 3)
#define PV_ENUM_usbdev_type(E) E(HOSTDEV, 1)

#define PV_ENUMS(X) \
    X(domain_type) X(rdm_reserve_strategy) X(rdm_reserve_policy) \
    X(channel_connection) X(device_model_version) X(disk_format) \
    X(disk_backend) X(disk_specification) X(disk_transport) X(nic_type) \
    X(action_on_shutdown) X(tsc_mode) X(gfx_passthru_kind) X(timer_mode) \
    X(bios_type) X(scheduler) X(vga_interface_type) X(vendor_device) \
    X(viridian_enlightenment) X(hdtype) X(vuart_type) X(vkb_backend) \
    X(passthrough) X(gic_version) X(tee_type) X(altp2m_mode) \
    X(usbctrl_type) X(usbdev_type)

/* ---- Structs, innermost first ------------------------------------------ */
#define PV_FIELDS_ioport_range(F, S) \
    F(S, first, U32, 0, -) F(S, number, U32, 0, -)

#define PV_FIELDS_iomem_range(F, S) \
    F(S, start, U64, 0, -) F(S, number, U64, 0, -) \
    F(S, gfn, U64, PV_INVALID_GFN, -)

#define PV_FIELDS_vga_interface_info(F, S) \
    F(S, kind, ENUM, PV_VGA_INTERFACE_TYPE_UNKNOWN, vga_interface_type)

#define PV_FIELDS_vnc_info(F, S) \
    F(S, enable, DEFBOOL, 0, -) F(S, listen, STRING, 0, -) \
    F(S, passwd, STRING, 0, -) F(S, display, INT, 0, -) \
    F(S, findunused, DEFBOOL, 0, -)

#define PV_FIELDS_spice_info(F, S) \
    F(S, enable, DEFBOOL, 0, -) F(S, port, INT, 0, -) \
    F(S, tls_port, INT, 0, -) F(S, host, STRING, 0, -) \
    F(S, disable_ticketing, DEFBOOL, 0, -) F(S, passwd, STRING, 0, -) \
    F(S, agent_mouse, DEFBOOL, 0, -) F(S, vdagent, DEFBOOL, 0, -) \
    F(S, clipboard_sharing, DEFBOOL, 0, -) F(S, usbredirection, INT, 0, -) \
    F(S, image_compression, STRING, 0, -) \
    F(S, streaming_video, STRING, 0, -)

#define PV_FIELDS_sdl_info(F, S) \
    F(S, enable, DEFBOOL, 0, -) F(S, opengl, DEFBOOL, 0, -) \
    F(S, display, STRING, 0, -) F(S, xauthority, STRING, 0, -)

#define PV_FIELDS_domain_sched_params(F, S) \
    F(S, sched, ENUM, 0, scheduler) \
    F(S, weight, INT, PV_SCHED_PARAM_DEFAULT, -) \
    F(S, cap, INT, PV_SCHED_PARAM_DEFAULT, -) \
    F(S, period, INT, PV_SCHED_PARAM_DEFAULT, -) \
    F(S, budget, INT, PV_SCHED_PARAM_DEFAULT, -) \
    F(S, extratime, INT, PV_SCHED_PARAM_DEFAULT, -) \
    F(S, slice, INT, PV_SCHED_PARAM_DEFAULT, -) \
    F(S, latency, INT, PV_SCHED_PARAM_DEFAULT, -)

#define PV_FIELDS_vnode_info(F, S) \
    F(S, memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, distances, U32ARRAY, 0, -) F(S, pnode, U32, 0, -) \
    F(S, vcpus, BITMAP, 0, -)

#define PV_FIELDS_rdm_reserve(F, S) \
    F(S, strategy, ENUM, 0, rdm_reserve_strategy) \
    F(S, policy, ENUM, PV_RDM_RESERVE_POLICY_INVALID, rdm_reserve_policy)

#define PV_FIELDS_domain_create_info(F, S) \
    F(S, type, ENUM, PV_DOMAIN_TYPE_INVALID, domain_type) \
    F(S, hap, DEFBOOL, 0, -) F(S, oos, DEFBOOL, 0, -) \
    F(S, ssidref, U32, 0, -) F(S, ssid_label, STRING, 0, -) \
    F(S, name, STRING, 0, -) F(S, domid, DOMID, 0, -) \
    F(S, uuid, UUID, 0, -) F(S, xsdata, KVLIST, 0, -) \
    F(S, platformdata, KVLIST, 0, -) F(S, poolid, U32, 0, -) \
    F(S, pool_name, STRING, 0, -) \
    F(S, run_hotplug_scripts, DEFBOOL, 0, -) \
    F(S, driver_domain, DEFBOOL, 0, -) \
    F(S, passthrough, ENUM, 0, passthrough) \
    F(S, xend_suspend_evtchn_compat, DEFBOOL, 0, -)

#define PV_FIELDS_hvm_info(F, S) \
    F(S, firmware, STRING, 0, -) F(S, bios, ENUM, 0, bios_type) \
    F(S, pae, DEFBOOL, 0, -) F(S, apic, DEFBOOL, 0, -) \
    F(S, acpi, DEFBOOL, 0, -) F(S, acpi_s3, DEFBOOL, 0, -) \
    F(S, acpi_s4, DEFBOOL, 0, -) F(S, acpi_laptop_slate, DEFBOOL, 0, -) \
    F(S, nx, DEFBOOL, 0, -) F(S, viridian, DEFBOOL, 0, -) \
    F(S, viridian_enable, BITMAP, 0, -) \
    F(S, viridian_disable, BITMAP, 0, -) \
    F(S, timeoffset, STRING, 0, -) F(S, hpet, DEFBOOL, 0, -) \
    F(S, vpt_align, DEFBOOL, 0, -) \
    F(S, mmio_hole_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, timer_mode, ENUM, PV_TIMER_MODE_UNKNOWN, timer_mode) \
    F(S, nested_hvm, DEFBOOL, 0, -) F(S, altp2m, DEFBOOL, 0, -) \
    F(S, system_firmware, STRING, 0, -) \
    F(S, smbios_firmware, STRING, 0, -) \
    F(S, acpi_firmware, STRING, 0, -) \
    F(S, hdtype, ENUM, PV_HDTYPE_IDE, hdtype) \
    F(S, nographic, DEFBOOL, 0, -) \
    F(S, vga, STRUCT, 0, vga_interface_info) \
    F(S, vnc, STRUCT, 0, vnc_info) F(S, keymap, STRING, 0, -) \
    F(S, sdl, STRUCT, 0, sdl_info) F(S, spice, STRUCT, 0, spice_info) \
    F(S, gfx_passthru, DEFBOOL, 0, -) \
    F(S, gfx_passthru_kind, ENUM, 0, gfx_passthru_kind) \
    F(S, serial, STRING, 0, -) F(S, boot, STRING, 0, -) \
    F(S, usb, DEFBOOL, 0, -) F(S, usbversion, INT, 0, -) \
    F(S, usbdevice, STRING, 0, -) F(S, vkb_device, DEFBOOL, 0, -) \
    F(S, soundhw, STRING, 0, -) F(S, xen_platform_pci, DEFBOOL, 0, -) \
    F(S, usbdevice_list, STRLIST, 0, -) \
    F(S, vendor_device, ENUM, 0, vendor_device) \
    F(S, serial_list, STRLIST, 0, -) \
    F(S, rdm, STRUCT, 0, rdm_reserve) \
    F(S, rdm_mem_boundary_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, mca_caps, U64, 0, -)

/* kernel/bootloader/cmdline/ramdisk here are libxl's deprecated copies;
 * the model sets only the b_info ones. */
#define PV_FIELDS_pv_info(F, S) \
    F(S, kernel, STRING, 0, -) \
    F(S, slack_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, bootloader, STRING, 0, -) F(S, bootloader_args, STRLIST, 0, -) \
    F(S, cmdline, STRING, 0, -) F(S, ramdisk, STRING, 0, -) \
    F(S, e820_host, DEFBOOL, 0, -)

#define PV_FIELDS_pvh_info(F, S) \
    F(S, pvshim, DEFBOOL, 0, -) F(S, pvshim_path, STRING, 0, -) \
    F(S, pvshim_cmdline, STRING, 0, -) F(S, pvshim_extra, STRING, 0, -)

#define PV_FIELDS_arch_arm(F, S) \
    F(S, gic_version, ENUM, 0, gic_version) F(S, vuart, ENUM, 0, vuart_type)

#define PV_FIELDS_arch_x86(F, S) F(S, msr_relaxed, DEFBOOL, 0, -)

/* `type` is the key of libxl's union u; in JSON only the selected variant
 * appears, as "type.pv" etc. */
#define PV_FIELDS_domain_build_info(F, S) \
    F(S, type, KEY, PV_DOMAIN_TYPE_INVALID, domain_type) \
    F(S, max_vcpus, INT, 0, -) F(S, avail_vcpus, BITMAP, 0, -) \
    F(S, cpumap, BITMAP, 0, -) F(S, nodemap, BITMAP, 0, -) \
    F(S, vcpu_hard_affinity, BITMAPARRAY, 0, -) \
    F(S, vcpu_soft_affinity, BITMAPARRAY, 0, -) \
    F(S, numa_placement, DEFBOOL, 0, -) \
    F(S, tsc_mode, ENUM, 0, tsc_mode) \
    F(S, max_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, target_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, video_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, shadow_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, iommu_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, rtc_timeoffset, U32, 0, -) F(S, exec_ssidref, U32, 0, -) \
    F(S, exec_ssid_label, STRING, 0, -) F(S, localtime, DEFBOOL, 0, -) \
    F(S, disable_migrate, DEFBOOL, 0, -) \
    F(S, blkdev_start, STRING, 0, -) \
    F(S, vnuma_nodes, ARRAY, 0, vnode_info) \
    F(S, max_grant_frames, U32, PV_MAX_GRANT_DEFAULT, -) \
    F(S, max_maptrack_frames, U32, PV_MAX_GRANT_DEFAULT, -) \
    F(S, max_grant_version, INT, -1, -) \
    F(S, device_model_version, ENUM, 0, device_model_version) \
    F(S, device_model_stubdomain, DEFBOOL, 0, -) \
    F(S, stubdomain_memkb, MEMKB, PV_MEMKB_DEFAULT, -) \
    F(S, stubdomain_kernel, STRING, 0, -) \
    F(S, stubdomain_cmdline, STRING, 0, -) \
    F(S, stubdomain_ramdisk, STRING, 0, -) \
    F(S, device_model, STRING, 0, -) \
    F(S, device_model_ssidref, U32, 0, -) \
    F(S, device_model_ssid_label, STRING, 0, -) \
    F(S, device_model_user, STRING, 0, -) \
    F(S, extra, STRLIST, 0, -) F(S, extra_pv, STRLIST, 0, -) \
    F(S, extra_hvm, STRLIST, 0, -) \
    F(S, sched_params, STRUCT, 0, domain_sched_params) \
    F(S, ioports, ARRAY, 0, ioport_range) F(S, irqs, U32ARRAY, 0, -) \
    F(S, iomem, ARRAY, 0, iomem_range) \
    F(S, claim_mode, DEFBOOL, 0, -) F(S, event_channels, U32, 0, -) \
    F(S, kernel, STRING, 0, -) F(S, cmdline, STRING, 0, -) \
    F(S, ramdisk, STRING, 0, -) F(S, device_tree, STRING, 0, -) \
    F(S, acpi, DEFBOOL, 0, -) F(S, bootloader, STRING, 0, -) \
    F(S, bootloader_args, STRLIST, 0, -) \
    F(S, timer_mode, ENUM, PV_TIMER_MODE_UNKNOWN, timer_mode) \
    F(S, nested_hvm, DEFBOOL, 0, -) F(S, apic, DEFBOOL, 0, -) \
    F(S, dm_restrict, DEFBOOL, 0, -) F(S, tee, ENUM, 0, tee_type) \
    F(S, hvm, VARIANT, PV_DOMAIN_TYPE_HVM, hvm_info) \
    F(S, pv, VARIANT, PV_DOMAIN_TYPE_PV, pv_info) \
    F(S, pvh, VARIANT, PV_DOMAIN_TYPE_PVH, pvh_info) \
    F(S, invalid, EMPTYVARIANT, PV_DOMAIN_TYPE_INVALID, -) \
    F(S, arch_arm, STRUCT, 0, arch_arm) \
    F(S, arch_x86, STRUCT, 0, arch_x86) \
    F(S, altp2m, ENUM, 0, altp2m_mode) \
    F(S, vmtrace_buf_kb, INT, 0, -) F(S, vpmu, DEFBOOL, 0, -)

#define PV_FIELDS_device_vfb(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -) \
    F(S, vnc, STRUCT, 0, vnc_info) F(S, sdl, STRUCT, 0, sdl_info) \
    F(S, keymap, STRING, 0, -)

#define PV_FIELDS_device_vkb(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -) \
    F(S, backend_type, ENUM, 0, vkb_backend) \
    F(S, unique_id, STRING, 0, -) \
    F(S, feature_disable_keyboard, BOOL, 0, -) \
    F(S, feature_disable_pointer, BOOL, 0, -) \
    F(S, feature_abs_pointer, BOOL, 0, -) \
    F(S, feature_raw_pointer, BOOL, 0, -) \
    F(S, feature_multi_touch, BOOL, 0, -) \
    F(S, width, U32, 0, -) F(S, height, U32, 0, -) \
    F(S, multi_touch_width, U32, 0, -) \
    F(S, multi_touch_height, U32, 0, -) \
    F(S, multi_touch_num_contacts, U32, 0, -)

#define PV_FIELDS_device_disk(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, pdev_path, STRING, 0, -) F(S, vdev, STRING, 0, -) \
    F(S, backend, ENUM, 0, disk_backend) \
    F(S, format, ENUM, 0, disk_format) F(S, script, STRING, 0, -) \
    F(S, removable, INT, 0, -) F(S, readwrite, INT, 0, -) \
    F(S, is_cdrom, INT, 0, -) F(S, direct_io_safe, BOOL, 0, -) \
    F(S, discard_enable, DEFBOOL, 0, -) \
    F(S, specification, ENUM, 0, disk_specification) \
    F(S, transport, ENUM, 0, disk_transport) \
    F(S, irq, U32, 0, -) F(S, base, U64, 0, -) \
    F(S, colo_enable, DEFBOOL, 0, -) \
    F(S, colo_restore_enable, DEFBOOL, 0, -) \
    F(S, colo_host, STRING, 0, -) F(S, colo_port, INT, 0, -) \
    F(S, colo_export, STRING, 0, -) F(S, active_disk, STRING, 0, -) \
    F(S, hidden_disk, STRING, 0, -) F(S, trusted, DEFBOOL, 0, -)

#define PV_NIC_COLO_STRINGS(F, S) \
    F(S, gatewaydev, STRING, 0, -) F(S, coloft_forwarddev, STRING, 0, -) \
    F(S, colo_sock_mirror_id, STRING, 0, -) \
    F(S, colo_sock_mirror_ip, STRING, 0, -) \
    F(S, colo_sock_mirror_port, STRING, 0, -) \
    F(S, colo_sock_compare_pri_in_id, STRING, 0, -) \
    F(S, colo_sock_compare_pri_in_ip, STRING, 0, -) \
    F(S, colo_sock_compare_pri_in_port, STRING, 0, -) \
    F(S, colo_sock_compare_sec_in_id, STRING, 0, -) \
    F(S, colo_sock_compare_sec_in_ip, STRING, 0, -) \
    F(S, colo_sock_compare_sec_in_port, STRING, 0, -) \
    F(S, colo_sock_compare_notify_id, STRING, 0, -) \
    F(S, colo_sock_compare_notify_ip, STRING, 0, -) \
    F(S, colo_sock_compare_notify_port, STRING, 0, -) \
    F(S, colo_sock_redirector0_id, STRING, 0, -) \
    F(S, colo_sock_redirector0_ip, STRING, 0, -) \
    F(S, colo_sock_redirector0_port, STRING, 0, -) \
    F(S, colo_sock_redirector1_id, STRING, 0, -) \
    F(S, colo_sock_redirector1_ip, STRING, 0, -) \
    F(S, colo_sock_redirector1_port, STRING, 0, -) \
    F(S, colo_sock_redirector2_id, STRING, 0, -) \
    F(S, colo_sock_redirector2_ip, STRING, 0, -) \
    F(S, colo_sock_redirector2_port, STRING, 0, -) \
    F(S, colo_filter_mirror_queue, STRING, 0, -) \
    F(S, colo_filter_mirror_outdev, STRING, 0, -) \
    F(S, colo_filter_redirector0_queue, STRING, 0, -) \
    F(S, colo_filter_redirector0_indev, STRING, 0, -) \
    F(S, colo_filter_redirector0_outdev, STRING, 0, -) \
    F(S, colo_filter_redirector1_queue, STRING, 0, -) \
    F(S, colo_filter_redirector1_indev, STRING, 0, -) \
    F(S, colo_filter_redirector1_outdev, STRING, 0, -) \
    F(S, colo_compare_pri_in, STRING, 0, -) \
    F(S, colo_compare_sec_in, STRING, 0, -) \
    F(S, colo_compare_out, STRING, 0, -) \
    F(S, colo_compare_notify_dev, STRING, 0, -) \
    F(S, colo_sock_sec_redirector0_id, STRING, 0, -) \
    F(S, colo_sock_sec_redirector0_ip, STRING, 0, -) \
    F(S, colo_sock_sec_redirector0_port, STRING, 0, -) \
    F(S, colo_sock_sec_redirector1_id, STRING, 0, -) \
    F(S, colo_sock_sec_redirector1_ip, STRING, 0, -) \
    F(S, colo_sock_sec_redirector1_port, STRING, 0, -) \
    F(S, colo_filter_sec_redirector0_queue, STRING, 0, -) \
    F(S, colo_filter_sec_redirector0_indev, STRING, 0, -) \
    F(S, colo_filter_sec_redirector0_outdev, STRING, 0, -) \
    F(S, colo_filter_sec_redirector1_queue, STRING, 0, -) \
    F(S, colo_filter_sec_redirector1_indev, STRING, 0, -) \
    F(S, colo_filter_sec_redirector1_outdev, STRING, 0, -) \
    F(S, colo_filter_sec_rewriter0_queue, STRING, 0, -) \
    F(S, colo_checkpoint_host, STRING, 0, -) \
    F(S, colo_checkpoint_port, STRING, 0, -)

#define PV_FIELDS_device_nic(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -) F(S, mtu, INT, 0, -) \
    F(S, model, STRING, 0, -) F(S, mac, MAC, 0, -) \
    F(S, ip, STRING, 0, -) F(S, bridge, STRING, 0, -) \
    F(S, ifname, STRING, 0, -) F(S, script, STRING, 0, -) \
    F(S, nictype, ENUM, 0, nic_type) \
    F(S, rate_bytes_per_interval, U64, 0, -) \
    F(S, rate_interval_usecs, U32, 0, -) \
    PV_NIC_COLO_STRINGS(F, S) \
    F(S, trusted, DEFBOOL, 0, -)

#define PV_FIELDS_device_pci(F, S) \
    F(S, func, U8, 0, -) F(S, dev, U8, 0, -) F(S, bus, U8, 0, -) \
    F(S, domain, INT, 0, -) F(S, vdevfn, U32, 0, -) \
    F(S, vfunc_mask, U32, 0, -) F(S, msitranslate, BOOL, 0, -) \
    F(S, power_mgmt, BOOL, 0, -) F(S, permissive, BOOL, 0, -) \
    F(S, seize, BOOL, 0, -) \
    F(S, rdm_policy, ENUM, PV_RDM_RESERVE_POLICY_INVALID, rdm_reserve_policy) \
    F(S, name, STRING, 0, -)

#define PV_FIELDS_device_rdm(F, S) \
    F(S, start, U64, 0, -) F(S, size, U64, 0, -) \
    F(S, policy, ENUM, PV_RDM_RESERVE_POLICY_INVALID, rdm_reserve_policy)

#define PV_FIELDS_device_dtdev(F, S) F(S, path, STRING, 0, -)

#define PV_FIELDS_device_vtpm(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -) F(S, uuid, UUID, 0, -)

#define PV_FIELDS_device_p9(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, tag, STRING, 0, -) F(S, path, STRING, 0, -) \
    F(S, security_model, STRING, 0, -) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -)

#define PV_FIELDS_device_pvcallsif(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -)

#define PV_FIELDS_channel_socket(F, S) F(S, path, STRING, 0, -)

#define PV_FIELDS_device_channel(F, S) \
    F(S, backend_domid, DOMID, 0, -) F(S, backend_domname, STRING, 0, -) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -) F(S, name, STRING, 0, -) \
    F(S, connection, KEY, 0, channel_connection) \
    F(S, unknown, EMPTYVARIANT, PV_CHANNEL_CONNECTION_UNKNOWN, -) \
    F(S, pty, EMPTYVARIANT, PV_CHANNEL_CONNECTION_PTY, -) \
    F(S, socket, VARIANT, PV_CHANNEL_CONNECTION_SOCKET, channel_socket)

#define PV_FIELDS_device_usbctrl(F, S) \
    F(S, type, ENUM, 0, usbctrl_type) \
    F(S, devid, DEVID, PV_DEVID_DEFAULT, -) F(S, version, INT, 0, -) \
    F(S, ports, INT, 0, -) F(S, backend_domid, DOMID, 0, -) \
    F(S, backend_domname, STRING, 0, -)

#define PV_FIELDS_usb_hostdev(F, S) \
    F(S, hostbus, U8, 0, -) F(S, hostaddr, U8, 0, -)

#define PV_FIELDS_device_usbdev(F, S) \
    F(S, ctrl, DEVID, PV_DEVID_DEFAULT, -) F(S, port, INT, 0, -) \
    F(S, type, KEY, 0, usbdev_type) \
    F(S, hostdev, VARIANT, PV_USBDEV_TYPE_HOSTDEV, usb_hostdev)

/* libxl_domain_config.  vdispls and vsnds are not modelled (xl.cfg keys
 * vdispl/vsnd are rejected with a clear message). */
#define PV_FIELDS_domain_config(F, S) \
    F(S, c_info, STRUCT, 0, domain_create_info) \
    F(S, b_info, STRUCT, 0, domain_build_info) \
    F(S, disks, ARRAY, 0, device_disk) F(S, nics, ARRAY, 0, device_nic) \
    F(S, pcidevs, ARRAY, 0, device_pci) F(S, rdms, ARRAY, 0, device_rdm) \
    F(S, dtdevs, ARRAY, 0, device_dtdev) F(S, vfbs, ARRAY, 0, device_vfb) \
    F(S, vkbs, ARRAY, 0, device_vkb) F(S, vtpms, ARRAY, 0, device_vtpm) \
    F(S, p9s, ARRAY, 0, device_p9) \
    F(S, pvcallsifs, ARRAY, 0, device_pvcallsif) \
    F(S, channels, ARRAY, 0, device_channel) \
    F(S, usbctrls, ARRAY, 0, device_usbctrl) \
    F(S, usbdevs, ARRAY, 0, device_usbdev) \
    F(S, on_poweroff, ENUM, PV_ACTION_ON_SHUTDOWN_DESTROY, action_on_shutdown) \
    F(S, on_reboot, ENUM, PV_ACTION_ON_SHUTDOWN_DESTROY, action_on_shutdown) \
    F(S, on_watchdog, ENUM, PV_ACTION_ON_SHUTDOWN_DESTROY, action_on_shutdown) \
    F(S, on_crash, ENUM, PV_ACTION_ON_SHUTDOWN_DESTROY, action_on_shutdown) \
    F(S, on_soft_reset, ENUM, PV_ACTION_ON_SHUTDOWN_DESTROY, action_on_shutdown)

/* Every struct, innermost first (the order C needs them defined). */
#define PV_STRUCTS(X) \
    X(ioport_range) X(iomem_range) X(vga_interface_info) X(vnc_info) \
    X(spice_info) X(sdl_info) X(domain_sched_params) X(vnode_info) \
    X(rdm_reserve) X(domain_create_info) X(hvm_info) X(pv_info) \
    X(pvh_info) X(arch_arm) X(arch_x86) X(domain_build_info) \
    X(device_vfb) X(device_vkb) X(device_disk) X(device_nic) \
    X(device_pci) X(device_rdm) X(device_dtdev) X(device_vtpm) \
    X(device_p9) X(device_pvcallsif) X(channel_socket) X(device_channel) \
    X(device_usbctrl) X(usb_hostdev) X(device_usbdev) X(domain_config)

/* ---- Generated C declarations ------------------------------------------ */
#define PV_DECLARE_ENUM_(e) \
    enum pv_##e { PV_ENUM_##e(PV_ENUMERATOR_##e) };
/* Enumerators are PV_<ENUMNAME>_<VALUE>, e.g. PV_DISK_FORMAT_RAW. */
#define PV_ENUMERATOR_domain_type(v, n) PV_DOMAIN_TYPE_##v = n,
#define PV_ENUMERATOR_rdm_reserve_strategy(v, n) PV_RDM_RESERVE_STRATEGY_##v = n,
#define PV_ENUMERATOR_rdm_reserve_policy(v, n) PV_RDM_RESERVE_POLICY_##v = n,
#define PV_ENUMERATOR_channel_connection(v, n) PV_CHANNEL_CONNECTION_##v = n,
#define PV_ENUMERATOR_device_model_version(v, n) PV_DEVICE_MODEL_VERSION_##v = n,
#define PV_ENUMERATOR_disk_format(v, n) PV_DISK_FORMAT_##v = n,
#define PV_ENUMERATOR_disk_backend(v, n) PV_DISK_BACKEND_##v = n,
#define PV_ENUMERATOR_disk_specification(v, n) PV_DISK_SPECIFICATION_##v = n,
#define PV_ENUMERATOR_disk_transport(v, n) PV_DISK_TRANSPORT_##v = n,
#define PV_ENUMERATOR_nic_type(v, n) PV_NIC_TYPE_##v = n,
#define PV_ENUMERATOR_action_on_shutdown(v, n) PV_ACTION_ON_SHUTDOWN_##v = n,
#define PV_ENUMERATOR_tsc_mode(v, n) PV_TSC_MODE_##v = n,
#define PV_ENUMERATOR_gfx_passthru_kind(v, n) PV_GFX_PASSTHRU_KIND_##v = n,
#define PV_ENUMERATOR_timer_mode(v, n) PV_TIMER_MODE_##v = n,
#define PV_ENUMERATOR_bios_type(v, n) PV_BIOS_TYPE_##v = n,
#define PV_ENUMERATOR_scheduler(v, n) PV_SCHEDULER_##v = n,
#define PV_ENUMERATOR_vga_interface_type(v, n) PV_VGA_INTERFACE_TYPE_##v = n,
#define PV_ENUMERATOR_vendor_device(v, n) PV_VENDOR_DEVICE_##v = n,
#define PV_ENUMERATOR_viridian_enlightenment(v, n) PV_VIRIDIAN_ENLIGHTENMENT_##v = n,
#define PV_ENUMERATOR_hdtype(v, n) PV_HDTYPE_##v = n,
#define PV_ENUMERATOR_vuart_type(v, n) PV_VUART_TYPE_##v = n,
#define PV_ENUMERATOR_vkb_backend(v, n) PV_VKB_BACKEND_##v = n,
#define PV_ENUMERATOR_passthrough(v, n) PV_PASSTHROUGH_##v = n,
#define PV_ENUMERATOR_gic_version(v, n) PV_GIC_VERSION_##v = n,
#define PV_ENUMERATOR_tee_type(v, n) PV_TEE_TYPE_##v = n,
#define PV_ENUMERATOR_altp2m_mode(v, n) PV_ALTP2M_MODE_##v = n,
#define PV_ENUMERATOR_usbctrl_type(v, n) PV_USBCTRL_TYPE_##v = n,
#define PV_ENUMERATOR_usbdev_type(v, n) PV_USBDEV_TYPE_##v = n,
PV_ENUMS(PV_DECLARE_ENUM_)

#define PV_MEMBER_(S, name, kind, init, aux) PV_MEMBER_##kind(name, aux)
#define PV_MEMBER_STRING(n, a)      char *n;
#define PV_MEMBER_INT(n, a)         int n;
#define PV_MEMBER_BOOL(n, a)        bool n;
#define PV_MEMBER_U8(n, a)          uint8_t n;
#define PV_MEMBER_U32(n, a)         uint32_t n;
#define PV_MEMBER_U64(n, a)         uint64_t n;
#define PV_MEMBER_MEMKB(n, a)       uint64_t n;
#define PV_MEMBER_DOMID(n, a)       uint32_t n;
#define PV_MEMBER_DEVID(n, a)       int n;
#define PV_MEMBER_DEFBOOL(n, a)     pv_defbool n;
#define PV_MEMBER_ENUM(n, a)        enum pv_##a n;
#define PV_MEMBER_KEY(n, a)         enum pv_##a n;
#define PV_MEMBER_UUID(n, a)        uint8_t n[16];
#define PV_MEMBER_MAC(n, a)         uint8_t n[6];
#define PV_MEMBER_BITMAP(n, a)      struct pv_bitmap n;
#define PV_MEMBER_STRLIST(n, a)     char **n;   /* NULL-terminated */
#define PV_MEMBER_KVLIST(n, a)      char **n;   /* k,v,k,v,...,NULL */
#define PV_MEMBER_STRUCT(n, a)      struct pv_##a n;
#define PV_MEMBER_VARIANT(n, a)     struct pv_##a n;
#define PV_MEMBER_EMPTYVARIANT(n, a)
#define PV_MEMBER_ARRAY(n, a)       struct pv_##a *n; int num_##n;
#define PV_MEMBER_U32ARRAY(n, a)    uint32_t *n; int num_##n;
#define PV_MEMBER_BITMAPARRAY(n, a) struct pv_bitmap *n; int num_##n;

#define PV_DECLARE_STRUCT_(s) \
    struct pv_##s { PV_FIELDS_##s(PV_MEMBER_, s) };
PV_STRUCTS(PV_DECLARE_STRUCT_)

/* Friendlier names for what other subsystems use most. */
#define pv_disk pv_device_disk
#define pv_nic  pv_device_nic

/* ---- Generic operations, driven by the descriptor tables --------------- */
struct pv_struct_desc;
#define PV_DECLARE_DESC_(s) extern const struct pv_struct_desc pv_desc_##s;
PV_STRUCTS(PV_DECLARE_DESC_)

/* Set every field to its libxl init value ("unspecified"). */
void pv_struct_init(const struct pv_struct_desc *d, void *p);
/* Free everything the struct owns, recursively; leaves it re-initialised. */
void pv_struct_dispose(const struct pv_struct_desc *d, void *p);
/* Deep copy into DST (uninitialised); 0, or -1 with DST left initialised. */
int pv_struct_copy(const struct pv_struct_desc *d, void *dst, const void *src);

#define PV_DECLARE_OPS_(s) \
    static inline void pv_##s##_init(struct pv_##s *p) \
    { pv_struct_init(&pv_desc_##s, p); } \
    static inline void pv_##s##_dispose(struct pv_##s *p) \
    { pv_struct_dispose(&pv_desc_##s, p); } \
    static inline int pv_##s##_copy(struct pv_##s *d, const struct pv_##s *s_) \
    { return pv_struct_copy(&pv_desc_##s, d, s_); }
PV_STRUCTS(PV_DECLARE_OPS_)

/* Enum <-> libxl's lower-case name ("raw", "restart", "pvh").  from_string
 * is case-insensitive as libxl's; returns 0 or -1 if unknown. */
#define PV_DECLARE_ENUM_OPS_(e) \
    const char *pv_##e##_to_string(int v); \
    int pv_##e##_from_string(const char *s, int *out);
PV_ENUMS(PV_DECLARE_ENUM_OPS_)

/* Bitmaps (sizes in bits; storage grows on demand). */
int  pv_bitmap_alloc(struct pv_bitmap *b, unsigned nbits);
void pv_bitmap_dispose(struct pv_bitmap *b);
int  pv_bitmap_set(struct pv_bitmap *b, unsigned bit);    /* grows */
void pv_bitmap_reset(struct pv_bitmap *b, unsigned bit);
bool pv_bitmap_test(const struct pv_bitmap *b, unsigned bit);
int  pv_bitmap_count(const struct pv_bitmap *b);
bool pv_bitmap_is_empty(const struct pv_bitmap *b);
int  pv_bitmap_copy(struct pv_bitmap *dst, const struct pv_bitmap *src);

/* String lists (NULL-terminated, malloc'd). */
int  pv_string_list_append(char ***list, const char *s);
int  pv_string_list_length(char *const *list);
void pv_string_list_free(char ***list);

/* Append a zero-initialised-to-defaults element to an ARRAY member;
 * returns it or NULL on ENOMEM.  E.g. pv_array_append(&cfg->disks,
 * &cfg->num_disks, &pv_desc_device_disk). */
void *pv_array_append(void *arrayp, int *nump, const struct pv_struct_desc *d);

/* UUID and MAC text forms. */
int  pv_uuid_parse(const char *s, uint8_t uuid[16]);
void pv_uuid_format(const uint8_t uuid[16], char out[37]);
bool pv_uuid_is_nil(const uint8_t uuid[16]);
int  pv_uuid_generate(uint8_t uuid[16]);
int  pv_mac_parse(const char *s, uint8_t mac[6]);

static inline bool pv_defbool_is_default(pv_defbool b) { return b == 0; }
static inline bool pv_defbool_val(pv_defbool b) { return b > 0; }
static inline void pv_defbool_set(pv_defbool *b, bool v)
{ *b = v ? PV_DEFBOOL_TRUE : PV_DEFBOOL_FALSE; }
static inline void pv_defbool_setdefault(pv_defbool *b, bool v)
{ if (!*b) pv_defbool_set(b, v); }

#endif
