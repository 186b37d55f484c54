#!/usr/bin/env python3
"""Builds a synthetic sysfs capture of N PCI functions spread over B buses from real devices.

Usage: make-tree.py OUT_DIR FUNCTIONS BUSES SOURCE_ROOT...

Each SOURCE_ROOT is a live root (/) or a capture (Tests/Fixtures/sysfs/<name>); every function
found there is a template. The output copies each template's attributes and config bytes
verbatim, only renumbered; one host bridge (pci0000:BB) per bus, 8 functions per device, so
lspci and sluice see the same tree (lspci -A linux-sysfs -O sysfs.path=OUT/sys/bus/pci).
"""
import os
import sys

ATTRS = ["vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision",
         "irq", "numa_node", "modalias", "enable", "local_cpulist", "resource", "config"]


def templates(root):
    devdir = os.path.join(root, "sys/bus/pci/devices")
    out = []
    for name in sorted(os.listdir(devdir)):
        path = os.path.join(devdir, name)
        attrs = {}
        for a in ATTRS:
            try:
                with open(os.path.join(path, a), "rb") as f:
                    attrs[a] = f.read(4096)
            except OSError:
                pass
        if "config" not in attrs or "vendor" not in attrs:
            continue
        drv = os.path.join(path, "driver")
        attrs["driver"] = os.path.basename(os.readlink(drv)) if os.path.islink(drv) else None
        out.append(attrs)
    return out


def main():
    out, count, buses = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    temps = [t for root in sys.argv[4:] for t in templates(root)]
    if not temps:
        sys.exit("no template devices found")
    per_bus = count // buses
    os.makedirs(os.path.join(out, "sys/bus/pci/devices"))
    os.makedirs(os.path.join(out, "sys/bus/pci/drivers"))
    os.makedirs(os.path.join(out, "sys/kernel/iommu_groups"))
    os.makedirs(os.path.join(out, "proc"))
    n = 0
    for bus in range(buses):
        host = "pci0000:%02x" % bus
        for i in range(per_bus):
            dev, fn = divmod(i, 8)
            bdf = "0000:%02x:%02x.%x" % (bus, dev, fn)
            t = temps[n % len(temps)]
            d = os.path.join(out, "sys/devices", host, bdf)
            os.makedirs(d)
            for a in ATTRS:
                if a in t:
                    data = t[a]
                    if a == "config" and fn == 0 and len(data) > 0x0e:
                        data = data[:0x0e] + bytes([data[0x0e] | 0x80]) + data[0x0f:]  # multifunction
                    with open(os.path.join(d, a), "wb") as f:
                        f.write(data)
            os.symlink("../../../devices/%s/%s" % (host, bdf), os.path.join(out, "sys/bus/pci/devices", bdf))
            if t["driver"]:
                os.makedirs(os.path.join(out, "sys/bus/pci/drivers", t["driver"]), exist_ok=True)
                os.symlink("../../../bus/pci/drivers/" + t["driver"], os.path.join(d, "driver"))
            group = os.path.join(out, "sys/kernel/iommu_groups", str(n))
            os.makedirs(os.path.join(group, "devices"))
            os.symlink("../../../../devices/%s/%s" % (host, bdf), os.path.join(group, "devices", bdf))
            os.symlink("../../../kernel/iommu_groups/%d" % n, os.path.join(d, "iommu_group"))
            n += 1
    print("%d functions on %d buses from %d templates in %s" % (n, buses, len(temps), out))


if __name__ == "__main__":
    main()
