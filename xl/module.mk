# xl/: the CLI, one file per command family.  Everything but main.c also
# goes into libxlcli.a so unit tests can drive command code directly.
XL_SRCS := $(filter-out xl/main.c,$(wildcard xl/*.c))
$(eval $(call archive,xlcli,$(XL_SRCS)))
LIBXLCLI := $(LIBDIR)/libxlcli.a
# xl is linked fully static: under a PV dom0 every mapped shared object
# costs page-table hypercalls at exec, relocation, fork and exit, and ld.so
# with libc alone cost more than the rest of a tiny `xl create`
# (docs/benchmarks.md: `xl help` 29 ms static against 105 ms dynamic).
# libxenguest registers its kernel loaders from constructors nothing
# references, hence --whole-archive.  Xen builds libxenstore.a without its
# reader thread; our watches poll a connection of their own (xs_batch.h).
# libnbc's netlink is libnl-3, whose archive Debian ships.  An ASan build
# (SANFLAGS) links the same archives but not -static, which ASan refuses.
XL_STATIC_XEN := xenctrl xenevtchn xengnttab xenforeignmemory \
                 xendevicemodel xencall xentoollog xenstore xentoolcore
XL_LINK_LIBS = $(LIBNBC) $(NBC_NL_LIBS) \
    -Wl,--whole-archive -lxenguest -Wl,--no-whole-archive \
    $(addprefix -l,$(XL_STATIC_XEN)) -lyajl_s -llzma -lzstd -lz -lpthread
XL_STATIC := $(if $(SANFLAGS),,-static)
$(BIN)/xl: $(OBJ)/xl/main.o $(LIBXLCLI) $(LIBPVXL) $(LIBNBC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(XL_STATIC) -o $@ $(OBJ)/xl/main.o -Wl,--whole-archive $(LIBXLCLI) -Wl,--no-whole-archive $(LIBPVXL) $(XL_LINK_LIBS) 2> $@.ld || { cat $@.ld; rm -f $@.ld; exit 1; }
	@# glibc's NSS notes about libnl-3's unused getaddrinfo users are expected
	@grep -v -e 'statically linked applications requires at runtime' -e ': in function ' $@.ld || true; rm -f $@.ld
BINS += $(BIN)/xl
PV_ARCHIVES := $(LIBXLCLI) $(PV_ARCHIVES)
INSTALL_MAN += $(wildcard docs/xl.1)
