# tests/e2e/: end-to-end tests on the sandbox Xen host (docs/sandbox.md).
# One boot runs every tests/e2e/t_*.sh; `make check-e2e E2E_TESTS="t_a t_b"`
# runs a subset.
E2E_TESTS ?=
CHECK_STEPS += check-e2e
.PHONY: check-e2e
check-e2e: all
	@tests/e2e/run.sh $(E2E_TESTS)

# Debian 12 starts oxenstored, and so does the sandbox; these tests, whose
# outcome depends on what xenstored does with our requests (the tree, its
# transactions, conflicts, clean-up), run once more on the C xenstored,
# Debian's alternative, in a boot of their own.
E2E_CXS_TESTS ?= t_pv_interop t_pvh_interop t_pv_failures t_pv_concurrent \
	t_pv_actions t_devices
CHECK_STEPS += check-e2e-cxenstored
.PHONY: check-e2e-cxenstored
check-e2e-cxenstored: all
	@SANDBOX_XENSTORED=xenstored E2E_NAME=e2e-cxenstored tests/e2e/run.sh $(E2E_CXS_TESTS)

# tests/e2e/numa/t_*.sh need a 2-node host: their own boot (SANDBOX_NUMA=2).
CHECK_STEPS += check-e2e-numa
.PHONY: check-e2e-numa
check-e2e-numa: all
	@tests/e2e/numa/run.sh
