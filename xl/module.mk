# xl/: the CLI, one file per command family.  Everything but main.c also
# goes into libxlcli.a so unit tests can drive command code directly.
XL_SRCS := $(filter-out xl/main.c,$(wildcard xl/*.c))
$(eval $(call archive,xlcli,$(XL_SRCS)))
LIBXLCLI := $(LIBDIR)/libxlcli.a
# The Xen libraries (and yajl and the compression libraries libxenguest
# uses) are linked statically into xl: under a PV dom0 every mapped shared
# object costs page-table hypercalls at exec, relocation and fork, and that
# start-up was the largest part of a tiny `xl create` (docs/benchmarks.md).
# libxenguest registers its kernel loaders from constructors nothing
# references, hence --whole-archive.  libxenstore stays shared: Xen builds
# its .a without USE_PTHREAD, so watches would never wake a poll() on
# xs_fileno (the monitor would miss its domain's death); libxentoolcore,
# which it needs, with it.  So do libc and libmnl (no .a in Debian).  Other
# binaries and the tests keep linking dynamically.
XL_STATIC_XEN := xenctrl xenevtchn xengnttab xenforeignmemory \
                 xendevicemodel xencall xentoollog
XL_DYN_DROP := $(addprefix -l,xenguest $(XL_STATIC_XEN) yajl lzma zstd z)
XL_LINK_LIBS = $(filter-out $(XL_DYN_DROP),$(XL_LIBS)) \
    -Wl,-Bstatic -Wl,--whole-archive -lxenguest -Wl,--no-whole-archive \
    $(addprefix -l,$(XL_STATIC_XEN)) -lyajl_s -llzma -lzstd -lz -Wl,-Bdynamic \
    -lxentoolcore
$(BIN)/xl: $(OBJ)/xl/main.o $(LIBXLCLI) $(LIBPVXL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(OBJ)/xl/main.o -Wl,--whole-archive $(LIBXLCLI) -Wl,--no-whole-archive $(LIBPVXL) $(XL_LINK_LIBS)
BINS += $(BIN)/xl
PV_ARCHIVES := $(LIBXLCLI) $(PV_ARCHIVES)
INSTALL_MAN += $(wildcard docs/xl.1)
