# tests/fuzz/: libFuzzer targets, generic for every subsystem.
#
# A target is tests/fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput.  Its
# owner declares, in any fragment (their own DIR/module.mk or a
# tests/fuzz/NAME.mk next to the target), the pvstack sources it needs:
#
#     FUZZ_SRCS_fuzz_NAME := libxl/foo.c libxl/bar.c
#
# Those are compiled separately with clang and the sanitizers into
# build/fuzz/obj (not taken from the gcc archives), and linked into
# build/fuzz/fuzz_NAME with -fsanitize=fuzzer,address,undefined.  Extra
# link flags go in FUZZ_LDLIBS_fuzz_NAME.
#
#   tests/fuzz/corpus/NAME/       seed corpus (committed; never written to:
#                                 runs work on a copy under build/fuzz/run)
#   tests/fuzz/regressions/NAME/  inputs that once crashed; replayed by
#                                 check-fuzz-smoke, each must pass
#
#   make fuzz [FUZZERS=fuzz_cfg] [FUZZ_SECONDS=600]   long runs
#   make check-fuzz-smoke                             ~15 s each + replay
#
# Found crashes are left in build/fuzz/run/NAME/crashes/ (NAME-smoke/ for
# the smoke run); turn each into a regression fixture and a unit test.

FUZZ_DIR      := build/fuzz
FUZZ_OBJ      := $(FUZZ_DIR)/obj
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 600
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_MAX_LEN  ?= 8192
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   := -g -O1 -fno-omit-frame-pointer -std=gnu11 $(WARN) \
                 -fno-strict-aliasing -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
                 -I. -Iinclude -DPV_FUZZING
# Every tests/fuzz/fuzz_*.c is a target (FUZZERS holds names, fuzz_NAME;
# a fragment may also append its own, duplicates are harmless).
# Per-target .mk fragments may live here.
FUZZERS += $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
include $(filter-out tests/fuzz/module.mk,$(wildcard tests/fuzz/*.mk))

# The target's own file is instrumented as a fuzzer entry point; the code
# under test gets coverage instrumentation without libFuzzer's main.
$(FUZZ_OBJ)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

# FUZZ_SRCS_* may be declared in fragments read after this one, hence the
# second expansion of the prerequisites (through a function: a literal '%'
# there would be replaced by the stem before the second expansion).
fuzz_objs = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(FUZZ_SRCS_fuzz_$(1)))
.SECONDEXPANSION:
$(FUZZ_DIR)/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o $$(call fuzz_objs,$$*) | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(FUZZ_LDLIBS_fuzz_$*)

# Deferred (and $$ in the prerequisites below): fragments read later may
# still append to FUZZERS.
FUZZ_BINS = $(addprefix $(FUZZ_DIR)/,$(sort $(FUZZERS)))
.PHONY: fuzz-build check-fuzz-smoke
fuzz-build: $$(FUZZ_BINS)

# One run: fresh copy of the seed corpus (so the repo corpus never grows),
# crashes into the run directory.  $(1) = target, $(2) = seconds, $(3) =
# run kind (smoke and long runs use separate directories, so `make check`
# does not wipe a `make fuzz` in progress).
define fuzz_run
	set -e; n=$(1); name=$${n#fuzz_}; run=$(FUZZ_DIR)/run/$$name$(3); \
	rm -rf $$run; mkdir -p $$run/corpus $$run/crashes; \
	if [ -d tests/fuzz/corpus/$$name ]; then \
	    cp -r tests/fuzz/corpus/$$name/. $$run/corpus/; fi; \
	echo "== fuzz $$n for $(2) s (corpus: $$(ls $$run/corpus | wc -l) seeds)"; \
	nice $(FUZZ_DIR)/$$n $$run/corpus -max_total_time=$(2) \
	    -max_len=$(FUZZ_MAX_LEN) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$$run/crashes/ \
	    > $$run/log 2>&1 || { tail -60 $$run/log; \
	    echo "FUZZ FAILURE: $$n; reproducer in $$run/crashes/"; exit 1; }; \
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' $$run/log || true
endef

# Replay the crash fixtures: each must now run clean.
define fuzz_replay
	set -e; n=$(1); name=$${n#fuzz_}; dir=tests/fuzz/regressions/$$name; \
	if [ -d $$dir ] && [ -n "$$(ls $$dir)" ]; then \
	    echo "== replay $$n: $$(ls $$dir | wc -l) regression inputs"; \
	    $(FUZZ_DIR)/$$n $$dir/* > $(FUZZ_DIR)/replay-$$name.log 2>&1 || \
	    { tail -40 $(FUZZ_DIR)/replay-$$name.log; exit 1; }; fi
endef

fuzz: $$(FUZZ_BINS)
	@$(foreach f,$(sort $(FUZZERS)),$(call fuzz_replay,$(f)) && $(call fuzz_run,$(f),$(FUZZ_SECONDS),) &&) true

check-fuzz-smoke: $$(FUZZ_BINS)
	@$(foreach f,$(sort $(FUZZERS)),$(call fuzz_replay,$(f)) && $(call fuzz_run,$(f),$(FUZZ_SMOKE_SECONDS),-smoke) &&) true

CHECK_STEPS += check-fuzz-smoke

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null)
