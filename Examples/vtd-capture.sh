#!/bin/bash
# Regenerates the VT-d fixtures in Tests/Fixtures/vtd/ from the real kernel in the QEMU lab
# (../shared/lab/NOTES.md): the guest (Examples/vtd-guest.c) maps buffers through VFIO; this
# script reads the VT-d registers over the HMP monitor, saves guest RAM with pmemsave, and
# Examples/vtd-extract.py keeps only the pages the translation structures reach.
#
# Usage: Examples/vtd-capture.sh NAME SCALABLE(0|1) AW_BITS(39|48)
#   e.g. Examples/vtd-capture.sh legacy-39 0 39
# Needs the lab cache (/var/tmp/lab-cache, built by ../shared/lab/build-initramfs.sh k61).
# Only one QEMU runs at a time on the lab machines: the QEMU run holds /var/tmp/sluice-qemu.lock.
set -euo pipefail
NAME=$1; SCALABLE=$2; AW=$3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${LAB_CACHE:-/var/tmp/lab-cache}
WORK=/var/tmp/vtd-capture-$NAME
OUT=$ROOT/Tests/Fixtures/vtd/$NAME
MEM_MB=1024
rm -rf "$WORK"; mkdir -p "$WORK/share"
gcc -O2 -Wall -o /var/tmp/vtd-guest "$ROOT/Examples/vtd-guest.c"

IOMMU="intel-iommu,intremap=on,caching-mode=on,aw-bits=$AW"
[ "$SCALABLE" = 1 ] && IOMMU="$IOMMU,x-scalable-mode=on"
MON=$WORK/mon.sock
hmp() { printf '%s\n' "$1" | socat -t "${2:-2}" - "UNIX-CONNECT:$MON" | tr -d '\r'; }
reg() {  # reg OFFSET SIZE(w|g): value of a VT-d register at 0xfed90000 + OFFSET
    hmp "xp /1$2x $((0xfed90000 + $1))" | awk -F': ' '/^0*fed9/{print $2; exit}' | tr -d ' '
}

run_qemu() {
    qemu-system-x86_64 -M q35,kernel-irqchip=split -accel tcg -cpu max -m ${MEM_MB}M -smp 2 \
      -device "$IOMMU" -kernel "$CACHE/vmlinux-k61" -initrd "$CACHE/initramfs-k61.cpio.gz" \
      -append "console=ttyS0 intel_iommu=on iommu=nopt panic=-1 no_timer_check lab.cmd=/var/tmp/vtd-guest" \
      -display none -serial "file:$WORK/serial.log" -no-reboot -monitor "unix:$MON,server=on,wait=off" \
      -device pcie-root-port,id=rp1,chassis=1,slot=1 \
      -netdev hubport,id=n0,hubid=10 -device e1000e,netdev=n0,bus=rp1,mac=52:54:00:00:00:10 \
      -netdev hubport,id=n1,hubid=11 -device virtio-net-pci,netdev=n1,iommu_platform=on,disable-legacy=on,mac=52:54:00:00:00:11 \
      -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
      -virtfs "local,path=$WORK/share,mount_tag=labout,security_model=none,multidevs=remap" &
    local qemu=$!
    local ok=0
    for _ in $(seq 1 900); do
        if grep -q "VTD-READY" "$WORK/serial.log" 2>/dev/null; then ok=1; break; fi
        if grep -q "VTD-ERROR\|LAB-EXIT" "$WORK/serial.log" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ $ok = 1 ]; then
        {
            echo "# $NAME: QEMU 7.2 intel-iommu ($IOMMU), Debian 6.1 guest kernel; captured by Examples/vtd-capture.sh"
            echo "VER $(reg 0x0 w)"
            echo "CAP $(reg 0x8 g)"
            echo "ECAP $(reg 0x10 g)"
            echo "GSTS $(reg 0x1c w)"
            echo "RTADDR $(reg 0x20 g)"
            echo "FSTS $(reg 0x34 w)"
            echo "FECTL $(reg 0x38 w)"
            echo "IQH $(reg 0x80 g)"
            echo "IQT $(reg 0x88 g)"
            echo "IQA $(reg 0x90 g)"
            echo "IRTA $(reg 0xb8 g)"
            echo "HAW $AW"
        } > "$WORK/registers"
        hmp "pmemsave 0 $((MEM_MB << 20)) \"$WORK/ram.bin\"" 30 > "$WORK/pmemsave.out"
        for _ in $(seq 1 100); do [ -s "$WORK/ram.bin" ] && [ "$(stat -c %s "$WORK/ram.bin")" = $((MEM_MB << 20)) ] && break; sleep 0.1; done
    fi
    touch "$WORK/share/go"
    for _ in $(seq 1 300); do kill -0 $qemu 2>/dev/null || break; sleep 0.1; done
    kill $qemu 2>/dev/null || true
    wait $qemu 2>/dev/null || true
    [ $ok = 1 ]
}

export -f run_qemu reg hmp
export WORK IOMMU CACHE MEM_MB MON NAME AW
flock /var/tmp/sluice-qemu.lock timeout 180 bash -c run_qemu || { echo "capture failed; serial log:"; tail -40 "$WORK/serial.log"; exit 1; }

rm -rf "$OUT"; mkdir -p "$OUT"
python3 "$ROOT/Examples/vtd-extract.py" "$WORK/registers" "$WORK/ram.bin" "$WORK/serial.log" "$OUT"
rm -f "$WORK/ram.bin"
echo "fixture written to $OUT"
