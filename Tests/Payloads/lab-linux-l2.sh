#!/bin/sh
# A Debian kernel in Sluice's VMM inside the lab, with the lab's e1000e assigned (opt-in):
#   sluice lab run --device e1000e --timeout 300 -- Tests/Payloads/lab-linux-l2.sh
# Binds the e1000e to vfio-pci, boots the lab's own 6.1 bzImage through `sluice run --kernel
# --device` with the initramfs of lab-linux-l2-initramfs.sh, and checks what the L2 guest prints:
# lspci lists 8086:10d3 with "Kernel driver in use: e1000e", its sysfs driver link is e1000e, and
# eth0's MSI-X interrupts are counted in /proc/interrupts. Exits 0 when all hold. The whole lab run takes 21-26 s here (the L2 kernel reaches init in about 6 s).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sluice=${SLUICE:-$root/.build/debug/sluice}
tree=$(ls -d "${SLUICE_LAB_CACHE:-/var/cache/sluice/lab}"/kernels/linux-image-6.1.* | head -1)
kernel=$(ls "$tree"/boot/vmlinuz-* | head -1)
addr=$("$here/lab-vfio-e1000e.sh") || exit 1
"$here/lab-linux-l2-initramfs.sh" /tmp/l2-initramfs.cpio "$tree" || { echo "FAIL: initramfs"; exit 1; }
echo "== L2: $kernel with $addr assigned"
"$sluice" run --kernel "$kernel" --initramfs /tmp/l2-initramfs.cpio --cmdline "console=ttyS0 panic=-1" \
    --memory 256M --device "$addr" --timeout 240 > /tmp/l2.raw 2> /tmp/l2.err
rc=$?
# The VMM's reports: the real kernel's probes of ports nothing answers (Super I/O, COM2-4) and the total.
grep -v '^sluice: guest: ' /tmp/l2.err
tr -d '\r' < /tmp/l2.raw > /tmp/l2.log  # the L2 tty writes CR LF
sed -n '/^L2: Linux/,/^L2: done/p' /tmp/l2.log
failed=0
[ "$rc" -eq 0 ] || { echo "FAIL: sluice run exited $rc"; tail -20 /tmp/l2.log /tmp/l2.err; failed=1; }
# lspci -nnk: the function's line, then its "Kernel driver in use:" line before the next function.
if awk '/\[8086:10d3\]/ { dev = 1; next } /^[0-9a-f]/ { dev = 0 } dev && /Kernel driver in use: e1000e/ { ok = 1 }
        END { exit !ok }' /tmp/l2.log; then :; else echo "FAIL: lspci in L2 does not show 8086:10d3 driven by e1000e"; failed=1; fi
grep -q '^L2: 0000:00:0[0-9a-f]\.0 0x8086:0x10d3 driver=e1000e$' /tmp/l2.log \
    || { echo "FAIL: no sysfs driver link to e1000e for 8086:10d3 in L2"; failed=1; }
# The device's MSI-X reached the L2 kernel (the VMM's irqfd routes): eth0's MSI lines counted some.
awk '/^L2: +[0-9]+:/ && /MSI/ && /eth0/ { for (i = 3; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
     END { exit !(n > 0) }' /tmp/l2.log \
    || { echo "FAIL: no MSI/MSI-X interrupt of eth0 counted in L2 /proc/interrupts"; failed=1; }
[ "$failed" -eq 0 ] && echo "PASS: the L2 kernel lists the assigned 8086:10d3 with e1000e bound, and its MSI-X interrupts arrive"
exit "$failed"
