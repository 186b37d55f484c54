#!/bin/sh
# capture-sysfs.sh: mirror a Linux host's PCI and IOMMU state into a directory, so that
# Sluice (`--sysfs-root DIR`) and lspci (`-A linux-sysfs -O sysfs.path=DIR/sys/bus/pci`)
# can read it offline.
#
# Usage: capture-sysfs.sh DIR
#
# POSIX sh; runs under busybox (the lab guest) and on a normal host. Run it as root: non-root
# readers get only 64 bytes of each `config` and no ACPI tables or kernel log.
#
# What DIR receives, under the same names as on the live system:
#   sys/devices/pci*/...        every PCI function's directory: its readable regular attributes
#                               (config in full, resource, ids, class, irq, numa_node, sriov_*,
#                               link speeds, reset_method, ...), the symlinks driver, iommu_group,
#                               iommu, physfn, virtfn*, subsystem, the bridge's pci_bus/<bus>/, the
#                               host bridges' pci_bus/, msi_irqs/, and the net/ and block/ children
#                               (so a route or a mount can be traced to its PCI function)
#   sys/bus/pci/devices/<BDF>   relative symlinks into sys/devices, as in sysfs
#   sys/bus/pci/drivers/<name>/ one directory per driver in use, with <BDF> links back
#   sys/bus/pci/slots/<N>/      physical slots (lspci prints "Physical Slot")
#   sys/kernel/iommu_groups/<N>/{devices/,type,reserved_regions}
#   sys/class/iommu/<unit> and the unit's directory (intel-iommu/ or amd-iommu/, devices/)
#   sys/class/net, sys/class/block  links to the captured net/block devices
#   sys/module/<m>/parameters   for vfio, vfio_pci, vfio_iommu_type1, kvm, kvm_intel, kvm_amd
#   sys/kernel/security/lockdown
#   sys/firmware/acpi/tables/{DMAR,IVRS,MCFG}  when present
#   proc/{cmdline,interrupts,version,modules,swaps,mounts}, proc/net/{route,ipv6_route}
#                               (proc/mounts keeps device-backed and network filesystems only)
#   dmesg-iommu.txt             kernel log lines about DMAR / IOMMU / AMD-Vi / interrupt remapping
#
# Every symlink is relative and resolves inside DIR; one that would not is dropped (and said).
# Binary BAR files (resourceN, resourceN_wc), rom, and write-only attributes are skipped.
set -u

SYS=${CAPTURE_SYS:-/sys}      # override for testing only
PROC=${CAPTURE_PROC:-/proc}

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
case $1 in -h|--help) usage ;; esac
mkdir -p "$1" || exit 1
OUT=$(cd "$1" && pwd) || exit 1
warn() { echo "capture-sysfs: $*" >&2; }

# copy_file SRC DST: the bytes a read returns (sysfs files report size 4096 whatever they hold).
copy_file() {
  if cat "$1" > "$2" 2>/dev/null; then :; else rm -f "$2"; fi
}

# copy_link SRC: re-create a symlink at the same place under OUT with the same relative target.
# The kernel's targets are relative to the link's real parent directory, which is where we put it.
copy_link() {
  t=$(readlink "$1") || return 0
  case $t in /*) warn "skipping absolute link $1 -> $t"; return 0 ;; esac
  mkdir -p "$OUT$(dirname "$1")"
  ln -sfn "$t" "$OUT$1"
}

# Attributes that are binary windows onto device memory, or have side effects on read.
skip_attr() {
  case $1 in
    resource[0-9]*|rom|remove|rescan|reset|reset_subordinate|dev_rescan|new_id|remove_id|bind|unbind) return 0 ;;
    stat|inflight) return 0 ;;  # I/O counters of disks: noise in a fixture
  esac
  return 1
}

# copy_attrs SRCDIR: the readable regular files of one sysfs directory (not recursive).
copy_attrs() {
  mkdir -p "$OUT$1"
  for f in "$1"/*; do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    skip_attr "${f##*/}" && continue
    copy_file "$f" "$OUT$f"
  done
}

# copy_tree SRCDIR: regular files and symlinks, recursively, but not into power/ (runtime PM
# noise), and not following symlinks.
copy_tree() {
  copy_attrs "$1"
  for e in "$1"/*; do
    if [ -L "$e" ]; then copy_link "$e"
    elif [ -d "$e" ]; then
      case ${e##*/} in power|trace|mq|queue|statistics|queues|integrity) continue ;; esac
      copy_tree "$e"
    fi
  done
}

