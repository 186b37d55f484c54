#!/bin/sh
# Runs inside the lab guest (chroot into the host root). Binds the e1000e to vfio-pci, runs the
# SluiceVFIO lab suite from the host-built test binary, restores the device.
# SLUICE_TREE is the package root (read-only over 9p).
# SLUICE_LAB_BACKENDS: space-separated backends to run the suite through, one run each
# (legacy, iommufd; default: the one VFIO.open chooses). The exit code is nonzero if any run failed.
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
[ -e /dev/iommu ] && echo "LAB-STEP /dev/iommu present; cdev: $(ls /sys/bus/pci/devices/$DEV/vfio-dev 2>/dev/null) $(ls /dev/vfio/devices 2>/dev/null)"
RC=0
suite() {  # suite BACKEND|auto FILTER [--skip X]
  B=$1; F=$2; shift 2
  [ "$B" = auto ] && B=
  echo "LAB-STEP suite $F backend ${B:-auto} $*"
  SLUICE_LAB_DEVICE=$DEV SLUICE_LAB_BACKEND=$B "$BIN/SluicePackageTests.xctest" --testing-library swift-testing --filter "$F" "$@" 2>&1
  R=$?
  echo "LAB-RESULT backend ${B:-auto} $F rc=$R"
  [ $R = 0 ] || RC=$R
}
FILTER=${SLUICE_LAB_FILTER:-LabDevice}
BACKENDS=${SLUICE_LAB_BACKENDS:-auto}
if [ "$FILTER" = LabDevice ]; then
  # The hot-reset test leaves QEMU's e1000e with STATUS bit 19 set (the emulated root port never
  # reports link active after the slot reset): every backend's suite runs first, then every
  # backend's hot reset, so no suite starts on a device the previous one's hot reset changed.
  for B in $BACKENDS; do suite "$B" LabDevice --skip zzHotReset; done
  for B in $BACKENDS; do suite "$B" zzHotReset; done
else
  for B in $BACKENDS; do suite "$B" "$FILTER"; done
fi
if [ "${SLUICE_BIND:-sysfs}" = sluice ]; then
  "$BIN/sluice" restore "$DEV" --state-dir /run/sluice-state
else
  echo > /sys/bus/pci/devices/$DEV/driver_override
  echo "$DEV" > /sys/bus/pci/devices/$DEV/driver/unbind
  echo "$DEV" > /sys/bus/pci/drivers_probe
fi
echo "LAB-STEP driver after: $(basename "$(readlink /sys/bus/pci/devices/$DEV/driver)")"
dmesg | grep -E "DMAR|vfio|iommufd" | tail -8
exit $RC
