#!/bin/sh
# Installs (or with --uninstall removes) the Sluice udev rules.
#   udev/install.sh [--uninstall] [--rules-dir DIR] [--sluice PATH] [--state-dir DIR]
# Defaults: /etc/udev/rules.d, the sluice on PATH, /var/lib/sluice. A read-only /etc (a lab guest)
# can use --rules-dir /run/udev/rules.d. Reloads udev when udevadm is there.
#
# Initramfs: if the device's host driver is in the initramfs it binds before these rules run;
# the rule's "bind" match rebinds it. To keep the host driver off the device from the very
# start, add vfio-pci to the initramfs (/etc/initramfs-tools/modules) and this rule with
# sluice to it, or blacklist the host driver there; Sluice never uses vfio-pci.ids=.
set -eu
RULES_DIR=/etc/udev/rules.d
SLUICE=$(command -v sluice || echo /usr/local/bin/sluice)
STATE=/var/lib/sluice
UNINSTALL=0
while [ $# -gt 0 ]; do
  case $1 in
    --uninstall) UNINSTALL=1 ;;
    --rules-dir) RULES_DIR=$2; shift ;;
    --sluice) SLUICE=$2; shift ;;
    --state-dir) STATE=$2; shift ;;
    *) echo "usage: $0 [--uninstall] [--rules-dir DIR] [--sluice PATH] [--state-dir DIR]" >&2; exit 2 ;;
  esac
  shift
done
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=$RULES_DIR/70-sluice.rules
if [ "$UNINSTALL" = 1 ]; then
  rm -f "$TARGET"
  echo "removed $TARGET"
else
  case $SLUICE in /*) ;; *) echo "--sluice must be an absolute path (udev runs with no PATH)" >&2; exit 2 ;; esac
  mkdir -p "$RULES_DIR" "$STATE/persist" "$STATE/group-owner"
  sed -e "s|@SLUICE@|$SLUICE|g" -e "s|@STATE@|$STATE|g" "$HERE/70-sluice.rules.in" > "$TARGET.tmp"
  mv "$TARGET.tmp" "$TARGET"
  echo "installed $TARGET (sluice $SLUICE, state $STATE)"
fi
if command -v udevadm >/dev/null 2>&1; then udevadm control --reload-rules 2>/dev/null || true; fi
