# tests/cli/: black-box tests of build/bin/xl.  xlref.py compares `xl -N`
# against reference outputs of Debian's real xl 4.17 (tests/fixtures/
# xl-json, see its README); run-cli.sh holds our own CLI cases.
.PHONY: check-cli
check-cli: $(BIN)/xl
	python3 tests/cli/xlref.py check tests/fixtures/xl-json $(BIN)/xl
	@if [ -f tests/cli/run-cli.sh ]; then sh tests/cli/run-cli.sh $(BIN)/xl; fi
CHECK_STEPS += check-cli
