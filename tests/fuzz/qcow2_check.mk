# The qcow2 check/repair fuzz target (owner: pvimg).  Seeds are the
# decoded hex fixtures of tests/fixtures/qcow2 (tests/fuzz/corpus/qcow2_check).
FUZZ_SRCS_fuzz_qcow2_check := blktap/qcow2_check.c
