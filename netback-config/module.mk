# netback-config/: bridges and vif plumbing by netlink (libnbc.a) and the
# netback-config command.  libpvxl's vif backend calls into libnbc, so xl
# links it too (XL_LIBS is expanded when xl's recipe runs).
NBC_SRCS := $(filter-out netback-config/main.c,$(wildcard netback-config/*.c))
$(eval $(call archive,nbc,$(NBC_SRCS)))
LIBNBC := $(LIBDIR)/libnbc.a
NBC_LIBS := $(call PC,libs,libnftnl libmnl yajl)

$(BIN)/netback-config: $(OBJ)/netback-config/main.o $(LIBNBC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(NBC_LIBS)

BINS += $(BIN)/netback-config
PV_ARCHIVES += $(LIBNBC)
PV_LINK_LIBS += $(NBC_LIBS)
XL_LIBS += $(LIBNBC) $(NBC_LIBS)
$(BIN)/xl: $(LIBNBC)
INSTALL_MAN += $(wildcard docs/netback-config.8)
