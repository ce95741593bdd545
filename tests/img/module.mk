# tests/img/: image engine interop and crash tests driven by imgdrv.
IMGDRV := $(BUILD)/tools/imgdrv
$(IMGDRV): $(OBJ)/tests/img/imgdrv.o $(LIBPVBLK) $(LIBPVXL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBPVBLK) $(LIBPVXL) -lz -lzstd $(ISAL_LIBS) -lpthread

.PHONY: check-img-interop check-img-crash check-pvimg-crash
IMG_CRASH_ITERS ?= 12
PVIMG_CRASH_ITERS ?= 18
check-img-interop: $(IMGDRV)
	tests/img/interop.sh $(IMGDRV)
check-img-crash: $(IMGDRV)
	tests/img/crash.sh $(IMGDRV) $(IMG_CRASH_ITERS)
# pvimg itself SIGKILLed during convert, commit and snapshot (the long run,
# 200+ iterations, is bench/images/crash.sh)
check-pvimg-crash: $(BIN)/pvimg
	tests/img/crash_pvimg.sh $(BIN)/pvimg $(PVIMG_CRASH_ITERS)
CHECK_STEPS += check-img-interop check-img-crash check-pvimg-crash
