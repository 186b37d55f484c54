#!/bin/sh
# Runs inside the lab guest (chroot into the host root). Binds the e1000e to vfio-pci, runs the
# SluiceVFIO lab suite from the host-built test binary, restores the device.
# SLUICE_TREE is the package root (read-only over 9p).
set -u
DEV=${SLUICE_LAB_DEVICE:-0000:01:00.0}
TREE=${SLUICE_TREE:?}
BIN=$TREE/.build/debug
echo "LAB-STEP driver before: $(basename "$(readlink /sys/bus/pci/devices/$DEV/driver)")"
if [ "${SLUICE_BIND:-sysfs}" = sluice ]; then
  "$BIN/sluice" bind "$DEV" --state-dir /run/sluice-state || exit 10
else
  echo vfio-pci > /sys/bus/pci/devices/$DEV/driver_override
  echo "$DEV" > /sys/bus/pci/devices/$DEV/driver/unbind
  echo "$DEV" > /sys/bus/pci/drivers_probe
fi
echo "LAB-STEP driver bound: $(basename "$(readlink /sys/bus/pci/devices/$DEV/driver)") group $(basename "$(readlink /sys/bus/pci/devices/$DEV/iommu_group)")"
SLUICE_LAB_DEVICE=$DEV "$BIN/SluicePackageTests.xctest" --testing-library swift-testing --filter "${SLUICE_LAB_FILTER:-LabDevice}" 2>&1
RC=$?
if [ "${SLUICE_BIND:-sysfs}" = sluice ]; then
  "$BIN/sluice" restore "$DEV" --state-dir /run/sluice-state
else
  echo > /sys/bus/pci/devices/$DEV/driver_override
  echo "$DEV" > /sys/bus/pci/devices/$DEV/driver/unbind
  echo "$DEV" > /sys/bus/pci/drivers_probe
fi
echo "LAB-STEP driver after: $(basename "$(readlink /sys/bus/pci/devices/$DEV/driver)")"
dmesg | grep -E "DMAR|vfio" | tail -5
exit $RC
