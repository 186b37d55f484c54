#!/bin/sh
# Capture how the Linux kernel itself decodes each fixture IVRS table.
#
# Boots the lab's 6.1 kernel (see /work/shared/lab/NOTES.md; cached vmlinux) in QEMU with no
# IOMMU device, hands it the fixture table through the ACPI table upgrade mechanism (an
# uncompressed initrd cpio holding kernel/firmware/acpi/IVRS.aml) and the `amd_iommu_dump`
# parameter, which makes the kernel print every IVHD and IVMD entry it parses. The dump happens
# in the first tenth of a second of boot; QEMU is stopped after a few seconds. Output:
# NAME.log (the AMD-Vi and ACPI table lines of the console log) next to this script.
#
# Usage: capture.sh [VMLINUX]    (default /var/tmp/lab-cache/vmlinux-k61). One QEMU at a time:
# every boot holds /var/tmp/sluice-qemu.lock.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vmlinux=${1:-/var/tmp/lab-cache/vmlinux-k61}
work=$(mktemp -d /var/tmp/sluice-ivrs-capture.XXXXXX)
trap 'rm -rf "$work"' EXIT
for table in "$here"/../IVRS/*.dat; do
    name=$(basename "$table" .dat)
    rm -rf "$work/d"; mkdir -p "$work/d/kernel/firmware/acpi"
    cp "$table" "$work/d/kernel/firmware/acpi/IVRS.aml"
    (cd "$work/d" && find kernel | cpio -H newc -o --quiet) > "$work/t.cpio"
    flock /var/tmp/sluice-qemu.lock timeout 6 qemu-system-x86_64 \
        -M q35 -accel tcg -cpu max -m 1G -smp 1 -nodefaults -display none -no-reboot \
        -kernel "$vmlinux" -initrd "$work/t.cpio" \
        -append "console=ttyS0 amd_iommu_dump panic=-1 rdinit=/none" \
        -serial "file:$work/console.log" </dev/null >/dev/null 2>&1 || true
    grep -a -E 'AMD-Vi|Table Upgrade|ACPI: IVRS' "$work/console.log" | tr -d '\r' | sed 's/^\[ *[0-9.]*\] //' > "$here/$name.log"
    echo "$name: $(grep -c 'DEV_\|IVMD' "$here/$name.log") entries"
done
