#!/bin/bash
# Regenerate the lab sysfs fixtures under Tests/Fixtures/sysfs/ with the project's own lab: one
# disposable guest per scenario (`sluice lab run`: real Debian kernel, emulated IOMMU), running
# Examples/capture-sysfs.sh inside; the capture comes back through a writable share, gets its
# SOURCE.md, and is checked: lspci must read it back exactly as the guest's lspci printed it live.
#
# Usage: scripts/lab-capture-fixtures.sh [SCENARIO...]     (default: all; -l lists them)
# Build first (swift build). Environment: SLUICE (binary), SLUICE_LAB_CACHE, SLUICE_LAB_LOCK.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SLUICE=${SLUICE:-$ROOT/.build/debug/sluice}
WORK=${LAB_WORK:-/var/tmp/sluice-lab-fixtures}
FIXTURES=$ROOT/Tests/Fixtures/sysfs
case $WORK in /tmp/*|/run/*) echo "LAB_WORK must be visible to the guest (not under /tmp or /run)" >&2; exit 2 ;; esac

# scenario NAME: sets OPTS (sluice lab options), PREP (guest shell run before the capture) and
# WHAT (the first paragraph of SOURCE.md).
scenario() {
  OPTS=(); PREP=":"; WHAT=
  case $1 in
  q35-default)
    WHAT="The default lab topology: q35 with ICH9 functions 00:1f.0 (LPC), 00:1f.2 (AHCI), 00:1f.3 (SMBus) in one IOMMU group (driverless, so the group is viable), an e1000e 01:00.0 alone behind the PCIe root port 00:02.0, a virtio-net with iommu_platform=on and the virtio-9p transports (host root, output share) on the root bus." ;;
  q35-host-drivers)
    PREP='modprobe ahci; modprobe i2c_i801; modprobe lpc_ich
d=0000:01:00.0; echo vfio-pci > /sys/bus/pci/devices/$d/driver_override; echo $d > /sys/bus/pci/devices/$d/driver/unbind; echo $d > /sys/bus/pci/drivers_probe'
    WHAT="The default topology with host drivers loaded on the ICH9 functions (ahci on 00:1f.2, i2c_i801 on 00:1f.3, lpc_ich on 00:1f.0), so their shared group is not viable for VFIO; the e1000e 01:00.0 bound to vfio-pci with driver_override (so /dev/vfio/<group> exists)." ;;
  q35-switch)
    OPTS=(--topology switch)
    WHAT="A PCIe switch: root port 00:02.0 -> x3130-upstream 01:00.0 -> two xio3130-downstream ports 02:00.0 and 02:01.0, an e1000e under each (03:00.0, 04:00.0). QEMU's switch ports have no ACS capability." ;;
  q35-pci-bridge)
    OPTS=(--topology pci-bridge --device e1000 --device rtl8139)
    WHAT="A PCIe-to-PCI bridge: root port 00:02.0 -> pcie-pci-bridge 01:00.0 -> conventional PCI bus 02 with an e1000 (02:01.0) and an rtl8139 (02:02.0): the bridge aliases their requester IDs, so they share the bridge's group." ;;
  q35-multifunction)
    OPTS=(--topology multifunction)
    WHAT="A multifunction endpoint: two e1000e functions 01:00.0 (multifunction=on) and 01:00.1 behind root port 00:02.0; no ACS on them, so they share a group." ;;
  q35-pxb)
    OPTS=(--topology pxb)
    WHAT="Extra host bridges (pxb-pcie): the default topology plus host bridge pci0000:20 (bus 0x20) with a root port and an e1000e (21:00.0), and host bridge pci0000:40 created with bypass_iommu=on (QEMU leaves it out of the DMAR scope: no IOMMU group) with a root port and an e1000e (41:00.0). The expander devices themselves are PCI functions on bus 00." ;;
  q35-nvme-sriov)
    OPTS=(--device nvme-sriov)
    PREP='modprobe nvme
pf=$(grep -l 0x010802 /sys/bus/pci/devices/*/class | head -1); pf=${pf%/class}
echo 0 > $pf/sriov_drivers_autoprobe; echo 2 > $pf/sriov_numvfs'
    WHAT="SR-IOV: QEMU's nvme (1b36:0010) behind root port 00:02.0 with sriov_max_vfs=2, the nvme driver on the PF, sriov_drivers_autoprobe=0 and sriov_numvfs=2 written in the guest: VFs 01:00.1 and 01:00.2 appear with physfn/virtfn links and no driver (ARI on); plus the root-bus virtio-net." ;;
  q35-intremap-off)
    OPTS=(--no-intremap)
    WHAT="The default topology with VT-d interrupt remapping off in the emulated IOMMU (intel-iommu,intremap=off): ECAP.IR clear, no IR-PCI-MSI chips in /proc/interrupts; DMA remapping on." ;;
  q35-iommu-off)
    OPTS=(--append intel_iommu=off)
    WHAT="The default topology with the IOMMU present in ACPI (DMAR table) but disabled on the kernel command line (intel_iommu=off after intel_iommu=on: the last one wins): no /sys/class/iommu entries and no IOMMU groups. Interrupt remapping stays enabled (intel_iommu=off does not turn it off)." ;;
  q35-scalable)
    OPTS=(--scalable)
    WHAT="The default topology with the emulated VT-d in scalable mode (x-scalable-mode=on; QEMU 7.2 offers second-level translation only)." ;;
  q35-amd-iommu)
    OPTS=(--iommu amd)
    WHAT="The default topology with QEMU's AMD IOMMU (amd-iommu,intremap=on) instead of VT-d: an IVRS table, the IOMMU itself as PCI function 00:02.0 (1022:0010, class 0806, no IOMMU group of its own), /sys/class/iommu/ivhd0 with amd-iommu/{cap,features}." ;;
  *) echo "unknown scenario $1" >&2; return 1 ;;
  esac
}
ALL="q35-default q35-host-drivers q35-switch q35-pci-bridge q35-multifunction q35-pxb q35-nvme-sriov q35-intremap-off q35-iommu-off q35-scalable q35-amd-iommu"
[ "${1:-}" = -l ] && { echo "$ALL" | tr ' ' '\n'; exit 0; }

