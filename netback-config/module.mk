# netback-config/: bridges and vif plumbing by netlink (libnbc.a) and the
# netback-config command.  libpvxl's vif backend calls into libnbc, so xl
# links it too (with $(NBC_NL_LIBS), see xl/module.mk).
#
# Two parts, one archive: the rtnetlink core (nbc.c, nbc_ops.c) needs only
# libnl-3, whose .a Debian ships, so xl links it statically; the host NAT
# (nbc_nat.c) adds libnftnl, which only the netback-config command pulls in
# (nothing in nbc.o/nbc_ops.o references nbc_nat.o, see n->masq_undo).
NBC_SRCS := $(filter-out netback-config/main.c,$(wildcard netback-config/*.c))
$(eval $(call archive,nbc,$(NBC_SRCS)))
LIBNBC := $(LIBDIR)/libnbc.a
NBC_NL_CFLAGS := $(call PC,cflags,libnl-3.0)
NBC_NL_LIBS := $(call PC,libs,libnl-3.0)
NBC_LIBS := $(NBC_NL_LIBS) $(call PC,libs,libnftnl yajl)
$(OBJ)/netback-config/%.o: CPPFLAGS += $(NBC_NL_CFLAGS)

$(BIN)/netback-config: $(OBJ)/netback-config/main.o $(LIBNBC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(NBC_LIBS)

BINS += $(BIN)/netback-config
PV_ARCHIVES += $(LIBNBC)
# test_nbc_nat makes the user's own nf_tables state with libmnl directly.
PV_LINK_LIBS += $(NBC_LIBS) $(call PC,libs,libmnl)
# What xl needs for libnbc is libnl-3 (pkg-config --static adds only
# -lpthread, part of libc since glibc 2.34).  In xl's static link libnl-3.a's
# addr.o and utils.o make ld warn about getaddrinfo and
# getprotobyname/-bynumber (NSS); libnbc never calls the functions that use
# them, so nothing more is needed at run time.
INSTALL_MAN += $(wildcard docs/netback-config.8)
