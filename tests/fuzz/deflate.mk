# The compressor fuzz target (owner: img): igzip and zlib streams must stay
# within QEMU's 4 KiB deflate window.  The clang objects of the engine get
# ISA-L too (so fuzz_image_open links it as well).
FUZZ_SRCS_fuzz_deflate := $(filter-out blktap/pvimg%.c,$(wildcard blktap/*.c)) libxl/log.c
FUZZ_LDLIBS_fuzz_deflate := -lz -lzstd -lisal -lpthread
$(FUZZ_OBJ)/blktap/qcow2_compress.o: FUZZ_CFLAGS += -DHAVE_ISAL
