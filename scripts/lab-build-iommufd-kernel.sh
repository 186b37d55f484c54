#!/bin/bash
# Build (once) a lab guest kernel with IOMMUFD and VFIO_DEVICE_CDEV from Debian's linux-source-6.12.
# No Debian kernel package enables IOMMUFD, so the iommufd backend can only be tested on this one.
# Everything the lab needs is built in (no modules), so any initramfs that only mounts and runs works.
#
# Result:  $CACHE/kernel-iommufd/bzImage, vmlinux (same kernel, ELF for PVH boot) and config
#          (CACHE = $SLUICE_LAB_CACHE, default /var/cache/sluice/lab). Skips everything when cached.
# Never installs anything on the host: the source .deb is fetched with `apt-get download`, unpacked
# under $CACHE/src, and the build tree stays there (about 2.4 GiB; delete it when done with
# `rm -rf $CACHE/src`, the cached bzImage is all the lab needs).
# Usage: scripts/lab-build-iommufd-kernel.sh [--force]
# Measured here (2 shared cores, load 4-10, a Swift build and a lab guest running alongside):
# first build 596 s wall clock from download to bzImage (configure 62 s); a no-change --force 7 s.
set -euo pipefail
CACHE=${SLUICE_LAB_CACHE:-/var/cache/sluice/lab}
OUT=$CACHE/kernel-iommufd
PKG=${SLUICE_LAB_KERNEL_SOURCE:-linux-source-6.12}
JOBS=${JOBS:-2}

if [ -s "$OUT/bzImage" ] && [ "${1:-}" != --force ]; then
  echo "cached: $OUT/bzImage"
  exit 0
fi
mkdir -p "$OUT" "$CACHE/src"
# One build at a time (a second caller waits, then finds the image cached).
exec 9>"$OUT/.build.lock"
flock 9
if [ -s "$OUT/bzImage" ] && [ "${1:-}" != --force ]; then echo "cached: $OUT/bzImage"; exit 0; fi
# Host build tools the kernel needs (kconfig: flex, bison; objtool: libelf; certs: libssl).
need=()
for t in flex:flex bison:bison bc:bc gcc:gcc make:make; do command -v "${t%%:*}" >/dev/null || need+=("${t#*:}"); done
for p in libelf-dev libssl-dev; do dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q ' installed' || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing build tools: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi
start=$(date +%s)
say() { echo "[$(( $(date +%s) - start ))s] $*"; }

# 1. Source: apt-get download + dpkg -x (no install), then unpack the tarball it carries.
SRC=$CACHE/src
if ! ls "$SRC"/${PKG}_*.deb >/dev/null 2>&1; then
  say "downloading $PKG"
  (cd "$SRC" && apt-get download "$PKG")
fi
DEB=$(ls "$SRC"/${PKG}_*.deb | tail -1)
if [ ! -d "$SRC/pkg/usr/src" ]; then
  say "unpacking $(basename "$DEB")"
  dpkg -x "$DEB" "$SRC/pkg"
fi
TARBALL=$(ls "$SRC"/pkg/usr/src/linux-source-*.tar.* | head -1)
TREE=$SRC/$(basename "$TARBALL" | sed 's/\.tar\..*//')
if [ ! -f "$TREE/Makefile" ]; then
  say "extracting $(basename "$TARBALL")"
  tar -C "$SRC" -xf "$TARBALL"
fi
cd "$TREE"

