# blktap/: the image engine (raw, qcow2) -> libpvblk.a.  The CLI (pvimg),
# check/repair and the block backend build on it.
BLKTAP_SRCS := $(filter-out blktap/pvimg%.c blktap/qcow2_check.c,$(wildcard blktap/*.c))
$(eval $(call archive,pvblk,$(BLKTAP_SRCS)))
LIBPVBLK := $(LIBDIR)/libpvblk.a
PV_ARCHIVES += $(LIBPVBLK)
# Deflate for zlib-type clusters goes through ISA-L's igzip (tools/deps.d/
# img.list installs it); builds without it (the clang fuzz targets) use zlib.
ISAL_LIBS := -lisal
$(OBJ)/blktap/qcow2_compress.o: CPPFLAGS += -DHAVE_ISAL
PV_LINK_LIBS += -lz -lzstd $(ISAL_LIBS) -lpthread

# The pvimg CLI and check/repair, on top of the engine.
include blktap/pvimg.mk
