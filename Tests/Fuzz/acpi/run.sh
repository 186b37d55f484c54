#!/bin/sh
# Fuzz the DMAR/IVRS parsers with libFuzzer + ASan, seeded with the fixture tables.
# Usage: Tests/Fuzz/acpi/run.sh [SECONDS]   (default 60; the work dir is printed)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
seconds=${1:-60}
work=$(mktemp -d /tmp/sluice-acpi-fuzz.XXXXXX)
mkdir "$work/corpus"
cp "$root"/Tests/Fixtures/acpi/DMAR/*.dat "$root"/Tests/Fixtures/acpi/IVRS/*.dat "$work/corpus/"
swiftc -sanitize=fuzzer,address -parse-as-library -O \
    $(find "$root/Sources/SluiceACPI" -name '*.swift') "$here/LLVMFuzzerTestOneInput.swift" \
    -o "$work/fuzz-acpi" 2>&1 | grep -v 'Cannot export local symbol' || true
cd "$work"
./fuzz-acpi corpus -max_total_time="$seconds" -max_len=8192 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
echo "fuzz work dir: $work"
