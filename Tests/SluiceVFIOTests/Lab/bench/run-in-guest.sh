#!/bin/sh
# Inside the lab guest: bind the e1000e, then alternate the C baseline and Sluice, each mapping
# SIZE MiB of fresh anonymous memory REPS times; prints medians and the Sluice/C ratio.
set -u
TREE=${SLUICE_TREE:?}; BIN=$TREE/.build/debug; DEV=0000:01:00.0
MIB=${SLUICE_LAB_BENCH_MIB:-1024}; REPS=${SLUICE_LAB_BENCH_REPS:-3}
"$BIN/sluice" bind $DEV --state-dir /run/sluice-state >/dev/null 2>&1 || exit 10
G=$(basename "$(readlink /sys/bus/pci/devices/$DEV/iommu_group)")
: > /run/bench.txt
for round in 1 2; do
  /var/tmp/sluice-bench/map1g "$G" $DEV "$MIB" "$REPS" >> /run/bench.txt || exit 11
  SLUICE_LAB_DEVICE=$DEV SLUICE_LAB_BENCH_MIB=$MIB SLUICE_LAB_BENCH_REPS=$REPS \
    "$BIN/SluicePackageTests.xctest" --testing-library swift-testing --filter LabBenchmark 2>&1 | grep '^swift-map-ns' >> /run/bench.txt
done
cat /run/bench.txt
med() { grep "^$1" /run/bench.txt | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
C=$(med c-map-ns); S=$(med swift-map-ns)
echo "BENCH map ${MIB} MiB: C median ${C} ns, Sluice median ${S} ns, ratio $(awk -v s="$S" -v c="$C" 'BEGIN {printf "%.3f", s/c}')"
"$BIN/sluice" restore --state-dir /run/sluice-state >/dev/null 2>&1
