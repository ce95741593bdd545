# tests/unit/: cmocka suites, one binary per tests/unit/test_*.c, linked
# against every pvstack archive (the linker keeps only what a test uses).
# A test needing extra link flags sets LDFLAGS_test_NAME in its own
# fragment (e.g. -Wl,--wrap=... for fakes).
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_TESTS += $(patsubst tests/unit/%.c,$(BUILD)/test/%,$(UNIT_SRCS))

$(BUILD)/test/%: $(OBJ)/tests/unit/%.o $(PV_ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LDFLAGS_$*) $(PV_ARCHIVES) $(PV_LINK_LIBS) -lcmocka
