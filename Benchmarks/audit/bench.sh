#!/usr/bin/env bash
# Full audit of a generated 4,096-function tree (64 buses, real config spaces; the same tree as
# Benchmarks/pci) and of this host: median wall time of the whole `sluice audit --json` process,
# beside `lspci -vvv` on the same tree as the reference, and, for the tree, the system-call
# floor (floor.c: the audit's own reads in C, on as many threads, nothing else). The ratio to
# the floor is what Sluice adds; it holds when the machine's speed does not (on a shared VM a
# system call's cost swings by half from one minute to the next). Goal: the tree's audit under
# 100 ms. Not a test: timings depend on the machine's load.
#
# Usage: Benchmarks/audit/bench.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-7}
TREE=${SLUICE_BENCH_TREE:-/var/tmp/sluice-audit-bench-tree}

swift build -c release --product sluice >/dev/null
SLUICE=$(swift build -c release --show-bin-path)/sluice
FLOOR=$(mktemp -d)/floor
trap 'rm -rf "$(dirname "$FLOOR")"' EXIT
${CC:-clang} -O2 -o "$FLOOR" Benchmarks/audit/floor.c -lpthread
if [[ ! -f $TREE/.complete ]]; then
    rm -rf "$TREE"
    fixtures=()
    for f in Tests/Fixtures/sysfs/*/; do [[ -d $f/sys/bus/pci/devices ]] && fixtures+=("$f"); done
    python3 Benchmarks/pci/make-tree.py "$TREE" 4096 64 / "${fixtures[@]}"
    touch "$TREE/.complete"
fi

# Wall time of one run in microseconds, output discarded. bash's $EPOCHREALTIME (no fork):
# `$(date)` would add a process start to every measurement.
once_us() {
    local t0 t1
    t0=${EPOCHREALTIME/./}; "$@" >/dev/null 2>&1 || true; t1=${EPOCHREALTIME/./}
    echo $(( t1 - t0 ))
}

median_ms() { sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }'; }

# One row: our command and the reference command (the array REFERENCE, named LABEL) alternate
# run for run, and which goes first alternates too, so a burst of load on a shared machine falls
# on both sides instead of skewing the ratio.   Usage: row NAME LABEL OUR-COMMAND...
row() {
    local name=$1 label=$2 ours=() theirs=(); shift 2
    for ((i = 0; i < RUNS; i++)); do
        if ((i % 2 == 0)); then ours+=("$(once_us "$@")"); theirs+=("$(once_us "${REFERENCE[@]}")")
        else theirs+=("$(once_us "${REFERENCE[@]}")"); ours+=("$(once_us "$@")"); fi
    done
    local o t best
    o=$(printf '%s\n' "${ours[@]}" | median_ms); t=$(printf '%s\n' "${theirs[@]}" | median_ms)
    best=$(printf '%s\n' "${ours[@]}" | sort -n | awk 'NR == 1 { printf "%.2f", $1 / 1000 }')
    printf '%-28s sluice audit %8s ms (best %s)   %s %8s ms   ratio %s\n' "$name" "$o" "$best" "$label" "$t" \
        "$(awk -v a="$o" -v b="$t" 'BEGIN { printf "%.2f", a / b }')"
}

devices=$(ls "$TREE/sys/bus/pci/devices" | wc -l)
REFERENCE=(lspci -vvv -A linux-sysfs -O "sysfs.path=$TREE/sys/bus/pci")
row "tree ($devices functions)" "lspci -vvv" "$SLUICE" audit --json --sysfs-root "$TREE"
REFERENCE=("$FLOOR" "$TREE")
row "tree, against its floor" "system-call floor" "$SLUICE" audit --json --sysfs-root "$TREE"
REFERENCE=(lspci -vvv -A linux-sysfs -O "sysfs.path=/sys/bus/pci")
row "this host" "lspci -vvv" "$SLUICE" audit --json
