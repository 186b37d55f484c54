#!/bin/bash
# Regenerate the lab sysfs fixtures under Tests/Fixtures/sysfs/: boot one disposable QEMU guest per
# scenario (real Debian kernel, emulated IOMMU), run Examples/capture-sysfs.sh inside it, copy the
# capture back, write its SOURCE.md, and check that lspci reads the capture back the way the guest's
# own lspci printed it live.
#
# Usage: scripts/lab-capture-fixtures.sh [SCENARIO...]     (default: all; -l lists them)
#
# Needs the lab cache (kernel + busybox initramfs) in $LAB_CACHE (default /var/tmp/lab-cache),
# built by /work/shared/lab/build-initramfs.sh or `sluice lab`. Every QEMU runs under
# `flock /var/tmp/sluice-qemu.lock` (one QEMU at a time on this machine) and under a timeout.
# Guest NICs sit on isolated in-process hubs: nothing leaves QEMU.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${LAB_CACHE:-/var/tmp/lab-cache}
VARIANT=${VARIANT:-k61}
WORK=${LAB_WORK:-/var/tmp/sluice-lab-fixtures}
LOCK=/var/tmp/sluice-qemu.lock
TIMEOUT=${LAB_TIMEOUT:-180}
FIXTURES=$ROOT/Tests/Fixtures/sysfs
KERNEL=$CACHE/vmlinux-$VARIANT
INITRD=$CACHE/initramfs-$VARIANT.cpio.gz
KROOT=$CACHE/$VARIANT

[ -s "$KERNEL" ] && [ -s "$INITRD" ] || { echo "no lab kernel/initramfs in $CACHE (build it first)" >&2; exit 2; }
KVER=$(ls "$KROOT/lib/modules" | head -1)

# Common parts of every guest.
BASE_APPEND="console=ttyS0 panic=-1 lab.cmd=/run/labout/job.sh"
VT_D="-device intel-iommu,intremap=on,caching-mode=on"
HOSTROOT="-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
# Devices of the default lab topology: e1000e behind a root port, virtio-net with iommu_platform.
DEFAULT_NICS="-device pcie-root-port,id=rp1,chassis=1,slot=1 \
-netdev hubport,id=n0,hubid=10 -device e1000e,netdev=n0,bus=rp1,mac=52:54:00:00:00:10 \
-netdev hubport,id=n1,hubid=11 -device virtio-net-pci,netdev=n1,iommu_platform=on,disable-legacy=on,mac=52:54:00:00:00:11"

# scenario NAME: sets IOMMU, DEVICES, APPEND (extra kernel args), PREP (guest shell run before the
# capture) and WHAT (one paragraph for SOURCE.md).
scenario() {
  IOMMU=$VT_D; APPEND="intel_iommu=on iommu=nopt"; PREP=":"; DEVICES=$DEFAULT_NICS; LATE=; WHAT=
  case $1 in
  q35-default)
    WHAT="The default lab topology: q35 with ICH9 functions 00:1f.0 (LPC), 00:1f.2 (AHCI), 00:1f.3 (SMBus) in one IOMMU group (driverless, so the group is viable), an e1000e 01:00.0 alone behind the PCIe root port 00:02.0, a virtio-net with iommu_platform=on and the virtio-9p transport of the host root on the root bus." ;;
  q35-host-drivers)
    PREP="modprobe -d $KROOT -S $KVER ahci; modprobe -d $KROOT -S $KVER i2c_i801; modprobe -d $KROOT -S $KVER lpc_ich
