#!/bin/sh
# Inside the lab guest: bind the e1000e, then alternate the C baseline and Sluice one map at a
# time (ROUNDS pairs, the first pair discarded as warm-up), each mapping SIZE MiB of fresh
# anonymous memory; prints medians and the Sluice/C ratio. Under TCG the spread is large:
# read the individual numbers, not only the ratio.
set -u
TREE=${SLUICE_TREE:?}; BIN=$TREE/.build/debug; DEV=0000:01:00.0
MIB=${SLUICE_LAB_BENCH_MIB:-1024}; ROUNDS=${SLUICE_LAB_BENCH_ROUNDS:-6}
"$BIN/sluice" bind $DEV --state-dir /run/sluice-state >/dev/null 2>&1 || exit 10
G=$(basename "$(readlink /sys/bus/pci/devices/$DEV/iommu_group)")
: > /run/bench.txt
runc() { /var/tmp/sluice-bench/map1g "$G" $DEV "$MIB" 1; }
runs() { SLUICE_LAB_DEVICE=$DEV SLUICE_LAB_BENCH_MIB=$MIB SLUICE_LAB_BENCH_REPS=1 \
  "$BIN/SluicePackageTests.xctest" --testing-library swift-testing --filter LabBenchmark 2>&1 | grep '^swift-map-ns'; }
for round in $(seq "$ROUNDS"); do
  # Alternate which goes first: the second of a pair maps right after the first freed 1 GiB.
  if [ $((round % 2)) = 1 ]; then C=$(runc) || exit 11; S=$(runs); else S=$(runs); C=$(runc) || exit 11; fi
  echo "round $round: $C / $S"
  [ "$round" -gt 1 ] && printf '%s\n%s\n' "$C" "$S" >> /run/bench.txt
done
med() { grep "^$1" /run/bench.txt | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
C=$(med c-map-ns); S=$(med swift-map-ns)
echo "BENCH map ${MIB} MiB: C median ${C} ns, Sluice median ${S} ns, ratio $(awk -v s="$S" -v c="$C" 'BEGIN {printf "%.3f", s/c}')"
"$BIN/sluice" restore --state-dir /run/sluice-state >/dev/null 2>&1
