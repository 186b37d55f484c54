#!/bin/sh
# Builds the initramfs of the L2 Linux guest booted by `sluice run --kernel` (lab-linux-l2.sh):
#   lab-linux-l2-initramfs.sh OUT.cpio [KERNEL_TREE]
# KERNEL_TREE is an unpacked linux-image package (default: the lab's 6.1 kernel in its cache).
# Contents: static busybox, this machine's lspci (pciutils, with its shared libraries and pci.ids),
# the e1000e module, and an init that loads it, lists PCI functions with their drivers
# (`lspci -nnk` and the sysfs driver links), brings the NIC up, shows its interrupts, then ends
# the run by writing 0 to the VMM's debug-exit port 0xF4 through /dev/port.
set -eu
out=$1
tree=${2:-$(ls -d "${SLUICE_LAB_CACHE:-/var/cache/sluice/lab}"/kernels/linux-image-6.1.* | head -1)}
release=$(ls "$tree/lib/modules" | head -1)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev"
cp /bin/busybox "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
# lspci and what it loads, copied (symlinks resolved) to the paths the loader looks at.
cp /usr/bin/lspci "$stage/bin/lspci"
for lib in $(ldd /usr/bin/lspci | grep -o '/[^ ]*'); do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
done
mkdir -p "$stage/usr/share/misc"
cp -L /usr/share/misc/pci.ids "$stage/usr/share/misc/pci.ids"
# The module at its own path with depmod's indexes: modprobe loads it, lspci -k names it.
e1000e=kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko
mkdir -p "$stage/lib/modules/$release/$(dirname $e1000e)"
cp "$tree/lib/modules/$release/$e1000e" "$stage/lib/modules/$release/$e1000e"
cp "$tree/lib/modules/$release"/modules.builtin* "$tree/lib/modules/$release/modules.order" "$stage/lib/modules/$release/"
depmod -b "$stage" "$release"
cat > "$stage/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "L2: $(uname -sr) up $(cut -d' ' -f1 /proc/uptime) s"
modprobe e1000e
echo "L2: lspci -nnk"
lspci -nnk
echo "L2: drivers"
for d in /sys/bus/pci/devices/*; do
    drv=-
    [ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
    echo "L2: ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") driver=$drv"
done
for n in /sys/class/net/*; do
    [ "${n##*/}" = lo ] && continue
    ip link set "${n##*/}" up
    # The link-status interrupt (MSI-X) wakes e1000e's watchdog, which reports the link up.
    for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat "$n/operstate")" = up ] && break; sleep 0.5; done
    echo "L2: ${n##*/} $(cat "$n/address") operstate=$(cat "$n/operstate")"
done
grep -E 'CPU|eth|e1000|enp' /proc/interrupts | sed 's/^/L2: /'
echo "L2: done at $(cut -d" " -f1 /proc/uptime) s"
# Exit code 0 through the VMM's debug-exit port; reboot as a fallback.
printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
reboot -f
INIT
chmod 755 "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet) > "$out"
