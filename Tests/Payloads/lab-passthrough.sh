#!/bin/sh
# Runs inside `sluice lab run --device e1000e -- Tests/Payloads/lab-passthrough.sh [PAYLOAD]`:
# binds the lab's e1000e to vfio-pci and runs PAYLOAD (default long-e1000e-msix.bin) in
# `sluice run --device` with it assigned. Nested KVM under TCG: kernel-mode guest code is slow.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
payload=${1:-$root/Tests/Fixtures/guests/long-e1000e-msix.bin}
sluice=${SLUICE:-$root/.build/debug/sluice}
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
modprobe vfio-pci
addr=$(lspci -D -n -d 8086:10d3 | cut -d' ' -f1)
[ -n "$addr" ] || { echo "no e1000e in the lab guest"; exit 1; }
echo vfio-pci > "/sys/bus/pci/devices/$addr/driver_override"
[ -e "/sys/bus/pci/devices/$addr/driver" ] && echo "$addr" > "/sys/bus/pci/devices/$addr/driver/unbind"
echo "$addr" > /sys/bus/pci/drivers_probe
dmesg -c >/dev/null
"$sluice" run --device "$addr" --mode long --payload "$payload" --timeout 120
rc=$?
echo "sluice run: exit $rc"
dmesg | grep -iE "dmar|fault" | head -5
exit $rc
