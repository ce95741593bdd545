# tests/sandbox/: the Xen 4.17 host under QEMU (docs/sandbox.md).
# `make demo` builds everything, boots the sandbox and shows our binaries.
.PHONY: demo sandbox sandbox-shell
demo: all
	@tests/sandbox/demo.sh
sandbox:
	@tools/sandbox build
sandbox-shell: all
	@tools/sandbox shell

# tests/unit/test_xl_info.c runs xl info/list code against a fake hypervisor
# and xenstore.  main_* are weak references in xl.h, which never pull an
# archive member by themselves: -u makes the linker take xl/info.o.
LDFLAGS_test_xl_info := -Wl,-u,main_list -Wl,--wrap=xc_domain_getinfolist -Wl,--wrap=xs_read \
    -Wl,--wrap=xc_interface_open -Wl,--wrap=xc_interface_close \
    -Wl,--wrap=xs_open -Wl,--wrap=xs_close
