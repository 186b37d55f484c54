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

# One run of a command: "wall cpu" in seconds, output discarded (stderr too: lspci warns
# about libkmod on hosts without modules). CPU time (user + sys) is the steadier figure on a
# shared, loaded machine; wall time is what a user waits.
TF=$(mktemp)
trap 'rm -f "$TF"' EXIT
once() {
    if command -v perf >/dev/null; then
        # perf: microsecond wall time and CPU time (task-clock) of the command alone.
        perf stat -e task-clock -o "$TF" "$@" >/dev/null 2>&1 || true
        echo "$(awk '/seconds time elapsed/ { print $1 }' "$TF") $(awk '/task-clock/ { gsub(",", "", $1); print $1 / 1000 }' "$TF")"
    else
        /usr/bin/time -o "$TF" -f "%e %U %S" "$@" >/dev/null 2>&1 || true
        awk '{ print $1, $2 + $3 }' "$TF"
    fi
}

median_ms() { sort -g | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] * 1000 }'; }

row() {  # label, sluice command..., --, lspci command...
    # The two commands alternate, run for run (which goes first alternates too), so a burst
    # of load on a shared machine falls on both sides instead of skewing the ratio.
    local label=$1; shift
    local s=() l=()
    while [[ $1 != -- ]]; do s+=("$1"); shift; done; shift
    l=("$@")
    local sw=() sc=() lw=() lc=() w c
    for ((i = 0; i < RUNS; i++)); do
        if ((i % 2 == 0)); then
            read -r w c < <(once "${s[@]}"); sw+=("$w"); sc+=("$c")
            read -r w c < <(once "${l[@]}"); lw+=("$w"); lc+=("$c")
        else
            read -r w c < <(once "${l[@]}"); lw+=("$w"); lc+=("$c")
            read -r w c < <(once "${s[@]}"); sw+=("$w"); sc+=("$c")
        fi
    done
    local msw msc mlw mlc
    msw=$(printf '%s\n' "${sw[@]}" | median_ms); msc=$(printf '%s\n' "${sc[@]}" | median_ms)
    mlw=$(printf '%s\n' "${lw[@]}" | median_ms); mlc=$(printf '%s\n' "${lc[@]}" | median_ms)
    printf '%-30s %8s %8s %6s   %8s %8s %6s\n' "$label" "$msw" "$mlw" \
        "$(awk -v a="$msw" -v b="$mlw" 'BEGIN { printf "%.2f", a / b }')" "$msc" "$mlc" \
        "$(awk -v a="$msc" -v b="$mlc" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
}

echo "templates: $(cat $TREE/.templates 2>/dev/null)"
echo "runs per command: $RUNS; lspci $(lspci --version | awk '{print $3}'); devices: live $(ls /sys/bus/pci/devices | wc -l), tree $(ls $TREE/sys/bus/pci/devices | wc -l)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%-30s %8s %8s %6s   %8s %8s %6s\n' "comparison" "wall sl" "wall ls" "ratio" "cpu sl" "cpu ls" "ratio"
row "live: list --json vs -nnk" "$SLUICE" list --json -- lspci -nnk
row "live: list -v vs -vvv" "$SLUICE" list -v -- lspci -vvv
row "tree: list --json vs -nnk" "$SLUICE" list --json --sysfs-root $TREE -- lspci -nnk -A linux-sysfs -O sysfs.path=$TREE/sys/bus/pci
row "tree: list -v vs -vvv" "$SLUICE" list -v --sysfs-root $TREE -- lspci -vvv -A linux-sysfs -O sysfs.path=$TREE/sys/bus/pci
