#!/usr/bin/env bash
# Sluice vs lspci, side by side in one run: median wall time of N runs of each command on
# the live host and on a generated 4,096-function tree (64 buses) built from real config
# spaces (this host's and every capture in Tests/Fixtures/sysfs). Prints ratios sluice/lspci;
# the goal is <= 0.80 on both pairs. Not a test: timings depend on the machine's load.
#
# Usage: Benchmarks/pci/bench.sh [RUNS]   (default 7; keep it short on a shared machine)
# SLUICE_BENCH_SOURCES="DIR1 DIR2": more captures to take config spaces from.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-7}
TREE=/var/tmp/sluice-bench-tree

swift build -c release --product sluice >/dev/null
SLUICE=$(swift build -c release --show-bin-path)/sluice

if [[ ! -f $TREE/.complete ]]; then
    rm -rf "$TREE"
    fixtures=()
    for f in Tests/Fixtures/sysfs/*/ ${SLUICE_BENCH_SOURCES:-}; do [[ -d $f/sys/bus/pci/devices ]] && fixtures+=("$f"); done
    python3 Benchmarks/pci/make-tree.py "$TREE" 4096 64 / "${fixtures[@]}" | tee "$TREE.log"
    mv "$TREE.log" "$TREE/.templates"
    touch "$TREE/.complete"
fi

# Median wall time in milliseconds of RUNS runs (output discarded, stderr too: lspci warns
# about libkmod on hosts without modules).
median_ms() {
    local times=()
    for ((i = 0; i < RUNS; i++)); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { printf "%.1f", $1 / 1000 }'
}

row() {  # label, sluice command..., --, lspci command...
    local label=$1; shift
    local s=() l=()
    while [[ $1 != -- ]]; do s+=("$1"); shift; done; shift
    l=("$@")
    # Interleave so both see the same load.
    local sm lm
    sm=$(median_ms "${s[@]}"); lm=$(median_ms "${l[@]}")
    printf '%-36s %10s %10s %7s\n' "$label" "$sm" "$lm" "$(awk -v a="$sm" -v b="$lm" 'BEGIN { printf "%.2f", a / b }')"
}

echo "templates: $(cat $TREE/.templates 2>/dev/null)"
echo "runs per command: $RUNS; lspci $(lspci --version | awk '{print $3}'); devices: live $(ls /sys/bus/pci/devices | wc -l), tree $(ls $TREE/sys/bus/pci/devices | wc -l)"
printf '%-36s %10s %10s %7s\n' "comparison" "sluice ms" "lspci ms" "ratio"
row "live: list --json vs -nnk" "$SLUICE" list --json -- lspci -nnk
row "live: list -v vs -vvv" "$SLUICE" list -v -- lspci -vvv
row "tree: list --json vs -nnk" "$SLUICE" list --json --sysfs-root $TREE -- lspci -nnk -A linux-sysfs -O sysfs.path=$TREE/sys/bus/pci
row "tree: list -v vs -vvv" "$SLUICE" list -v --sysfs-root $TREE -- lspci -vvv -A linux-sysfs -O sysfs.path=$TREE/sys/bus/pci
