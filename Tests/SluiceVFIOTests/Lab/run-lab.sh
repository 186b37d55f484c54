#!/bin/bash
# Runs the SluiceVFIO real-kernel suite in the QEMU lab (../shared/lab reference scripts until
# `sluice lab` exists): one QEMU at a time under the machine-wide lock, with a timeout.
# Usage: Tests/SluiceVFIOTests/Lab/run-lab.sh [sysfs|sluice]   (build first: swift build --build-tests)
set -euo pipefail
TREE=$(cd "$(dirname "$0")/../../.." && pwd)
LAB=${SLUICE_LAB_SCRIPTS:-/work/shared/lab}
export SLUICE_BIND=${1:-sysfs}
[ -s /var/tmp/lab-cache/initramfs-k61.cpio.gz ] || flock /var/tmp/sluice-qemu.lock "$LAB/build-initramfs.sh" k61
CMD="SLUICE_TREE=$TREE SLUICE_BIND=$SLUICE_BIND SLUICE_LAB_FILTER=${SLUICE_LAB_FILTER:-LabDevice} $TREE/Tests/SluiceVFIOTests/Lab/guest-run.sh"
# The kernel command line splits on spaces: pass the command through a file in /var/tmp instead.
RUN=$(mktemp /var/tmp/sluice-lab-cmd.XXXXXX); chmod +x "$RUN"; echo "#!/bin/sh" > "$RUN"; echo "$CMD" >> "$RUN"
trap 'rm -f "$RUN"' EXIT
flock -w 900 /var/tmp/sluice-qemu.lock timeout --kill-after=10 ${SLUICE_LAB_TIMEOUT:-600} \
  env CMD="$RUN" PVH=1 MON=/var/tmp/sluice-lab-mon.$$ QMP=/var/tmp/sluice-lab-qmp.$$ "$LAB/boot.sh" </dev/null | tee /var/tmp/sluice-lab-last.log
grep -q "LAB-EXIT rc=0" /var/tmp/sluice-lab-last.log
