#!/bin/sh
# In the lab guest: loads KVM and vfio-pci, binds the lab's e1000e (8086:10d3) to vfio-pci and
# prints its address, for the payloads that assign it with `sluice run --device`.
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
modprobe vfio-pci
addr=$(lspci -D -n -d 8086:10d3 | cut -d' ' -f1)
[ -n "$addr" ] || { echo "FAIL: no e1000e in the lab guest" >&2; exit 1; }
echo vfio-pci > "/sys/bus/pci/devices/$addr/driver_override"
[ -e "/sys/bus/pci/devices/$addr/driver" ] && echo "$addr" > "/sys/bus/pci/devices/$addr/driver/unbind"
echo "$addr" > /sys/bus/pci/drivers_probe
echo "$addr"
