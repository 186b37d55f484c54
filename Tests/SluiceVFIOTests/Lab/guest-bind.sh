#!/bin/sh
# Runs inside the lab guest: `sluice bind` for real. ICH9 group refused then bound with --group
# and restored; the e1000e bound with --owner, used by an unprivileged user (RLIMIT_MEMLOCK
# diagnosis), persisted through the udev rule across a remove + rescan, then restored.
set -u
TREE=${SLUICE_TREE:?}
BIN=$TREE/.build/debug
S="$BIN/sluice"
ST=/run/sluice-state
# The reference lab keeps the kernel's modules in its cache; `sluice lab` makes plain modprobe work.
KROOT=/var/tmp/lab-cache/k61
MODPROBE="modprobe"; [ -d "$KROOT/lib/modules" ] && MODPROBE="modprobe -d $KROOT"
FAILS=0
check() { if eval "$2"; then echo "LAB-CHECK ok: $1"; else echo "LAB-CHECK FAIL: $1"; FAILS=$((FAILS+1)); fi; }
drv() { basename "$(readlink /sys/bus/pci/devices/$1/driver 2>/dev/null)" 2>/dev/null || echo none; }

$MODPROBE ahci && $MODPROBE i2c_i801 && $MODPROBE lpc_ich
echo "LAB-STEP ICH9 drivers: 1f.0 $(drv 0000:00:1f.0) 1f.2 $(drv 0000:00:1f.2) 1f.3 $(drv 0000:00:1f.3)"

"$S" bind 0000:00:1f.2 --state-dir $ST > /run/out.txt 2>&1; RC=$?; cat /run/out.txt
check "binding one ICH9 member alone is refused (exit 2)" '[ $RC = 2 ]'
check "the refusal names 1f.0 on lpc_ich" 'grep -q "0000:00:1f.0.*lpc_ich" /run/out.txt'
check "the refusal names 1f.3 on i801_smbus" 'grep -q "0000:00:1f.3.*i801_smbus" /run/out.txt'
check "nothing moved" '[ "$(drv 0000:00:1f.2)" = ahci ]'

# Failure injected at each real sysfs write of the --group bind: full rollback every time.
SLUICE_LAB_ROLLBACK=1 "$BIN/SluicePackageTests.xctest" --testing-library swift-testing --filter LabRollback 2>&1 | grep -E "LAB-INFO|✘|✔ Test run|passed|failed"
RC=$?
check "failure at every real write of a --group bind rolls all three back" '[ "$(drv 0000:00:1f.0) $(drv 0000:00:1f.2) $(drv 0000:00:1f.3)" = "lpc_ich ahci i801_smbus" ]'
SLUICE_LAB_ROLLBACK=1 "$BIN/SluicePackageTests.xctest" --testing-library swift-testing --filter LabRollback > /dev/null 2>&1; RC=$?
check "and the rollback suite passes on a second run too" '[ $RC = 0 ]'

# A crash mid-bind, reproduced: a journal and the first writes of a --group bind, then no more.
mkdir -p $ST
cat > $ST/journal.json <<JSON
{"members":[{"address":"0000:00:1f.0","originalDriver":"lpc_ich","group":5,"persist":false},
{"address":"0000:00:1f.2","originalDriver":"ahci","group":5,"persist":false},
{"address":"0000:00:1f.3","originalDriver":"i801_smbus","group":5,"persist":false}]}
JSON
echo vfio-pci > /sys/bus/pci/devices/0000:00:1f.0/driver_override
echo 0000:00:1f.0 > /sys/bus/pci/devices/0000:00:1f.0/driver/unbind
echo 0000:00:1f.0 > /sys/bus/pci/drivers_probe
echo vfio-pci > /sys/bus/pci/devices/0000:00:1f.2/driver_override
"$S" status --state-dir $ST | tee /run/status.txt
check "status reports the interrupted bind" 'grep -q "interrupted bind" /run/status.txt'
"$S" restore --state-dir $ST
check "the next run rolls the interrupted bind back" '[ "$(drv 0000:00:1f.0) $(drv 0000:00:1f.2) $(drv 0000:00:1f.3)" = "lpc_ich ahci i801_smbus" ] && [ "$(cat /sys/bus/pci/devices/0000:00:1f.2/driver_override)" = "(null)" ] && [ ! -e $ST/journal.json ]'

"$S" bind 0000:00:1f.2 --group --state-dir $ST; RC=$?
check "--group binds" '[ $RC = 0 ]'
check "all three ICH9 functions on vfio-pci" '[ "$(drv 0000:00:1f.0)$(drv 0000:00:1f.2)$(drv 0000:00:1f.3)" = vfio-pcivfio-pcivfio-pci ]'
"$S" status --state-dir $ST
"$S" restore --state-dir $ST
check "restore puts lpc_ich, ahci, i801_smbus back" '[ "$(drv 0000:00:1f.0) $(drv 0000:00:1f.2) $(drv 0000:00:1f.3)" = "lpc_ich ahci i801_smbus" ]'