# PCI functions ---------------------------------------------------------------------------
mkdir -p "$OUT$SYS/bus/pci/devices" "$OUT$SYS/bus/pci/drivers"
for link in "$SYS"/bus/pci/devices/*; do
  [ -e "$link" ] || continue
  bdf=${link##*/}
  real=$(readlink -f "$link") || continue
  copy_link "$link"
  copy_attrs "$real"
  for l in driver iommu_group iommu physfn subsystem "$real"/virtfn*; do
    l=${l##*/}
    [ -L "$real/$l" ] && copy_link "$real/$l"
  done
  if [ -L "$real/driver" ]; then
    drv=$(readlink -f "$real/driver")
    mkdir -p "$OUT$drv"
    [ -L "$drv/$bdf" ] && copy_link "$drv/$bdf"
  fi
  for sub in "$real"/pci_bus/* "$real"/msi_irqs; do
    [ -d "$sub" ] && copy_attrs "$sub"
  done
  # Host bridge directory (pci<dom>:<bus>) and its root bus.
  parent=${real%/*}
  case ${parent##*/} in
    pci[0-9a-f]*:*) copy_attrs "$parent"; for sub in "$parent"/pci_bus/*; do [ -d "$sub" ] && copy_attrs "$sub"; done ;;
  esac
  # Interfaces and disks on this function (possibly under a virtio<N>/ or nvme/ child).
  for child in "$real"/net/* "$real"/*/net/* "$real"/block/* "$real"/*/block/* "$real"/nvme/*/nvme*n*; do
    [ -d "$child" ] || continue
    copy_attrs "$child"
    for l in "$child"/device "$child"/master "$child"/upper_* "$child"/lower_*; do
      [ -L "$l" ] && copy_link "$l"
    done
    for sub in "$child"/holders "$child"/slaves "$child"/*[0-9]; do
      [ -d "$sub" ] && copy_tree "$sub"
    done
    # A holder (device-mapper, md) lives under devices/virtual: keep its name so the link resolves.
    for h in "$child"/holders/* "$child"/*[0-9]/holders/*; do
      [ -L "$h" ] || continue
      hr=$(readlink -f "$h"); copy_attrs "$hr"; [ -d "$hr/dm" ] && copy_attrs "$hr/dm"
    done
    # The virtio<N>/ or nvme<N>/ level between the function and the child.
    mid=${child%/*}; mid=${mid%/*}
    [ "$mid" != "$real" ] && copy_attrs "$mid"
  done
done

for n in "$SYS"/class/net/* "$SYS"/class/block/*; do
  [ -L "$n" ] || continue
  case $(readlink "$n") in *devices/pci*) copy_link "$n" ;; esac
done

for slot in "$SYS"/bus/pci/slots/*; do
  [ -d "$slot" ] && copy_attrs "$slot"
done

# IOMMU groups and units --------------------------------------------------------------------
for g in "$SYS"/kernel/iommu_groups/*; do
  [ -d "$g" ] || continue
  copy_attrs "$g"
  mkdir -p "$OUT$g/devices"
  for d in "$g"/devices/*; do [ -L "$d" ] && copy_link "$d"; done
done

for u in "$SYS"/class/iommu/*; do
  [ -L "$u" ] || continue
  copy_link "$u"
  real=$(readlink -f "$u")
  copy_attrs "$real"
  for sub in "$real"/intel-iommu "$real"/amd-iommu; do [ -d "$sub" ] && copy_attrs "$sub"; done
  mkdir -p "$OUT$real/devices"
  for d in "$real"/devices/*; do [ -L "$d" ] && copy_link "$d"; done
done

# Kernel knobs the audit reads ---------------------------------------------------------------
for m in vfio vfio_pci vfio_iommu_type1 kvm kvm_intel kvm_amd; do
  [ -d "$SYS/module/$m/parameters" ] && copy_attrs "$SYS/module/$m/parameters"
done
if [ -f "$SYS/kernel/security/lockdown" ]; then
  mkdir -p "$OUT$SYS/kernel/security"; copy_file "$SYS/kernel/security/lockdown" "$OUT$SYS/kernel/security/lockdown"
fi
mkdir -p "$OUT$SYS/firmware/acpi/tables"
for t in DMAR IVRS MCFG; do
  [ -f "$SYS/firmware/acpi/tables/$t" ] && copy_file "$SYS/firmware/acpi/tables/$t" "$OUT$SYS/firmware/acpi/tables/$t"
done

mkdir -p "$OUT/proc/net"
for f in cmdline interrupts version modules swaps net/route net/ipv6_route; do
  [ -f "$PROC/$f" ] && copy_file "$PROC/$f" "$OUT/proc/$f"
done
# Device-backed and network filesystems only: what a blast-radius check needs, none of the
# host's tmpfs/cgroup noise.
awk '$1 ~ /^\// || $3 ~ /^(9p|virtiofs|nfs|nfs4|cifs|smb3|ceph|glusterfs|fuse\..*)$/' "$PROC/mounts" > "$OUT/proc/mounts"
dmesg 2>/dev/null | grep -Ei 'DMAR|IOMMU|AMD-Vi|remapping|x2apic|VFIO' > "$OUT/dmesg-iommu.txt" || :

# Drop what would not resolve inside OUT (a link to something this capture does not hold).
find "$OUT" -type l | while read -r l; do
  r=$(readlink -f "$l" 2>/dev/null) || r=
  case $r in
    "$OUT"/*) [ -e "$r" ] && continue ;;
  esac
  warn "dropping link ${l#"$OUT"} -> $(readlink "$l") (outside the capture)"
  rm -f "$l"
done
echo "capture-sysfs: $(find "$OUT$SYS/bus/pci/devices" -type l | wc -l) PCI functions captured in $OUT" >&2
