# blktap/pvimg.mk: the pvimg CLI and the qcow2 check/repair module.
# The top Makefile only picks up */module.mk and blktap/module.mk belongs to
# the engine, so this fragment is included from tests/interop/module.mk
# (which the top Makefile includes after every */module.mk, i.e. after the
# engine's archive is defined).
#
# libpvimg.a holds every command family and helper except main(), so unit
# tests can drive them; it needs the engine's libpvblk.a.
PVIMG_LIB_SRCS := $(filter-out blktap/pvimg_main.c,$(wildcard blktap/pvimg_*.c)) \
                  blktap/qcow2_check.c
$(eval $(call archive,pvimg,$(PVIMG_LIB_SRCS)))
LIBPVIMG := $(LIBDIR)/libpvimg.a
LIBPVBLK_A ?= $(LIBDIR)/libpvblk.a
PVIMG_LIBS := -lzstd -lz -lpthread -lm

ifneq ($(wildcard blktap/module.mk),)
$(BIN)/pvimg: $(OBJ)/blktap/pvimg_main.o $(LIBPVIMG) $(LIBPVBLK_A) $(LIBPVXL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(OBJ)/blktap/pvimg_main.o $(LIBPVIMG) $(LIBPVBLK_A) $(LIBPVXL) $(PVIMG_LIBS)
BINS += $(BIN)/pvimg
PV_ARCHIVES := $(LIBPVIMG) $(PV_ARCHIVES)
PV_LINK_LIBS += $(PVIMG_LIBS)
CHECK_STEPS += check-interop
endif
INSTALL_MAN += docs/pvimg.1
