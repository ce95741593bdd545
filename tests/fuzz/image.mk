# The image engine's fuzz target (owner: img).
FUZZ_SRCS_fuzz_image_open := $(filter-out blktap/pvimg%.c,$(wildcard blktap/*.c)) libxl/log.c
FUZZ_LDLIBS_fuzz_image_open := -lz -lzstd -lisal -lpthread
