# libxl/: the toolstack library (config model, domain builder, devices,
# xenstore, events).  Every .c here goes into libpvxl.a.
LIBXL_SRCS := $(wildcard libxl/*.c)
$(eval $(call archive,pvxl,$(LIBXL_SRCS)))
LIBPVXL := $(LIBDIR)/libpvxl.a
XL_LIBS := $(call PC,libs,$(PKGS_XEN) yajl) -lpthread
PV_ARCHIVES += $(LIBPVXL)
PV_LINK_LIBS += $(XL_LIBS)
