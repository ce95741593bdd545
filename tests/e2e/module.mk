# tests/e2e/: end-to-end tests on the sandbox Xen host (docs/sandbox.md).
# One boot runs every tests/e2e/t_*.sh; `make check-e2e E2E_TESTS="t_a t_b"`
# runs a subset.
E2E_TESTS ?=
CHECK_STEPS += check-e2e
.PHONY: check-e2e
check-e2e: all
	@tests/e2e/run.sh $(E2E_TESTS)

# tests/e2e/numa/t_*.sh need a 2-node host: their own boot (SANDBOX_NUMA=2).
CHECK_STEPS += check-e2e-numa
.PHONY: check-e2e-numa
check-e2e-numa: all
	@tests/e2e/numa/run.sh