"$S" bind 0000:01:00.0 --owner nobody:nogroup --state-dir $ST --json > /run/bind.json; RC=$?
check "e1000e bound with --owner" '[ $RC = 0 ] && [ "$(drv 0000:01:00.0)" = vfio-pci ]'
G=$(basename "$(readlink /sys/bus/pci/devices/0000:01:00.0/iommu_group)")
check "/dev/vfio/$G owned by nobody" '[ "$(stat -c %U /dev/vfio/$G)" = nobody ]'
"$S" info 0000:01:00.0
# A process holding /dev/vfio/N: status names it, unbind refuses (device busy).
sleep 60 3<>/dev/vfio/$G & HOLDER=$!
sleep 0.3
"$S" status --state-dir $ST | tee /run/status.txt
check "status names the holder of /dev/vfio/$G" 'grep -q "held by: $HOLDER (sleep)" /run/status.txt'
"$S" unbind 0000:01:00.0 --state-dir $ST; RC=$?
check "unbind refuses while /dev/vfio/$G is held (exit 2)" '[ $RC = 2 ] && [ "$(drv 0000:01:00.0)" = vfio-pci ]'
kill $HOLDER; wait $HOLDER 2>/dev/null
(ulimit -l 8192; SLUICE_LAB_DEVICE=0000:01:00.0 SLUICE_LAB_MEMLOCK=1 setpriv --reuid nobody --regid nogroup --clear-groups \
  "$BIN/SluicePackageTests.xctest" --testing-library swift-testing --filter LabMemlock 2>&1); RC=$?
check "unprivileged map beyond RLIMIT_MEMLOCK gives the exact number" '[ $RC = 0 ]'
"$S" restore --state-dir $ST

# virtio-net (iommu_platform=on): bind, inspect (no reset), restore; dry run changes nothing.
VN=; for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor):$(cat $d/device)" = 0x1af4:0x1041 ] && VN=$(basename $d); done
"$S" bind "$VN" --dry-run --json --state-dir $ST > /run/dry.json; RC=$?
check "dry run of $VN plans a bind and changes nothing" '[ $RC = 0 ] && grep -q "\"dry_run\" : true" /run/dry.json && [ "$(drv $VN)" = virtio-pci ]'
"$S" bind "$VN" --state-dir $ST && "$S" info "$VN" | tee /run/vn.txt
check "virtio-net $VN bound to vfio-pci, reset not supported" '[ "$(drv $VN)" = vfio-pci ] && grep -q "reset not supported" /run/vn.txt'
"$S" restore "$VN" --state-dir $ST
check "virtio-net restored to virtio-pci" '[ "$(drv $VN)" = virtio-pci ]'

# udev persistence: udevd from Debian's udev package, unpacked (not installed) in /var/tmp.
UDEVD=/var/tmp/sluice-udev/systemd-udevd; UDEVADM=/var/tmp/sluice-udev/root/bin/udevadm
if [ -x "$UDEVADM" ]; then
  "$TREE/udev/install.sh" --rules-dir /run/udev/rules.d --sluice "$S" --state-dir $ST
  "$UDEVD" --resolve-names=never 2>/dev/null & UDEVD_PID=$!
  "$S" bind 0000:01:00.0 --persist --owner nobody:nogroup --state-dir $ST
  echo 1 > /sys/bus/pci/devices/0000:01:00.0/remove
  echo "LAB-STEP removed 01:00.0; rescanning (e1000e binds first, the rule must rebind)"
  echo 1 > /sys/bus/pci/rescan
  # `udevadm settle` refuses to run in a chroot: poll for the outcome instead (up to 30 s).
  for i in $(seq 60); do [ "$(drv 0000:01:00.0)" = vfio-pci ] && [ -e /dev/vfio/$G ] && break; sleep 0.5; done
  check "after remove+rescan the udev rule put 01:00.0 back on vfio-pci" '[ "$(drv 0000:01:00.0)" = vfio-pci ]'
  check "and /dev/vfio/$G is owned by nobody again" '[ "$(stat -c %U /dev/vfio/$G 2>/dev/null)" = nobody ]'
  tail -4 $ST/sysfs-writes.log
  "$S" restore --state-dir $ST
  "$TREE/udev/install.sh" --uninstall --rules-dir /run/udev/rules.d
  check "uninstall removed the rule" '[ ! -e /run/udev/rules.d/70-sluice.rules ]'
  kill $UDEVD_PID
fi
check "e1000e restored" '[ "$(drv 0000:01:00.0)" = e1000e ]'
echo "LAB-CHECKS failed: $FAILS"
exit $FAILS