run_one() {
  name=$1; scenario "$name"
  out=$WORK/$name; rm -rf "$out"; mkdir -p "$out"
  cat > "$out/job.sh" <<JOB
#!/bin/sh
# Runs inside the lab guest. Capture into tmpfs with static busybox (under TCG every exec of a
# dynamic program over 9p costs ~30 ms; creating a file over 9p ~25 ms), then hand back one archive.
set -e
$PREP
sleep 0.5
mkdir -p /tmp/bb && busybox --install -s /tmp/bb
PATH=/tmp/bb busybox sh $ROOT/Examples/capture-sysfs.sh /tmp/cap
busybox tar -C /tmp -czf $out/cap.tgz cap
lspci -nnk -vvv > $out/lspci-live.txt 2>&1
uname -r > $out/uname.txt
JOB
  opts=("${OPTS[@]}" --share "$out" --timeout 300)
  echo "== $name" >&2
  "$SLUICE" lab run "${opts[@]}" --dry-run -- sh "$out/job.sh" > "$out/qemu-cmdline.txt"
  start=$(date +%s.%N)
  "$SLUICE" lab run "${opts[@]}" --timing -- sh "$out/job.sh" 2> "$out/sluice.log" || { echo "$name: guest job failed" >&2; cat "$out/sluice.log" >&2; return 1; }
  end=$(date +%s.%N)
  tar -C "$out" -xzf "$out/cap.tgz"
  dst=$FIXTURES/$name; rm -rf "$dst"; mkdir -p "$FIXTURES"; cp -a "$out/cap" "$dst"
  lspci -nnk -vvv -A linux-sysfs -O sysfs.path="$dst/sys/bus/pci" 2>&1 | grep -v 'Kernel modules' > "$out/lspci-capture.txt" || :
  grep -v 'Kernel modules' "$out/lspci-live.txt" > "$out/lspci-live-nomod.txt" || :
  if diff -u "$out/lspci-live-nomod.txt" "$out/lspci-capture.txt" > "$out/lspci.diff"; then
    check="printed the same as the guest's own \`lspci -nnk -vvv\` run live in the guest (pciutils $(lspci --version | awk '{print $3}')), leaving out \"Kernel modules\" lines."
  else
    check="DIFFERED from the guest's live lspci; see the diff below."
    echo "$name: lspci differs: $out/lspci.diff" >&2
  fi
  groups=$(cd "$dst/sys/kernel/iommu_groups" 2>/dev/null && for g in $(ls | sort -n); do printf '  - group %s (%s): %s\n' "$g" "$(cat "$g/type" 2>/dev/null)" "$(ls "$g/devices" | tr '\n' ' ')"; done)
  timing=$(grep -o 'boot to ready.*' "$out/sluice.log" || :)
  {
    echo "# $name"
    echo
    echo "$WHAT"
    echo
    echo "- Produced by \`scripts/lab-capture-fixtures.sh $name\` on $(date -u +%Y-%m-%d), i.e."
    echo "  \`sluice lab run ${opts[*]} -- sh job.sh\`: QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') under TCG,"
    echo "  guest kernel $(cat "$out/uname.txt") from Debian's linux-image package (unpacked, booted as the"
    echo "  decompressed ELF vmlinux through PVH), Sluice's busybox initramfs; the guest ran \`Examples/capture-sysfs.sh\`"
    echo "  in a chroot of the host root (9p). Timing: $timing."
    echo "- IOMMU groups as the guest kernel formed them:"
    [ -n "$groups" ] && echo "$groups" || echo "  - none"
    echo "- Check: \`lspci -nnk -vvv -A linux-sysfs -O sysfs.path=DIR/sys/bus/pci\` on this capture $check"
    echo "- Guest commands before the capture:"
    echo '```'; echo "$PREP"; echo '```'
    echo "- QEMU command line (\`sluice lab run --dry-run\`; paths are those of the capturing machine):"
    echo '```'; sed 's/ -/ \\\n  -/g' "$out/qemu-cmdline.txt"; echo '```'
    [ -s "$out/lspci.diff" ] && { echo '```diff'; cat "$out/lspci.diff"; echo '```'; }
  } > "$dst/SOURCE.md"
  echo "$name: $(find "$dst" -type f | wc -l) files, $(du -s --apparent-size -h "$dst" | cut -f1), $timing" >&2
}

rc=0
for s in ${@:-$ALL}; do run_one "$s" || rc=1; done
exit $rc