for d in 0000:01:00.0; do echo vfio-pci > /sys/bus/pci/devices/\$d/driver_override; echo \$d > /sys/bus/pci/devices/\$d/driver/unbind; echo \$d > /sys/bus/pci/drivers_probe; done"
    WHAT="The default topology with host drivers loaded on the ICH9 functions (ahci on 00:1f.2, i2c_i801 on 00:1f.3, lpc_ich on 00:1f.0), so their shared group is not viable for VFIO; the e1000e 01:00.0 bound to vfio-pci with driver_override (so /dev/vfio/<group> exists)." ;;
  q35-switch)
    DEVICES="-device pcie-root-port,id=rp1,chassis=1,slot=1 \
-device x3130-upstream,id=up1,bus=rp1 \
-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=1 \
-device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=2 \
-netdev hubport,id=n0,hubid=10 -device e1000e,netdev=n0,bus=dn1,mac=52:54:00:00:00:20 \
-netdev hubport,id=n1,hubid=11 -device e1000e,netdev=n1,bus=dn2,mac=52:54:00:00:00:21"
    WHAT="A PCIe switch: root port 00:02.0 -> x3130-upstream 01:00.0 -> two xio3130-downstream ports 02:00.0 and 02:01.0, an e1000e under each (03:00.0, 04:00.0). QEMU's switch ports have no ACS capability." ;;
  q35-pci-bridge)
    DEVICES="-device pcie-root-port,id=rp1,chassis=1,slot=1 \
-device pcie-pci-bridge,id=br1,bus=rp1 \
-netdev hubport,id=n0,hubid=10 -device e1000,netdev=n0,bus=br1,addr=1,mac=52:54:00:00:00:30 \
-netdev hubport,id=n1,hubid=11 -device rtl8139,netdev=n1,bus=br1,addr=2,mac=52:54:00:00:00:31"
    WHAT="A PCIe-to-PCI bridge: root port 00:02.0 -> pcie-pci-bridge 01:00.0 -> conventional PCI bus 02 with an e1000 (02:01.0) and an rtl8139 (02:02.0): the bridge aliases their requester IDs, so they share the bridge's group." ;;
  q35-multifunction)
    DEVICES="-device pcie-root-port,id=rp1,chassis=1,slot=1 \
-netdev hubport,id=n0,hubid=10 -device e1000e,netdev=n0,bus=rp1,addr=0x0,multifunction=on,mac=52:54:00:00:00:40 \
-netdev hubport,id=n1,hubid=11 -device e1000e,netdev=n1,bus=rp1,addr=0x0.1,mac=52:54:00:00:00:41"
    WHAT="A multifunction endpoint: two e1000e functions 01:00.0 (multifunction=on) and 01:00.1 behind root port 00:02.0; no ACS on them, so they share a group." ;;
  q35-pxb)
    # After the 9p shares: a device without bus= would otherwise land on the last pxb.
    LATE="-device pxb-pcie,id=pxb1,bus_nr=0x20,bus=pcie.0 \
-device pcie-root-port,id=rp20,bus=pxb1,chassis=20,slot=0 \
-netdev hubport,id=n2,hubid=12 -device e1000e,netdev=n2,bus=rp20,mac=52:54:00:00:00:50 \
-device pxb-pcie,id=pxb2,bus_nr=0x40,bus=pcie.0,bypass_iommu=on \
-device pcie-root-port,id=rp40,bus=pxb2,chassis=40,slot=0 \
-netdev hubport,id=n3,hubid=13 -device e1000e,netdev=n3,bus=rp40,mac=52:54:00:00:00:51"
    WHAT="Extra host bridges (pxb-pcie): the default topology plus host bridge pci0000:20 (bus 0x20) with a root port and an e1000e (21:00.0), and host bridge pci0000:40 created with bypass_iommu=on (QEMU leaves it out of the DMAR scope) with a root port and an e1000e (41:00.0)." ;;
  q35-nvme-sriov)
    DEVICES="-device pcie-root-port,id=rp1,chassis=1,slot=1 \
-device nvme-subsys,id=subsys0 \
-device nvme,serial=sluice0001,subsys=subsys0,bus=rp1,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=8"
    PREP="modprobe -d $KROOT -S $KVER nvme
