#!/bin/bash
# Runs the SluiceVFIO real-kernel suite in the QEMU lab (../shared/lab reference scripts until
# `sluice lab` exists): one QEMU at a time under the machine-wide lock, with a timeout.
# Usage: Tests/SluiceVFIOTests/Lab/run-lab.sh [device|bind|bench|device-iommufd]
#   (build first: swift build --build-tests)
#   device: the library suite (LabDevice) on the e1000e, bound by hand through sysfs
#   bind:   `sluice bind` for real: group refusal, --group, restore, --owner + RLIMIT_MEMLOCK, udev
#   bench:  DMA-map 1 GiB through Sluice against the C baseline (Lab/bench/map1g.c), ratio
#   device-iommufd (opt-in): the same LabDevice suite through the iommufd backend and then the
#           legacy one, each in a fresh guest booted by `sluice lab run` on a 6.12 kernel built with
#           CONFIG_IOMMUFD + CONFIG_VFIO_DEVICE_CDEV. The first run builds that kernel
#           (scripts/lab-build-iommufd-kernel.sh: 6-15 min on 2 cores, then cached in
#           $SLUICE_LAB_CACHE/kernel-iommufd); later runs boot it directly: about 3 min 10 s
#           for both backends (boot to ready 2 s; each suite ~90 s, most of it the 1000 cycles).
#           SLUICE_LAB_BACKENDS overrides the backends ("iommufd" alone, say).
set -euo pipefail
TREE=$(cd "$(dirname "$0")/../../.." && pwd)
LAB=${SLUICE_LAB_SCRIPTS:-/work/shared/lab}
MODE=${1:-device}
if [ "$MODE" = device-iommufd ]; then
  CACHE=${SLUICE_LAB_CACHE:-/var/cache/sluice/lab}
  [ -s "$CACHE/kernel-iommufd/bzImage" ] || "$TREE/scripts/lab-build-iommufd-kernel.sh"
  # Sluice's transcription of the 6.12 uapi against the headers of the kernel about to run.
  "$TREE/scripts/check-iommufd-uapi.sh"
  # The ELF vmlinux (PVH entry) boots faster under TCG than the bzImage it came with.
  KERNEL=$CACHE/kernel-iommufd/vmlinux
  [ -s "$KERNEL" ] || KERNEL=$CACHE/kernel-iommufd/bzImage
  LOG=/var/tmp/sluice-lab-iommufd-last.log
  : > "$LOG"
  # One fresh guest per backend: QEMU 7.2's e1000e aborted (assertion in
  # e1000e_intrmgr_on_throttling_timer) when the legacy suite's MSI-X test followed the whole
  # iommufd suite in the same guest, every time it was tried; each suite alone passes.
  # `sluice lab run` takes the machine-wide QEMU lock itself ($SLUICE_LAB_LOCK, default
  # /var/tmp/sluice-qemu.lock), tears the guest down at --timeout; timeout(1) backs it up.
  RC=0
  for B in ${SLUICE_LAB_BACKENDS:-iommufd legacy}; do
    timeout --kill-after=10 $(( ${SLUICE_LAB_TIMEOUT:-600} + 900 )) \
      "$TREE/.build/debug/sluice" lab run --kernel "$KERNEL" --timeout "${SLUICE_LAB_TIMEOUT:-600}" --timing -- \
      env SLUICE_TREE="$TREE" SLUICE_BIND=sluice SLUICE_LAB_BACKENDS="$B" \
      SLUICE_LAB_FILTER="${SLUICE_LAB_FILTER:-LabDevice}" "$TREE/Tests/SluiceVFIOTests/Lab/guest-run.sh" </dev/null 2>&1 | tee -a "$LOG"
    R=${PIPESTATUS[0]}
    echo "run-lab: backend $B on the iommufd kernel: exit $R" | tee -a "$LOG"
    [ "$R" = 0 ] || RC=$R
  done
  exit $RC
fi
[ "$MODE" = bind ] && [ ! -x /var/tmp/sluice-udev/root/bin/udevadm ] && {
  # udevd for the guest: Debian's udev package unpacked, never installed on the host.
  mkdir -p /var/tmp/sluice-udev && (cd /var/tmp/sluice-udev && apt-get download udev && dpkg -x udev_*.deb root)
  ln -sf /var/tmp/sluice-udev/root/bin/udevadm /var/tmp/sluice-udev/systemd-udevd; }
[ -s /var/tmp/lab-cache/initramfs-k61.cpio.gz ] || flock /var/tmp/sluice-qemu.lock "$LAB/build-initramfs.sh" k61
SCRIPT=guest-run.sh; [ "$MODE" = bind ] && SCRIPT=guest-bind.sh
if [ "$MODE" = bench ]; then
  mkdir -p /var/tmp/sluice-bench && cc -O2 -Wall -o /var/tmp/sluice-bench/map1g "$TREE/Tests/SluiceVFIOTests/Lab/bench/map1g.c"
  SCRIPT=bench/run-in-guest.sh
fi
CMD="SLUICE_TREE=$TREE SLUICE_LAB_BENCH_MIB=${SLUICE_LAB_BENCH_MIB:-1024} SLUICE_LAB_BENCH_ROUNDS=${SLUICE_LAB_BENCH_ROUNDS:-6} SLUICE_LAB_FILTER='${SLUICE_LAB_FILTER:-LabDevice}' $TREE/Tests/SluiceVFIOTests/Lab/$SCRIPT"
# The kernel command line splits on spaces: pass the command through a file in /var/tmp instead.
RUN=$(mktemp /var/tmp/sluice-lab-cmd.XXXXXX); chmod +x "$RUN"; echo "#!/bin/sh" > "$RUN"; echo "$CMD" >> "$RUN"
trap 'rm -f "$RUN"' EXIT
flock -w 900 /var/tmp/sluice-qemu.lock timeout --kill-after=10 ${SLUICE_LAB_TIMEOUT:-600} \
  env CMD="$RUN" PVH=1 MON=/var/tmp/sluice-lab-mon.$$ QMP=/var/tmp/sluice-lab-qmp.$$ "$LAB/boot.sh" </dev/null | tee /var/tmp/sluice-lab-last.log
grep -q "LAB-EXIT rc=0" /var/tmp/sluice-lab-last.log
