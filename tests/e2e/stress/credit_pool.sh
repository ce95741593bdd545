# Stress for Xen 4.17's deadlock in destroying a credit cpupool (lib.sh,
# credit_pool_destroy): ROUNDS times, take pCPU 1 from Pool-0, make a credit
# pool of it with a SLICE ms time slice, destroy it, give the pCPU back.  A
# sandbox job, not part of `make check` (minutes):
#   SANDBOX_STALL=90 tools/sandbox run --name pool-stress \
#       tests/e2e/stress/credit_pool.sh ARGS-FILE
# ARGS-FILE holds "SLICE ROUNDS MODE": MODE raw destroys the pool straight
# away, safe through credit_pool_destroy.  Seen: "1 150 raw" hangs in round
# 1, "30 150 raw" in round 81, "1 150 safe" completes.  A hang shows as the
# job falling silent; the stall watchdog then stops the host.
. /pvstack/tests/e2e/lib.sh
for f in /results/in/*; do [ "${f##*/}" = job ] || args=$f; done
read -r slice rounds mode < "$args"
echo "slice $slice ms, $rounds rounds, $mode"
printf 'name = "cp"\nsched = "credit"\ncpus = ["1"]\n' > /tmp/cp.cfg
i=0
while [ "$i" -lt "$rounds" ]; do
    "$REF_XL" cpupool-cpu-remove Pool-0 1 || fail "cpu-remove, round $i"
    "$REF_XL" cpupool-create /tmp/cp.cfg >/dev/null 2>&1 || fail "create, round $i"
    "$REF_XL" sched-credit -s -p cp -t "$slice" -r 0 >/dev/null 2>&1 || fail "slice, round $i"
    sleep 0.$((i % 10))
    if [ "$mode" = safe ]; then
        credit_pool_destroy cp || fail "destroy, round $i"
    else
        "$REF_XL" cpupool-destroy cp || fail "destroy, round $i"
    fi
    "$REF_XL" cpupool-cpu-add Pool-0 1 || fail "cpu-add, round $i"
    i=$((i + 1))
    echo "round $i"
done
echo "no hang in $rounds rounds"
