# xl/: the CLI, one file per command family.  Everything but main.c also
# goes into libxlcli.a so unit tests can drive command code directly.
XL_SRCS := $(filter-out xl/main.c,$(wildcard xl/*.c))
$(eval $(call archive,xlcli,$(XL_SRCS)))
LIBXLCLI := $(LIBDIR)/libxlcli.a
$(BIN)/xl: $(OBJ)/xl/main.o $(LIBXLCLI) $(LIBPVXL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(OBJ)/xl/main.o -Wl,--whole-archive $(LIBXLCLI) -Wl,--no-whole-archive $(LIBPVXL) $(XL_LIBS)
BINS += $(BIN)/xl
PV_ARCHIVES := $(LIBXLCLI) $(PV_ARCHIVES)
INSTALL_MAN += $(wildcard docs/xl.1)
