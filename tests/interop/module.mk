# tests/interop/: pvimg against qemu-img, both directions (issue 3).

.PHONY: check-interop
check-interop: $(BIN)/pvimg
	@PVIMG=$(BIN)/pvimg tests/interop/run.sh
