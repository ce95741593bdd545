# blktap/pvimg.mk: the pvimg CLI and the qcow2 check/repair module.
# Included from blktap/module.mk once the engine's archive is defined.
#
# libpvimg.a holds every command family and helper except main(), so unit
# tests can drive them; it needs the engine's libpvblk.a.
PVIMG_LIB_SRCS := $(filter-out blktap/pvimg_main.c,$(wildcard blktap/pvimg_*.c)) \
                  blktap/qcow2_check.c
$(eval $(call archive,pvimg,$(PVIMG_LIB_SRCS)))
LIBPVIMG := $(LIBDIR)/libpvimg.a
PVIMG_LIBS := -lzstd -lz $(ISAL_LIBS) -lpthread -lm

$(BIN)/pvimg: $(OBJ)/blktap/pvimg_main.o $(LIBPVIMG) $(LIBPVBLK) $(LIBDIR)/libpvxl.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(OBJ)/blktap/pvimg_main.o $(LIBPVIMG) $(LIBPVBLK) $(LIBDIR)/libpvxl.a $(PVIMG_LIBS)
BINS += $(BIN)/pvimg
PV_ARCHIVES := $(LIBPVIMG) $(PV_ARCHIVES)
PV_LINK_LIBS += $(PVIMG_LIBS)
CHECK_STEPS += check-interop
INSTALL_MAN += docs/pvimg.1
