#!/bin/sh
# Sluice's VMM against a C baseline doing the same KVM work, in the same run, interleaved.
#   start:      VMM start (before /dev/kvm is opened) to the first exit of a real-mode HLT guest,
#               against the minimal C floor (neither sets CPUID for a real-mode guest)
#   round trip: mean port-I/O exit round trip over 1000 exits to a device
#   memory:     VmRSS at the end minus resident guest RAM (Sluice's goal: <= 5 MiB), and the same
#               for anonymous memory only (RssAnon: what each VM costs; library pages are shared)
# Sluice is run as users run it, `sluice run`, which executes the VMM process (sluice-vmm): the
# figures are that process's own (it prints them with --stats).
# Usage: Benchmarks/vmm/run.sh [ROUNDS]   (default 15; a few seconds on this machine)
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-15}
guests=Tests/Fixtures/guests
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -Wall -o "$out/baseline" Benchmarks/vmm/baseline.c
swift build -c release --product sluice-vmm >/dev/null
swift build -c release --product sluice >/dev/null
sluice=$(swift build -c release --show-bin-path)/sluice

field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
i=0
while [ "$i" -lt "$rounds" ]; do
    "$out/baseline" "$guests/real-halt.bin" 2>&1 | field start_to_first_exit_ns >>"$out/c-start"
    "$sluice" run --payload "$guests/real-halt.bin" --memory 64M --stats 2>&1 | field start_to_first_exit_ns >>"$out/s-start"
    "$out/baseline" "$guests/real-exits.bin" 2>"$out/c-exits" || true
    field mean_exit_round_trip_ns <"$out/c-exits" >>"$out/c-rt"
    "$sluice" run --payload "$guests/real-exits.bin" --memory 64M --stats 2>"$out/s-exits" || true
    field mean_exit_round_trip_ns <"$out/s-exits" >>"$out/s-rt"
    for who in c s; do
        rss=$(field rss_bytes <"$out/$who-exits"); guest=$(field guest_resident_bytes <"$out/$who-exits")
        echo $((rss - guest)) >>"$out/$who-mem"
        anon=$(field rss_anon_bytes <"$out/$who-exits")
        echo $((anon - guest)) >>"$out/$who-anon"
    done
    i=$((i + 1))
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
best() { sort -n "$1" | head -1; }
report() {  # key name unit-divisor unit goal [baseline-prefix]
    c=$(median "$out/${6:-c}-$1"); s=$(median "$out/s-$1")
    cb=$(best "$out/${6:-c}-$1"); sb=$(best "$out/s-$1")
    awk -v n="$2" -v c="$c" -v s="$s" -v cb="$cb" -v sb="$sb" -v d="$3" -v u="$4" -v g="$5" 'BEGIN {
        printf "%-27s median C %8.1f %s Sluice %8.1f %s ratio %.2fx | best C %8.1f Sluice %8.1f ratio %.2fx (goal %s)\n",
               n, c / d, u, s / d, u, s / c, cb / d, sb / d, sb / cb, g }'
}
echo "$rounds interleaved rounds (load average: $(cut -d" " -f1-3 /proc/loadavg))"
report start "start, vs C floor" 1000 us "<= 1.2x"
report rt "PIO exit round trip" 1000 us "<= 1.05x"
report mem "RSS beyond guest RAM" 1048576 MiB "Sluice <= 5 MiB"
report anon "anon RSS beyond guest RAM" 1048576 MiB "Sluice <= 5 MiB"
