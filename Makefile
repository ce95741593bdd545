# pvstack top-level build.
#
# Each directory contributes a fragment, DIR/module.mk, that appends to the
# variables below; this file owns only the common rules.  That keeps parallel
# work on different subsystems from colliding in one file.
#
#   make              build everything into build/bin
#   make check        all tests: unit, CLI, interop, fuzz smoke, e2e (sandbox)
#   make check-asan   unit tests under ASan+UBSan (separate tree build/asan)
#   make demo         boot the sandbox Xen host and show pvstack working
#   make fuzz         long fuzz runs (FUZZ_SECONDS per target)

BUILD    ?= build
OBJ      := $(BUILD)/obj
BIN      := $(BUILD)/bin
LIBDIR   := $(BUILD)/lib
PREFIX   ?= /usr/local
DESTDIR  ?=

CC       ?= cc
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
CFLAGS   += -std=gnu11 $(WARN) -fno-strict-aliasing $(SANFLAGS)
CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I. -Iinclude
LDFLAGS  += $(SANFLAGS)

PKGS_XEN := xencontrol xenguest xenstore xenevtchn xengnttab xenforeignmemory \
            xendevicemodel xentoollog xencall
PC = $(shell pkg-config --$(1) $(2) 2>/dev/null)

# Filled in by the fragments.
BINS        :=
UNIT_TESTS  :=
CHECK_STEPS :=
FUZZERS     :=
PV_ARCHIVES :=   # every archive, for tests that link against anything
PV_LINK_LIBS:=   # the system libraries those archives need
INSTALL_MAN :=

.SECONDARY:
.PHONY: all deps check check-unit check-asan demo fuzz install clean
all: deps

# $(call archive,NAME,SRCS) -> rule for $(LIBDIR)/libNAME.a
define archive
$(LIBDIR)/lib$(1).a: $(patsubst %.c,$(OBJ)/%.o,$(2))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && $(AR) rcs $$@ $$^
endef

# Libraries first so PV_ARCHIVES is complete when the tests link.
include $(sort $(wildcard */module.mk))
include $(sort $(wildcard tests/*/module.mk))

all: $(BINS)

# Missing build dependencies are installed on demand (tools/deps.sh is a
# no-op when everything is present).
deps:
	@tools/deps.sh

$(BINS) $(UNIT_TESTS): | deps

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@


check-unit: $(UNIT_TESTS)
	@set -e; fail=0; for t in $(UNIT_TESTS); do \
	    echo "== $$t"; $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

check: all check-unit $(CHECK_STEPS)
	@echo "make check: all steps passed"

check-asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g" \
	    SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    check-unit

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	@for m in $(INSTALL_MAN); do \
	    s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done

clean:
	rm -rf $(OBJ) $(BIN) $(LIBDIR) build/asan build/fuzz build/test

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