pf=\$(grep -l 0x010802 /sys/bus/pci/devices/*/class | head -1); pf=\${pf%/class}
echo 0 > \$pf/sriov_drivers_autoprobe; echo 2 > \$pf/sriov_numvfs"
    WHAT="SR-IOV: QEMU's nvme (1b36:0010) behind root port 00:02.0 with sriov_max_vfs=2, the nvme driver on the PF, sriov_drivers_autoprobe=0 and sriov_numvfs=2 written in the guest: VFs 01:00.1 and 01:00.2 appear with physfn/virtfn links and no driver (ARI on)." ;;
  q35-intremap-off)
    IOMMU="-device intel-iommu,intremap=off,caching-mode=on"
    WHAT="The default topology with VT-d interrupt remapping off in the emulated IOMMU (intel-iommu,intremap=off): ECAP.IR clear, no IR-PCI-MSI chips in /proc/interrupts; DMA remapping on." ;;
  q35-iommu-off)
    APPEND="intel_iommu=off"
    WHAT="The default topology with the IOMMU present in ACPI (DMAR table) but disabled on the kernel command line (intel_iommu=off): no /sys/class/iommu entries and no IOMMU groups. Interrupt remapping is still enabled (intel_iommu=off does not turn it off)." ;;
  q35-scalable)
    IOMMU="-device intel-iommu,intremap=on,caching-mode=on,x-scalable-mode=on"
    WHAT="The default topology with the emulated VT-d in scalable mode (x-scalable-mode=on; QEMU 7.2 offers second-level translation only)." ;;
  q35-amd-iommu)
    IOMMU="-device amd-iommu,intremap=on"; APPEND="iommu=nopt"
    WHAT="The default topology with QEMU's AMD IOMMU (amd-iommu,intremap=on) instead of VT-d: an IVRS table, the IOMMU itself as PCI function 00:02.0 (1022:0010, class 0806, no IOMMU group of its own), /sys/class/iommu/ivhd0 with amd-iommu/{cap,features}." ;;
  *) echo "unknown scenario $1" >&2; return 1 ;;
  esac
}
ALL="q35-default q35-host-drivers q35-switch q35-pci-bridge q35-multifunction q35-pxb q35-nvme-sriov q35-intremap-off q35-iommu-off q35-scalable q35-amd-iommu"
[ "${1:-}" = -l ] && { echo "$ALL" | tr ' ' '\n'; exit 0; }

QPID=
cleanup() { [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; QPID=; }
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT

run_one() {
  name=$1; scenario "$name"
  out=$WORK/$name; rm -rf "$out"; mkdir -p "$out"
  cat > "$out/job.sh" <<EOF
#!/bin/sh
# Runs inside the lab guest (chroot into the host root over 9p).
$PREP
sleep 0.5
# Static busybox: under TCG every exec of a dynamic binary over 9p costs ~30 ms, and the capture
# runs hundreds of small programs.
mkdir -p /tmp/bb && busybox --install -s /tmp/bb
# Capture into tmpfs, then return one archive over 9p (creating many small files over 9p under
# TCG costs ~25 ms each).
t0=\$(cut -d' ' -f1 /proc/uptime)
PATH=/tmp/bb busybox sh $ROOT/Examples/capture-sysfs.sh /tmp/cap
t1=\$(cut -d' ' -f1 /proc/uptime)
busybox tar -C /tmp -czf /run/labout/cap.tgz cap
echo "capture \$t0 -> \$t1, copied at \$(cut -d' ' -f1 /proc/uptime)"
lspci -nnk -vvv > /run/labout/lspci-live.txt 2>&1
uname -r > /run/labout/uname.txt
EOF
  chmod +x "$out/job.sh"
  # The exact command line goes into SOURCE.md, so build it as a single string.
  QEMU="qemu-system-x86_64 -M q35,kernel-irqchip=split -accel tcg -cpu max -m 2G -smp 2 $IOMMU \
-kernel $KERNEL -initrd $INITRD -append \"$BASE_APPEND $APPEND\" \
-display none -serial stdio -no-reboot $DEVICES $HOSTROOT \
-virtfs local,path=$out,mount_tag=labout,security_model=none,multidevs=remap $LATE"
  echo "== $name" >&2
  start=$(date +%s.%N)
  flock "$LOCK" timeout -k 5 "$TIMEOUT" sh -c "exec $QEMU" > "$out/console.log" 2>&1 </dev/null &
  QPID=$!
  wait "$QPID" || echo "$name: QEMU exit status $?" >&2
  QPID=
  end=$(date +%s.%N)
  grep -q '^LAB-EXIT rc=0' "$out/console.log" || { echo "$name: guest job failed; see $out/console.log" >&2; tail -20 "$out/console.log" >&2; return 1; }
  tar -C "$out" -xzf "$out/cap.tgz"
  dst=$FIXTURES/$name; rm -rf "$dst"; mkdir -p "$FIXTURES"; cp -a "$out/cap" "$dst"
  lspci -nnk -vvv -A linux-sysfs -O sysfs.path="$dst/sys/bus/pci" 2>&1 | grep -v 'Kernel modules' > "$out/lspci-capture.txt" || :
  grep -v 'Kernel modules' "$out/lspci-live.txt" > "$out/lspci-live-nomod.txt" || :
  if diff -u "$out/lspci-live-nomod.txt" "$out/lspci-capture.txt" > "$out/lspci.diff"; then
    check="printed the same as the guest's own \`lspci -nnk -vvv\` run live in the guest (pciutils 3.9.0), leaving out \"Kernel modules\" lines."
  else
    check="DIFFERED from the guest's live lspci; see the diff below."
    echo "$name: lspci differs: $out/lspci.diff" >&2
  fi
  groups=$(cd "$dst/sys/kernel/iommu_groups" 2>/dev/null && for g in $(ls | sort -n); do printf '  - group %s (%s): %s\n' "$g" "$(cat "$g/type" 2>/dev/null)" "$(ls "$g/devices" | tr '\n' ' ')"; done)
  {
    echo "# $name"
    echo
    echo "$WHAT"
    echo
    echo "- Produced by \`scripts/lab-capture-fixtures.sh $name\` on $(date -u +%Y-%m-%d): QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') under TCG,"
    echo "  guest kernel $(cat "$out/uname.txt") (Debian package linux-image-$KVER, booted as the uncompressed ELF"
    echo "  vmlinux through PVH), busybox initramfs; the guest ran \`Examples/capture-sysfs.sh\` in a chroot of the host root (9p)."
    echo "- Boot, capture and power-off took $(echo "$end - $start" | bc | cut -c1-5) s."
    echo "- IOMMU groups as the guest kernel formed them:"
    [ -n "$groups" ] && echo "$groups" || echo "  - none"
    echo "- Check: \`lspci -nnk -vvv -A linux-sysfs -O sysfs.path=DIR/sys/bus/pci\` on this capture $check"
    echo "- Guest commands before the capture:"
    echo '```'; echo "$PREP"; echo '```'
    echo "- QEMU command line (paths are those of the capturing machine):"
    echo '```'; echo "$QEMU" | sed 's/ -/ \\\n  -/g'; echo '```'
    [ -s "$out/lspci.diff" ] && { echo '```diff'; cat "$out/lspci.diff"; echo '```'; }
  } > "$dst/SOURCE.md"
  echo "$name: $(find "$dst" -type f | wc -l) files, $(du -s --apparent-size -h "$dst" | cut -f1), $(echo "$end - $start" | bc | cut -c1-5) s" >&2
}

rc=0
for s in ${@:-$ALL}; do run_one "$s" || rc=1; done
exit $rc
