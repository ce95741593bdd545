# tests/sandbox/: the Xen 4.17 host under QEMU (docs/sandbox.md).
# `make demo` builds everything, boots the sandbox and shows our binaries.
.PHONY: demo sandbox sandbox-shell
demo: all
	@tests/sandbox/demo.sh
sandbox:
	@tools/sandbox build
sandbox-shell: all
	@tools/sandbox shell