# 2. Configuration: defconfig + the KVM guest fragment, then what the lab needs, all built in.
if [ ! -f .config ] || ! grep -q '^CONFIG_VFIO_DEVICE_CDEV=y' .config; then
  say "configuring $TREE"
  make -s defconfig
  make -s kvm_guest.config
  ENABLE="PCI PCIEPORTBUS IOMMU_SUPPORT INTEL_IOMMU IRQ_REMAP AMD_IOMMU IOMMUFD VFIO VFIO_GROUP
    VFIO_CONTAINER VFIO_IOMMU_TYPE1 VFIO_DEVICE_CDEV VFIO_PCI VFIO_PCI_CORE VFIO_PCI_MMAP VFIO_PCI_INTX
    VIRTUALIZATION KVM KVM_AMD NET_9P NET_9P_VIRTIO 9P_FS VIRTIO VIRTIO_PCI VIRTIO_NET E1000E
    DEVTMPFS DEVTMPFS_MOUNT BLK_DEV_INITRD PVH EVENTFD DEBUG_FS
    SATA_AHCI ATA I2C I2C_I801 LPC_ICH MFD_CORE"
  # Not needed by the lab: cuts the build from ~9 to ~5.5 minutes on 2 cores. SATA_AHCI, I2C_I801
  # and LPC_ICH stay (the ICH9 group's host drivers, for the non-viable-group tests).
  DISABLE="DRM SOUND USB_SUPPORT WLAN WIRELESS CFG80211 NETFILTER NF_TABLES IP_NF_IPTABLES NFS_FS
    NFSD FTRACE FUNCTION_TRACER KPROBES HID INPUT_JOYSTICK INPUT_TABLET INPUT_TOUCHSCREEN
    NET_VENDOR_3COM NET_VENDOR_ADAPTEC NET_VENDOR_AGERE NET_VENDOR_ALACRITECH NET_VENDOR_ALTEON
    NET_VENDOR_AMAZON NET_VENDOR_AMD NET_VENDOR_AQUANTIA NET_VENDOR_ARC NET_VENDOR_ATHEROS
    NET_VENDOR_BROADCOM NET_VENDOR_BROCADE NET_VENDOR_CADENCE NET_VENDOR_CAVIUM NET_VENDOR_CHELSIO
    NET_VENDOR_CISCO NET_VENDOR_DEC NET_VENDOR_DLINK NET_VENDOR_EMULEX NET_VENDOR_HUAWEI
    NET_VENDOR_MARVELL NET_VENDOR_MELLANOX NET_VENDOR_MICROSOFT NET_VENDOR_MYRI NET_VENDOR_NI
    NET_VENDOR_NVIDIA NET_VENDOR_QLOGIC NET_VENDOR_REALTEK NET_VENDOR_SOLARFLARE NET_VENDOR_SUN
    NET_VENDOR_TEHUTI NET_VENDOR_VIA NET_VENDOR_WANGXUN NET_VENDOR_XILINX
    SCSI_LOWLEVEL FUSION MD BLK_DEV_DM NET_SCHED WIRELESS_EXT RFKILL BT MACINTOSH_DRIVERS
    AGP FB LOGO HIBERNATION SUSPEND CPU_FREQ ACPI_VIDEO EFI_VARS SECURITY_SELINUX AUDIT PROFILING"
  for o in $ENABLE; do scripts/config -e "$o"; done
  for o in $DISABLE; do scripts/config -d "$o"; done
  make -s olddefconfig
  # Check the result rather than trust the fragment: an option silently dropped by a dependency
  # would only show up as a missing /dev/iommu in the guest.
  for o in IOMMUFD VFIO_DEVICE_CDEV VFIO_PCI INTEL_IOMMU IRQ_REMAP VFIO_IOMMU_TYPE1 9P_FS E1000E \
           VIRTIO_NET VIRTIO_PCI DEVTMPFS BLK_DEV_INITRD KVM_AMD PVH; do
    grep -q "^CONFIG_$o=y" .config || { echo "CONFIG_$o is not built in after olddefconfig" >&2; exit 1; }
  done
  # The lab loads no modules: refuse a configuration that would need one for a wanted option.
  ! grep -E '^CONFIG_(IOMMUFD|VFIO[A-Z_]*|E1000E|9P_FS|NET_9P[A-Z_]*|VIRTIO[A-Z_]*)=m' .config \
    || { echo "wanted options built as modules (above)" >&2; exit 1; }
fi

# 3. Build (niced: the machine is shared) and cache.
say "building bzImage with $JOBS jobs"
nice -n 10 make -j"$JOBS" bzImage
cp arch/x86/boot/bzImage "$OUT/bzImage.tmp"
cp .config "$OUT/config"
# The ELF vmlinux boots directly through its PVH entry (CONFIG_PVH), skipping the decompressor.
cp vmlinux "$OUT/vmlinux"
mv "$OUT/bzImage.tmp" "$OUT/bzImage"
say "built $OUT/bzImage ($(du -h "$OUT/bzImage" | cut -f1), $(make -s kernelrelease))"
# The uapi headers of this tree (iommufd.h, vfio.h with the cdev ioctls): what csluice_iommufd.h
# was transcribed from, kept beside the image for checking it (the host's linux-libc-dev is 6.1).
# scripts/check-iommufd-uapi.sh compiles Sluice's definitions against them.
mkdir -p "$OUT/uapi/linux"
cp include/uapi/linux/iommufd.h include/uapi/linux/vfio.h "$OUT/uapi/linux/"
