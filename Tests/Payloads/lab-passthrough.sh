#!/bin/sh
# The VMM's passthrough test in the lab (real kernel VFIO, emulated VT-d, nested KVM):
#   sluice lab run --device e1000e -- Tests/Payloads/lab-passthrough.sh
# Binds the lab's e1000e to vfio-pci, then runs two payloads with it assigned through
# `sluice run --device`, each of which exits 6 on success:
#   long-e1000e-msix.bin  the device raises MSI-X vector 0; it reaches the guest's LAPIC
#   long-e1000e-dma.bin   the device DMAs a descriptor write-back into guest RAM, and a ring
#                         outside guest RAM faults in the IOMMU (checked in the kernel log)
# Exits 0 when all of it holds. Kernel-mode guest code is emulated here: each run takes seconds.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
guests=$root/Tests/Fixtures/guests
sluice=${SLUICE:-$root/.build/debug/sluice}
addr=$("$here/lab-vfio-e1000e.sh") || exit 1
failed=0
for payload in long-e1000e-msix long-e1000e-dma; do
    dmesg -c >/dev/null
    echo "== $payload"
    "$sluice" run --device "$addr" --mode long --payload "$guests/$payload.bin" --timeout 120
    rc=$?
    if [ "$rc" -ne 6 ]; then echo "FAIL: $payload exited $rc"; failed=1; fi
    if [ "$payload" = long-e1000e-dma ]; then
        if dmesg | grep -q "DMAR: .*\[$(echo "$addr" | cut -c6-)\] fault addr 0x90000000"; then
            dmesg | grep "DMAR: .*fault addr" | head -1
        else
            echo "FAIL: no DMAR fault for the ring outside guest RAM"; failed=1
        fi
    fi
done
[ "$failed" -eq 0 ] && echo "PASS: MSI-X delivered, DMA into guest RAM, DMA outside it faulted"
exit "$failed"
