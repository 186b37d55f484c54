#!/usr/bin/env python3
"""Writes the hand-made capture trees handmade-desktop-gpu and handmade-dual-socket.

Usage: python3 Tests/Fixtures/sysfs/.handmade/make.py   (rewrites both trees from scratch)

The trees follow the layout of Examples/capture-sysfs.sh exactly. Where each byte comes from is
said next to it and in each tree's SOURCE.md: the X710 header is transcribed from a public
`lspci -xxx` dump; the other config spaces are built register by register from the devices'
public `lspci -vvv` decodings (capability offsets, ids, link fields), because no hex dump of
them was available to transcribe. Deterministic: same script, same bytes.
"""
import os, shutil, struct

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
ACPI = os.path.join(os.path.dirname(FIXTURES), "acpi", "DMAR")

# ---------------------------------------------------------------------------------------------
# Config space builder

class Config:
    def __init__(self, size=4096):
        self.b = bytearray(size)
    def w8(self, o, v): self.b[o] = v & 0xff
    def w16(self, o, v): struct.pack_into("<H", self.b, o, v & 0xffff)
    def w32(self, o, v): struct.pack_into("<I", self.b, o, v & 0xffffffff)
    def raw(self, o, hexstr):
        data = bytes.fromhex(hexstr.replace(" ", "").replace("\n", ""))
        self.b[o:o + len(data)] = data

def header(c, vendor, device, command, status, rev, cls, htype, ssv=0, ssd=0, cap=0, pin=0, line=0xff):
    c.w16(0, vendor); c.w16(2, device); c.w16(4, command); c.w16(6, status | (0x10 if cap else 0))
    c.w8(8, rev); c.w8(9, cls & 0xff); c.w8(10, (cls >> 8) & 0xff); c.w8(11, cls >> 16)
    c.w8(0x0c, 0x10); c.w8(0x0e, htype)
    if htype & 0x7f == 0:
        c.w16(0x2c, ssv); c.w16(0x2e, ssd)
    c.w8(0x34, cap); c.w8(0x3c, line); c.w8(0x3d, pin)

def bridge_buses(c, prim, sec, sub, io=None, mem=None, pref=None):
    c.w8(0x18, prim); c.w8(0x19, sec); c.w8(0x1a, sub)
    # Windows closed unless given (base > limit), as the kernel leaves unused ones.
    c.w8(0x1c, 0xf0); c.w8(0x1d, 0x00); c.w16(0x20, 0xfff0); c.w16(0x22, 0x0000)
    c.w16(0x24, 0xfff1); c.w16(0x26, 0x0001)
    if io: c.w8(0x1c, (io[0] >> 8) & 0xf0); c.w8(0x1d, (io[1] >> 8) & 0xf0)
    if mem: c.w16(0x20, (mem[0] >> 16) & 0xfff0); c.w16(0x22, (mem[1] >> 16) & 0xfff0)
    if pref:
        c.w16(0x24, ((pref[0] >> 16) & 0xfff0) | 1); c.w16(0x26, ((pref[1] >> 16) & 0xfff0) | 1)
        c.w32(0x28, pref[0] >> 32); c.w32(0x2c, pref[1] >> 32)

def cap_pm(c, o, nxt, pmc=0x0003, pmcsr=0x0008):
    c.w8(o, 0x01); c.w8(o + 1, nxt); c.w16(o + 2, pmc); c.w16(o + 4, pmcsr)

def cap_msi(c, o, nxt, ctrl, addr=0, data=0):
    c.w8(o, 0x05); c.w8(o + 1, nxt); c.w16(o + 2, ctrl)
    c.w32(o + 4, addr & 0xffffffff)
    if ctrl & 0x80:
        c.w32(o + 8, addr >> 32); c.w16(o + 12, data)
    else:
        c.w16(o + 8, data)

def cap_msix(c, o, nxt, ctrl, table, pba):
    c.w8(o, 0x11); c.w8(o + 1, nxt); c.w16(o + 2, ctrl); c.w32(o + 4, table); c.w32(o + 8, pba)

def cap_ssvid(c, o, nxt, ssv, ssd):
    c.w8(o, 0x0d); c.w8(o + 1, nxt); c.w16(o + 4, ssv); c.w16(o + 6, ssd)

def cap_vndr(c, o, nxt, length):
    c.w8(o, 0x09); c.w8(o + 1, nxt); c.w8(o + 2, length)

def cap_exp(c, o, nxt, flags, devcap, devctl, devsta, lnkcap, lnkctl, lnksta,
            sltcap=0, sltctl=0, sltsta=0, rootctl=0, devcap2=0, devctl2=0, lnkcap2=0, lnkctl2=0, lnksta2=0):
    c.w8(o, 0x10); c.w8(o + 1, nxt); c.w16(o + 2, flags)
    c.w32(o + 4, devcap); c.w16(o + 8, devctl); c.w16(o + 10, devsta)
    c.w32(o + 12, lnkcap); c.w16(o + 16, lnkctl); c.w16(o + 18, lnksta)
    c.w32(o + 20, sltcap); c.w16(o + 24, sltctl); c.w16(o + 26, sltsta)
    c.w16(o + 28, rootctl)
    c.w32(o + 36, devcap2); c.w16(o + 40, devctl2)
    c.w32(o + 44, lnkcap2); c.w16(o + 48, lnkctl2); c.w16(o + 50, lnksta2)

def ext(c, o, cid, ver, nxt):
    c.w32(o, cid | (ver << 16) | (nxt << 20))

def ext_aer(c, o, nxt):
    ext(c, o, 0x0001, 2, nxt)
    c.w32(o + 0x0c, 0x00462030)     # uncorrectable severity: the spec's default
    c.w32(o + 0x14, 0x00002000)     # correctable mask: Advisory Non-Fatal (kernel default)
    c.w32(o + 0x18, 0x000000a0)     # ECRC gen/check capable

def ext_acs(c, o, nxt, cap, ctl):
    ext(c, o, 0x000d, 1, nxt); c.w16(o + 4, cap); c.w16(o + 6, ctl)

def ext_dsn(c, o, nxt, serial):
    ext(c, o, 0x0003, 1, nxt); c.w32(o + 4, serial & 0xffffffff); c.w32(o + 8, serial >> 32)

def ext_ltr(c, o, nxt, snoop, nosnoop):
    ext(c, o, 0x0018, 1, nxt); c.w16(o + 4, snoop); c.w16(o + 6, nosnoop)

def ext_ari(c, o, nxt, next_fn):
    ext(c, o, 0x000e, 1, nxt); c.w16(o + 4, next_fn << 8)

def ext_vc(c, o, nxt):
    ext(c, o, 0x0002, 1, nxt)
    c.w32(o + 0x10, 0x00000000); c.w32(o + 0x14, 0x800000ff); c.w16(o + 0x1a, 0x0000)

def ext_vsec(c, o, nxt, vid, rev, length):
    ext(c, o, 0x000b, 1, nxt); c.w32(o + 4, vid | (rev << 16) | (length << 20))

def bar(c, index, value):
    c.w32(0x10 + 4 * index, value & 0xffffffff)
    if value & 0x6 == 0x4 and not value & 1:
        c.w32(0x14 + 4 * index, value >> 32)

# ---------------------------------------------------------------------------------------------
# Tree writer (the layout of Examples/capture-sysfs.sh)

class Tree:
    def __init__(self, name):
        self.root = os.path.join(FIXTURES, name)
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.root)
        self.groups = {}

    def path(self, rel): return os.path.join(self.root, rel)
    def write(self, rel, data, mode="w"):
        p = self.path(rel); os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, mode) as f: f.write(data)
    def link(self, rel, target):
        p = self.path(rel); os.makedirs(os.path.dirname(p), exist_ok=True)
        if os.path.lexists(p): os.remove(p)
        os.symlink(target, p)
    def rel_link(self, rel, target_rel):
        self.link(rel, os.path.relpath(target_rel, os.path.dirname(rel)))

    def host_bridge(self, domain_bus, numa):
        d = f"sys/devices/pci{domain_bus}"
        self.write(f"{d}/uevent", "")
        self.write(f"{d}/waiting_for_supplier", "0\n")
        bus = f"{d}/pci_bus/{domain_bus}"
        cpus = self.cpulist(numa)
        self.write(f"{bus}/cpulistaffinity", cpus + "\n")
        self.write(f"{bus}/cpuaffinity", self.cpumask(numa) + "\n")
        self.write(f"{bus}/uevent", "")
        return d

    def cpulist(self, numa): return self.cpus[numa]
    def cpumask(self, numa): return self.masks[numa]

    def function(self, parent_dir, bdf, cfg, *, cls, driver=None, group, iommu, numa, irq,
                 resources=(), bridge_buses=None, msi_irqs=(), boot_vga=None, link=None,
                 reset_method=None, msi_kind="msi", extra=None):
        d = f"{parent_dir}/{bdf}"
        vendor, device = struct.unpack_from("<HH", cfg.b, 0)
        htype = cfg.b[0x0e] & 0x7f
        ssv, ssd = struct.unpack_from("<HH", cfg.b, 0x2c) if htype == 0 else (0, 0)
        if htype == 1:
            # A bridge's subsystem ids live in its SSVID capability.
            p = cfg.b[0x34]
            while p:
                if cfg.b[p] == 0x0d: ssv, ssd = struct.unpack_from("<HH", cfg.b, p + 4)
                p = cfg.b[p + 1]
        rev = cfg.b[8]
        self.write(f"{d}/config", bytes(cfg.b), "wb")
        self.write(f"{d}/vendor", f"0x{vendor:04x}\n")
        self.write(f"{d}/device", f"0x{device:04x}\n")
        self.write(f"{d}/subsystem_vendor", f"0x{ssv:04x}\n")
        self.write(f"{d}/subsystem_device", f"0x{ssd:04x}\n")
        self.write(f"{d}/class", f"0x{cls:06x}\n")
        self.write(f"{d}/revision", f"0x{rev:02x}\n")
        self.write(f"{d}/irq", f"{irq}\n")
        self.write(f"{d}/numa_node", f"{numa}\n")
        self.write(f"{d}/local_cpulist", self.cpulist(numa) + "\n")
        self.write(f"{d}/local_cpus", self.cpumask(numa) + "\n")
        self.write(f"{d}/enable", "1\n")
        self.write(f"{d}/msi_bus", "1\n")
        self.write(f"{d}/broken_parity_status", "0\n")
        self.write(f"{d}/d3cold_allowed", "1\n")
        self.write(f"{d}/power_state", "D0\n")
        self.write(f"{d}/driver_override", "(null)\n")
        self.write(f"{d}/dma_mask_bits", "64\n" if htype == 0 else "32\n")
        self.write(f"{d}/consistent_dma_mask_bits", "64\n" if htype == 0 else "32\n")
        self.write(f"{d}/ari_enabled", "0\n")
        modalias = (f"pci:v{vendor:08X}d{device:08X}sv{ssv:08X}sd{ssd:08X}"
                    f"bc{cls >> 16:02X}sc{(cls >> 8) & 0xff:02X}i{cls & 0xff:02X}")
        self.write(f"{d}/modalias", modalias + "\n")
        uevent = ([f"DRIVER={driver}"] if driver else []) + [
            f"PCI_CLASS={cls:X}", f"PCI_ID={vendor:04X}:{device:04X}", f"PCI_SUBSYS_ID={ssv:04X}:{ssd:04X}",
            f"PCI_SLOT_NAME={bdf}", f"MODALIAS={modalias}"]
        self.write(f"{d}/uevent", "\n".join(uevent) + "\n")
        rows = list(resources) + [(0, 0, 0)] * (13 - len(resources))
        self.write(f"{d}/resource", "".join(f"0x{a:016x} 0x{b:016x} 0x{f:016x}\n" for a, b, f in rows))
        if boot_vga is not None: self.write(f"{d}/boot_vga", f"{boot_vga}\n")
        if reset_method: self.write(f"{d}/reset_method", reset_method + "\n")
        if link:
            cur_s, cur_w, max_s, max_w = link
            self.write(f"{d}/current_link_speed", cur_s + "\n"); self.write(f"{d}/current_link_width", f"{cur_w}\n")
            self.write(f"{d}/max_link_speed", max_s + "\n"); self.write(f"{d}/max_link_width", f"{max_w}\n")
        if bridge_buses:
            sec, sub = bridge_buses
            self.write(f"{d}/secondary_bus_number", f"{sec}\n")
            self.write(f"{d}/subordinate_bus_number", f"{sub}\n")
            dom = bdf[:4]
            b = f"{d}/pci_bus/{dom}:{sec:02x}"
            self.write(f"{b}/cpulistaffinity", self.cpulist(numa) + "\n")
            self.write(f"{b}/cpuaffinity", self.cpumask(numa) + "\n")
            self.write(f"{b}/uevent", "")
        if msi_irqs:
            os.makedirs(self.path(f"{d}/msi_irqs"), exist_ok=True)
            for n in msi_irqs: self.write(f"{d}/msi_irqs/{n}", msi_kind + "\n")
        for k, v in (extra or {}).items(): self.write(f"{d}/{k}", v)
        self.rel_link(f"{d}/subsystem", "sys/bus/pci")
        self.rel_link(f"sys/bus/pci/devices/{bdf}", d)
        if driver:
            os.makedirs(self.path(f"sys/bus/pci/drivers/{driver}"), exist_ok=True)
            self.rel_link(f"{d}/driver", f"sys/bus/pci/drivers/{driver}")
            self.rel_link(f"sys/bus/pci/drivers/{driver}/{bdf}", d)
        g = f"sys/kernel/iommu_groups/{group}"
        self.groups.setdefault(group, []).append(bdf)
        self.rel_link(f"{d}/iommu_group", g)
        self.rel_link(f"{g}/devices/{bdf}", d)
        self.write(f"{g}/type", "DMA\n")
        self.write(f"{g}/reserved_regions", self.reserved.get(bdf, "") + "0x00000000fee00000 0x00000000feefffff msi\n")
        self.rel_link(f"{d}/iommu", f"sys/devices/virtual/iommu/{iommu}")
        return d

    def iommu_unit(self, name, address, cap, ecap, devices):
        d = f"sys/devices/virtual/iommu/{name}"
        self.write(f"{d}/uevent", "")
        for k, v in [("address", address), ("cap", cap), ("ecap", ecap), ("version", "1:0"),
                     ("domains_supported", str(1 << (4 + 2 * (int(cap, 16) & 7)))),   # cap.ND
                     ("domains_used", str(len(devices)))]:
            self.write(f"{d}/intel-iommu/{k}", v + "\n")
        os.makedirs(self.path(f"{d}/devices"), exist_ok=True)
        for bdf, path in devices: self.rel_link(f"{d}/devices/{bdf}", path)
        self.rel_link(f"sys/class/iommu/{name}", d)

    def common(self, dmar, cmdline, interrupts, mounts, modules, dmesg):
        shutil.copyfile(dmar, self.path("sys/firmware/acpi/tables/DMAR") if os.makedirs(
            self.path("sys/firmware/acpi/tables"), exist_ok=True) is None else None)
        self.write("proc/cmdline", cmdline + "\n")
        self.write("proc/version", "Linux version 6.1.0-26-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian "
                   "12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian "
                   "6.1.112-1 (2024-09-30)\n")
        self.write("proc/interrupts", interrupts)
        self.write("proc/mounts", mounts)
        self.write("proc/modules", modules)
        self.write("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
        self.write("proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n")
        self.write("proc/net/ipv6_route", "")
        self.write("dmesg-iommu.txt", dmesg)
        for m, params in [("vfio", {"enable_unsafe_noiommu_mode": "N"}),
                          ("vfio_iommu_type1", {"allow_unsafe_interrupts": "N", "dma_entry_limit": "65535"}),
                          ("kvm_intel", {"nested": "Y", "enable_apicv": "Y"})]:
            for k, v in params.items(): self.write(f"sys/module/{m}/parameters/{k}", v + "\n")
        self.write("sys/kernel/security/lockdown", "[none] integrity confidentiality\n")
        os.makedirs(self.path("sys/bus/pci/slots"), exist_ok=True)
        os.makedirs(self.path("sys/class/net"), exist_ok=True)

# ---------------------------------------------------------------------------------------------
# Devices

def intel_haswell_host_bridge():
    # 8086:0c00 rev 06, 4th Gen Core DRAM Controller: [e0] Vendor Specific (len 0c), no PCIe cap.
    c = Config(256)
    header(c, 0x8086, 0x0c00, 0x0006, 0x2090, 0x06, 0x060000, 0x00, 0x1458, 0x5000, cap=0xe0, line=0x00)
    cap_vndr(c, 0xe0, 0x00, 0x0c)
    c.raw(0xe4, "fb 01 00 6a 00 00 00 00")       # CAPID0 as the dump format shows it (fuses)
    return c

def intel_haswell_peg_port():
    # 8086:0c01 rev 06, PEG x16 root port: [88] SSVID, [80] PM, [90] MSI, [a0] Express v2 Root Port.
    c = Config(4096)
    header(c, 0x8086, 0x0c01, 0x0107, 0x0010, 0x06, 0x060400, 0x01, cap=0x88, pin=1, line=0xff)
    bridge_buses(c, 0x00, 0x01, 0x01, io=(0xe000, 0xefff), mem=(0xf6000000, 0xf70fffff),
                 pref=(0xe0000000, 0xf1ffffff))
    c.w16(0x3e, 0x0018)                           # BridgeCtl: VGA+ (boot VGA below), SERR- ...
    cap_ssvid(c, 0x88, 0x80, 0x1458, 0x5000)
    cap_pm(c, 0x80, 0x90, pmc=0xc803, pmcsr=0x0008)
    cap_msi(c, 0x90, 0xa0, 0x0081, addr=0xfee00378, data=0x0000)
    cap_exp(c, 0xa0, 0x00, 0x0142,                 # v2, Root Port, slot implemented
            devcap=0x00008001, devctl=0x0030, devsta=0x0000,
            lnkcap=0x02214d03,                     # port 2, 8GT/s x16, ASPM L0s L1
            lnkctl=0x0040, lnksta=0x3103,          # 8GT/s x16 trained, SlotClk+
            sltcap=0x0004a060, sltctl=0x0000, sltsta=0x0040, rootctl=0x0000,
            devcap2=0x00000800, devctl2=0x0000, lnkcap2=0x0000000e, lnkctl2=0x0003, lnksta2=0x001e)
    ext_vc(c, 0x100, 0x140)
    ext(c, 0x140, 0x0005, 1, 0x000)                # Root Complex Link
    c.w32(0x144, 0x01000000)
    return c

def nvidia_gtx1080():
    c = Config(4096)
    header(c, 0x10de, 0x1b80, 0x0407, 0x0010, 0xa1, 0x030000, 0x80, 0x10de, 0x119e, cap=0x60, pin=1, line=0xff)
    bar(c, 0, 0xf6000000)                           # 16M
    bar(c, 1, 0x00000000e000000c)                   # 256M 64-bit prefetchable
    bar(c, 3, 0x00000000f000000c)                   # 32M 64-bit prefetchable
    bar(c, 5, 0x0000e001)                           # I/O 128
    c.w32(0x30, 0xf7000000)                         # ROM 512K, disabled
    c.w8(0x3c, 0x10)
    cap_pm(c, 0x60, 0x68, pmc=0x0003, pmcsr=0x0008)          # D1- D2-, PME none, NoSoftRst+
    cap_msi(c, 0x68, 0x78, 0x0081, addr=0xfee00358, data=0x0000)
    cap_exp(c, 0x78, 0x00, 0x0012,                  # v2, Legacy Endpoint
            devcap=0x05908de1, devctl=0x2930, devsta=0x0009,
            lnkcap=0x00416d03, lnkctl=0x0040, lnksta=0x1103,
            devcap2=0x00040973, devctl2=0x0000, lnkcap2=0x0000000e, lnkctl2=0x0003, lnksta2=0x0000)
    c.w8(0x79 + 0, 0x00)
    ext_vc(c, 0x100, 0x250)
    ext_ltr(c, 0x250, 0x128, 0x1003, 0x1003)
    ext(c, 0x128, 0x0004, 1, 0x420)                 # Power Budgeting
    ext_aer(c, 0x420, 0x600)
    ext_vsec(c, 0x600, 0x900, 0x0001, 1, 0x024)
    ext(c, 0x900, 0x0019, 1, 0x000)                 # Secondary PCI Express
    return c

def nvidia_gp104_audio():
    c = Config(4096)
    header(c, 0x10de, 0x10f0, 0x0006, 0x0010, 0xa1, 0x040300, 0x80, 0x10de, 0x119e, cap=0x60, pin=2, line=0x11)
    bar(c, 0, 0xf7080000)                           # 16K
    cap_pm(c, 0x60, 0x68, pmc=0x0003, pmcsr=0x0008)
    cap_msi(c, 0x68, 0x78, 0x0080, addr=0, data=0)
    cap_exp(c, 0x78, 0x00, 0x0002,                  # v2, Endpoint
            devcap=0x00908de1, devctl=0x2930, devsta=0x0009,
            lnkcap=0x00416d03, lnkctl=0x0040, lnksta=0x1103,
            devcap2=0x00040973, lnkcap2=0x0000000e, lnkctl2=0x0003)
    ext_aer(c, 0x100, 0x000)
    return c

def intel_9series_rp(device, port, sec, mem=None, func_mf=True):
    # 8086:8c90 / 8c98 rev d0, 9 Series PCH root ports: [40] Express Root Port, [80] MSI, [90] SSVID,
    # [a0] PM; no ACS capability (hence pci_quirk_intel_pch_acs).
    c = Config(4096)
    header(c, 0x8086, device, 0x0107, 0x0010, 0xd0, 0x060400, 0x81 if func_mf else 0x01, cap=0x40, pin=1, line=0xff)
    bridge_buses(c, 0x00, sec, sec, mem=mem)
    c.w16(0x3e, 0x0010)
    cap_exp(c, 0x40, 0x80, 0x0042,
            devcap=0x00008000, devctl=0x0000, devsta=0x0010,
            lnkcap=(port << 24) | 0x00324c12 if device == 0x8c90 else (port << 24) | 0x00324c42,
            lnkctl=0x0040, lnksta=0x7011 if device == 0x8c90 else 0x7042,
            sltcap=0x00100060 | ((port) << 19), sltsta=0x0040 if device == 0x8c90 else 0x0048,
            devcap2=0x00000816, lnkcap2=0x00000000, lnkctl2=0x0002, lnksta2=0x0000)
    cap_msi(c, 0x80, 0x90, 0x0001, addr=0xfee00218, data=0)
    cap_ssvid(c, 0x90, 0xa0, 0x1458, 0x5001)
    cap_pm(c, 0xa0, 0x00, pmc=0xc803, pmcsr=0x0000)
    return c

def samsung_sm961():
    # Bytes 0x00-0x3f transcribed from a public `lspci -x -vvv` of an SM961 (SOURCE.md), BAR0
    # renumbered (fd600000 -> f7200000); the capabilities encode that dump's -vvv decoding
    # register by register; LnkSta says 5GT/s because the PCH port above is a 5GT/s port.
    c = Config(4096)
    c.raw(0, """4d 14 04 a8 06 05 10 00 00 02 08 01 00 00 00 00
                04 00 60 fd 00 00 00 00 00 00 00 00 00 00 00 00
                00 00 00 00 00 00 00 00 00 00 00 00 4d 14 01 a8
                00 00 00 00 40 00 00 00 00 00 00 00 0b 01 00 00""")
    c.w32(0x10, 0xf7200004)
    cap_pm(c, 0x40, 0x50, pmc=0x0003, pmcsr=0x0008)          # D1- D2-, no PME; NoSoftRst+
    cap_msi(c, 0x50, 0x70, 0x008a)                            # Enable- Count=1/32 64bit+
    cap_exp(c, 0x70, 0xb0, 0x0002,                            # v2 Endpoint
            devcap=0x1 | (7 << 6) | (7 << 9) | (1 << 15) | (250 << 18) | (1 << 26) | (1 << 28),  # 25.000W, FLR+
            devctl=0x281f, devsta=0x0010,                     # the dump's `setpci 0x78.w` = 281f
            lnkcap=0x3 | (4 << 4) | (2 << 10) | (6 << 15) | (1 << 18) | (1 << 22),  # 8GT/s x4, L1 <64us
            lnkctl=0x0140, lnksta=0x1042,
            devcap2=0x0000081f, devctl2=0x0400, lnkcap2=0x0000000e, lnkctl2=0x0003, lnksta2=0x001e)
    cap_msix(c, 0xb0, 0x00, 0x8020, 0x00003000, 0x00002000)   # Enable+ Count=33, BAR0 3000 / 2000
    ext_aer(c, 0x100, 0x148)
    ext_dsn(c, 0x148, 0x158, 0x0000000000000000)
    ext(c, 0x158, 0x0004, 1, 0x188)                           # Power Budgeting
    ext_ltr(c, 0x188, 0x000, 0x1003, 0x1003)                  # 3145728ns: value 3, scale 4 (2^20 ns)
    return c

# The X710 header: transcribed from the public `lspci -xxx -s 04:00.0` / `04:00.1` dump quoted in
# SOURCE.md (a dual-port X710 bypass card, subsystem 15bb:0000). 256 bytes, verbatim except BAR0/BAR3,
# the ROM base, interrupt line, which are renumbered into this tree's windows (SOURCE.md lists them).
X710_HEADER = {
 0: """86 80 72 15 06 04 10 00 02 00 00 02 10 00 80 00
0c 00 00 db 00 00 00 00 00 00 00 00 0c 80 80 db
00 00 00 00 00 00 00 00 00 00 00 00 bb 15 00 00
00 00 28 df 40 00 00 00 00 00 00 00 0b 01 00 00
01 50 23 c8 08 20 00 00 00 00 00 00 00 00 00 00
05 70 80 01 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
11 a0 80 80 03 00 00 00 03 10 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 02 00 e4 8c 00 10 30 21 09 00 43 58 42 00
40 00 43 10 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 1f 00 00 00 00 00 00 00 0e 00 00 00
01 00 1e 00 00 00 00 00 00 00 00 00 00 00 00 00
03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00""",
 1: """86 80 72 15 06 04 10 00 02 00 00 02 10 00 80 00
0c 00 80 da 00 00 00 00 00 00 00 00 0c 00 80 db
00 00 00 00 00 00 00 00 00 00 00 00 bb 15 00 00
00 00 20 df 40 00 00 00 00 00 00 00 0b 01 00 00
01 50 23 c8 08 20 00 00 00 00 00 00 00 00 00 00
05 70 80 01 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
11 a0 80 80 03 00 00 00 03 10 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 02 00 e4 8c 00 10 30 21 09 00 43 58 42 00
40 00 43 10 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 1f 00 00 00 00 00 00 00 0e 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"""}

def x710(fn, bar0, bar3, rom, line, dsn):
    c = Config(4096)
    c.raw(0, X710_HEADER[fn])
    c.w32(0x10, bar0 | 0xc); c.w32(0x14, bar0 >> 32)
    c.w32(0x1c, bar3 | 0xc); c.w32(0x20, bar3 >> 32)
    c.w32(0x30, rom)
    c.w8(0x3c, line)
    # Extended space (the dump stops at 0xff): the X710's chain as its lspci -vvv shows it,
    # AER, DSN, ARI, ACS with no ACS capabilities (ACSCap all '-').
    ext_aer(c, 0x100, 0x140)
    ext_dsn(c, 0x140, 0x150, dsn)
    ext_ari(c, 0x150, 0x1d0, 1 if fn == 0 else 0)
    ext_acs(c, 0x1d0, 0x000, 0x0000, 0x0000)
    return c

def intel_hsx_dmi2():
    # 8086:2f00 rev 02, Haswell-EP DMI2 host bridge. Conventional header, [90] Express Root Port
    # in the real part; kept as the plain host bridge the kernel groups alone ([90] omitted).
    c = Config(4096)
    header(c, 0x8086, 0x2f00, 0x0000, 0x0010, 0x02, 0x060000, 0x00, 0x15d9, 0x0832, cap=0xe0, line=0x00)
    cap_pm(c, 0xe0, 0x00, pmc=0x0003, pmcsr=0x0008)
    return c

def intel_hsx_rp2(sec, mem, pref, numa_port):
    # 8086:2f04 rev 02, Haswell-EP PCIe root port 2a: [40] SSVID, [60] MSI, [90] Express Root Port,
    # [e0] PM; [100] VSEC, [110] ACS (SV TB RR CR UF; the kernel enabled SV RR CR UF), [148] AER.
    c = Config(4096)
    header(c, 0x8086, 0x2f04, 0x0547, 0x0010, 0x02, 0x060400, 0x01, cap=0x40, pin=1, line=0xff)
    bridge_buses(c, sec & 0x80, sec, sec, mem=mem, pref=pref)
    c.w16(0x3e, 0x0003)
    cap_ssvid(c, 0x40, 0x60, 0x15d9, 0x0832)
    cap_msi(c, 0x60, 0x90, 0x0181, addr=0xfee00238, data=0)
    cap_exp(c, 0x90, 0xe0, 0x0142,
            devcap=0x00008002, devctl=0x002e, devsta=0x0000,
            lnkcap=(numa_port << 24) | 0x0039ac83, lnkctl=0x0040, lnksta=0x7083,
            sltcap=0x00040060 | (numa_port << 19), sltsta=0x0048, rootctl=0x0000,
            devcap2=0x0000003f, devctl2=0x0006, lnkcap2=0x0000000e, lnkctl2=0x0003, lnksta2=0x0000)
    cap_pm(c, 0xe0, 0x00, pmc=0xc803, pmcsr=0x0008)
    ext_vsec(c, 0x100, 0x110, 0x0002, 0, 0x00c)
    ext_acs(c, 0x110, 0x148, 0x001f, 0x001d)
    ext_aer(c, 0x148, 0x000)
    return c

def rows_for(cfg, sizes):
    """resource rows from BAR values and the sizes we give them (flags as the kernel reports them)."""
    out = []
    i = 0
    while i < 6:
        v = struct.unpack_from("<I", cfg.b, 0x10 + 4 * i)[0]
        size = sizes.get(i)
        if not size:
            out.append((0, 0, 0)); i += 1; continue
        if v & 1:
            out.append((v & ~3, (v & ~3) + size - 1, 0x40101)); i += 1; continue
        is64 = (v & 6) == 4
        base = v & ~0xf
        if is64: base |= struct.unpack_from("<I", cfg.b, 0x14 + 4 * i)[0] << 32
        flags = 0x40200 | (0x100000 if is64 else 0) | (0x2000 if v & 8 else 0) | (0x4 if is64 else 0) | (0x8 if v & 8 else 0)
        out.append((base, base + size - 1, flags))
        if is64: out.append((0, 0, 0)); i += 2
        else: i += 1
    rom = struct.unpack_from("<I", cfg.b, 0x30)[0]
    out.append((rom & ~0x7ff, (rom & ~0x7ff) + sizes["rom"] - 1, 0x46200) if sizes.get("rom") else (0, 0, 0))
    return out

def bridge_rows(io=None, mem=None, pref=None):
    rows = [(0, 0, 0)] * 7
    rows.append((io[0], io[1], 0x101) if io else (0, 0, 0))
    rows.append((mem[0], mem[1], 0x200) if mem else (0, 0, 0))
    rows.append((pref[0], pref[1], 0x102201) if pref else (0, 0, 0))
    return rows

# ---------------------------------------------------------------------------------------------

def desktop():
    t = Tree("handmade-desktop-gpu")
    t.cpus = {-1: "0-7"}; t.masks = {-1: "ff"}
    t.reserved = {}
    rmrr_usb = "0x00000000c9e7c000 0x00000000c9e8afff direct-relaxable\n"
    t.reserved["0000:00:1a.0"] = rmrr_usb
    hb = t.host_bridge("0000:00", -1)
    F = dict(numa=-1)
    t.function(hb, "0000:00:00.0", intel_haswell_host_bridge(), cls=0x060000, group=0, iommu="dmar1",
               irq=0, **F)
    peg = t.function(hb, "0000:00:01.0", intel_haswell_peg_port(), cls=0x060400, driver="pcieport", group=1,
                     iommu="dmar1", irq=24, bridge_buses=(1, 1), msi_irqs=(24,),
                     resources=bridge_rows((0xe000, 0xefff), (0xf6000000, 0xf70fffff), (0xe0000000, 0xf1ffffff)),
                     link=("8.0 GT/s PCIe", 16, "8.0 GT/s PCIe", 16), **F)
    rp1 = t.function(hb, "0000:00:1c.0", intel_9series_rp(0x8c90, 1, 2), cls=0x060400, driver="pcieport",
                     group=2, iommu="dmar1", irq=25, bridge_buses=(2, 2), msi_irqs=(25,),
                     resources=bridge_rows(), link=("2.5 GT/s PCIe", 1, "5.0 GT/s PCIe", 1), **F)
    rp5 = t.function(hb, "0000:00:1c.4", intel_9series_rp(0x8c98, 5, 3, mem=(0xf7200000, 0xf72fffff)),
                     cls=0x060400, driver="pcieport", group=3, iommu="dmar1", irq=26, bridge_buses=(3, 3),
                     msi_irqs=(26,), resources=bridge_rows(mem=(0xf7200000, 0xf72fffff)),
                     link=("5.0 GT/s PCIe", 4, "5.0 GT/s PCIe", 4), **F)
    gpu_cfg = nvidia_gtx1080()
    t.function(peg, "0000:01:00.0", gpu_cfg, cls=0x030000, driver="nouveau", group=1, iommu="dmar1", irq=32,
               msi_irqs=(32,), boot_vga=1, reset_method="bus",
               resources=rows_for(gpu_cfg, {0: 16 << 20, 1: 256 << 20, 3: 32 << 20, 5: 128, "rom": 512 << 10}),
               link=("8.0 GT/s PCIe", 16, "8.0 GT/s PCIe", 16), **F)
    aud_cfg = nvidia_gp104_audio()
    t.function(peg, "0000:01:00.1", aud_cfg, cls=0x040300, driver="snd_hda_intel", group=1, iommu="dmar1",
               irq=17, resources=rows_for(aud_cfg, {0: 16 << 10}), reset_method="bus",
               link=("8.0 GT/s PCIe", 16, "8.0 GT/s PCIe", 16), **F)
    nvme_cfg = samsung_sm961()
    nvme = t.function(rp5, "0000:03:00.0", nvme_cfg, cls=0x010802, driver="nvme", group=4, iommu="dmar1",
                      irq=16, msi_irqs=tuple(range(33, 42)), reset_method="flr bus",
                      resources=rows_for(nvme_cfg, {0: 16 << 10}), link=("5.0 GT/s PCIe", 4, "8.0 GT/s PCIe", 4),
                      msi_kind="msix", **F)
    # The disk: nvme/nvme0/nvme0n1 with two partitions; sys/class/block links as the capture makes them.
    disk = f"{nvme}/nvme/nvme0/nvme0n1"
    t.write(f"{nvme}/nvme/nvme0/model", "Samsung SSD 960 EVO 500GB               \n")
    t.write(f"{nvme}/nvme/nvme0/uevent", "MAJOR=241\nMINOR=0\nDEVNAME=nvme0\nNVME_TRTYPE=pcie\n")
    t.write(f"{disk}/size", "976773168\n"); t.write(f"{disk}/dev", "259:0\n"); t.write(f"{disk}/ro", "0\n")
    t.write(f"{disk}/removable", "0\n")
    t.write(f"{disk}/uevent", "MAJOR=259\nMINOR=0\nDEVNAME=nvme0n1\nDEVTYPE=disk\n")
    os.makedirs(t.path(f"{disk}/holders"), exist_ok=True); os.makedirs(t.path(f"{disk}/slaves"), exist_ok=True)
    for i, (start, size) in enumerate([(2048, 1048576), (1050624, 975720448)], 1):
        p = f"{disk}/nvme0n1p{i}"
        t.write(f"{p}/partition", f"{i}\n"); t.write(f"{p}/start", f"{start}\n"); t.write(f"{p}/size", f"{size}\n")
        t.write(f"{p}/dev", f"259:{i}\n"); t.write(f"{p}/ro", "0\n")
        t.write(f"{p}/uevent", f"MAJOR=259\nMINOR={i}\nDEVNAME=nvme0n1p{i}\nDEVTYPE=partition\nPARTN={i}\n")
        os.makedirs(t.path(f"{p}/holders"), exist_ok=True)
        t.rel_link(f"{p}/subsystem", "sys/class/block")
        t.rel_link(f"sys/class/block/nvme0n1p{i}", p)
    t.rel_link(f"{disk}/subsystem", "sys/class/block")
    t.rel_link(f"{disk}/device", f"{nvme}/nvme/nvme0")
    t.rel_link("sys/class/block/nvme0n1", disk)

    devs = sorted(sum(([(b, os.path.realpath(t.path(f"sys/bus/pci/devices/{b}"))[len(t.root) + 1:])
                        for b in members] for members in t.groups.values()), []))
    # dmar0 (fed90000) covers only the integrated GPU 00:02.0, which this board disables when a
    # discrete card is the boot VGA: the kernel ignores a DRHD with no present device and
    # registers no sysfs unit for it (dmesg still prints it).
    t.iommu_unit("dmar1", "fed91000", "d2008020660462", "f010da", devs)
    t.common(os.path.join(ACPI, "6876ae9a376b.dat"),
             "BOOT_IMAGE=/vmlinuz-6.1.0-26-amd64 root=UUID=3f1c7d3a-9b1e-4f4e-9a51-2d6f0c1e8b42 ro quiet "
             "intel_iommu=on iommu=pt",
             desktop_interrupts(),
             "/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0\n"
             "/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,"
             "shortname=mixed,utf8,errors=remount-ro 0 0\n",
             "nouveau 2646016 3 - Live 0x0000000000000000\nsnd_hda_intel 57344 2 - Live 0x0000000000000000\n"
             "nvme 53248 3 - Live 0x0000000000000000\nkvm_intel 380928 0 - Live 0x0000000000000000\n",
             "DMAR: IOMMU enabled\n"
             "DMAR: Host address width 39\n"
             "DMAR: DRHD base: 0x000000fed90000 flags: 0x0\n"
             "DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap c0000020660462 ecap f0101a\n"
             "DMAR: DRHD base: 0x000000fed91000 flags: 0x1\n"
             "DMAR: dmar1: reg_base_addr fed91000 ver 1:0 cap d2008020660462 ecap f010da\n"
             "DMAR: RMRR base: 0x000000c9e7c000 end: 0x000000c9e8afff\n"
             "DMAR: RMRR base: 0x000000cb000000 end: 0x000000cf1fffff\n"
             "DMAR-IR: IOAPIC id 8 under DRHD base  0xfed91000 IOMMU 1\n"
             "DMAR-IR: HPET id 0 under DRHD base 0xfed91000\n"
             "DMAR-IR: Queued invalidation will be enabled to support x2apic and Intr-remapping.\n"
             "DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
             "DMAR: No ATSR found\n"
             "DMAR: dmar0: Using Queued invalidation\n"
             "DMAR: dmar1: Using Queued invalidation\n"
             "DMAR: Intel(R) Virtualization Technology for Directed I/O\n")
    return t

def desktop_interrupts():
    cpus = "".join(f"       CPU{i}" for i in range(8))
    def row(n, counts, chip, hw, name):
        return f"{n:>4}: " + "".join(f"{c:>10} " for c in counts) + f" {chip} {hw}  {name}\n"
    z = [0] * 8
    return (" " * 11 + cpus.strip().replace("CPU", "  CPU").lstrip() + "\n"
            + row("0", [22] + z[1:], "IR-IO-APIC", "   2-edge   ", "  timer")
            + row("8", [0, 1] + z[2:], "IR-IO-APIC", "   8-edge   ", "  rtc0")
            + row("9", z, "IR-IO-APIC", "   9-fasteoi", "  acpi")
            + row("16", z, "IR-IO-APIC", "  16-fasteoi", "  ehci_hcd:usb1")
            + row("17", [0, 0, 0, 41] + z[4:], "IR-IO-APIC", "  17-fasteoi", "  snd_hda_intel:card1")
            + row("24", z, "IR-PCI-MSI", "  16384-edge ", "  PCIe PME")
            + row("25", z, "IR-PCI-MSI", "  458752-edge ", "  PCIe PME")
            + row("26", z, "IR-PCI-MSI", "  460800-edge ", "  PCIe PME")
            + row("27", z, "DMAR-MSI", "   0-edge   ", "  dmar0")
            + row("28", z, "DMAR-MSI", "   1-edge   ", "  dmar1")
            + row("32", [0, 0, 18453] + z[3:], "IR-PCI-MSI", "  524288-edge ", "  nvkm")
            + "".join(row(str(33 + q), [0] * q + [1311 + 97 * q] + [0] * (7 - q) if q < 8 else [29] + z[1:],
                          "IR-PCI-MSIX-0000:03:00.0", f"  {q}-edge     ", f"  nvme0q{q}") for q in range(9))
            + " NMI: " + "".join(f"{3:>10} " for _ in range(8)) + "  Non-maskable interrupts\n")

def dual_socket():
    t = Tree("handmade-dual-socket")
    t.cpus = {0: "0-11,24-35", 1: "12-23,36-47"}
    t.masks = {0: "000f,ff000fff", 1: "fff0,00fff000"}   # 48 CPUs, printed as the kernel prints cpumasks
    t.reserved = {}
    hb0 = t.host_bridge("0000:00", 0)
    hb1 = t.host_bridge("0000:80", 1)
    t.function(hb0, "0000:00:00.0", intel_hsx_dmi2(), cls=0x060000, group=0, iommu="dmar2", irq=0, numa=0)
    rp0 = t.function(hb0, "0000:00:02.0",
                     intel_hsx_rp2(0x01, (0xc7000000, 0xc70fffff), (0x383ffe000000, 0x383fffffffff), 2),
                     cls=0x060400, driver="pcieport", group=1, iommu="dmar2", irq=26, bridge_buses=(1, 1),
                     msi_irqs=(26,), resources=bridge_rows(mem=(0xc7000000, 0xc70fffff),
                                                           pref=(0x383ffe000000, 0x383fffffffff)),
                     link=("8.0 GT/s PCIe", 8, "8.0 GT/s PCIe", 8), numa=0)
    rp1 = t.function(hb1, "0000:80:02.0",
                     intel_hsx_rp2(0x81, (0xfb000000, 0xfb0fffff), (0x387ffe000000, 0x387fffffffff), 2),
                     cls=0x060400, driver="pcieport", group=4, iommu="dmar0", irq=28, bridge_buses=(0x81, 0x81),
                     msi_irqs=(28,), resources=bridge_rows(mem=(0xfb000000, 0xfb0fffff),
                                                           pref=(0x387ffe000000, 0x387fffffffff)),
                     link=("8.0 GT/s PCIe", 8, "8.0 GT/s PCIe", 8), numa=1)
    plan = [(rp0, "0000:01:00", 0x383ffe000000, 0xc7000000, 0, 2, "dmar2", 40),
            (rp1, "0000:81:00", 0x387ffe000000, 0xfb000000, 1, 5, "dmar0", 120)]
    nets = []
    for parent, slot, pref, mem, numa, g0, unit, irqbase in plan:
        for fn in (0, 1):
            bar0 = pref + fn * (8 << 20)
            bar3 = pref + (16 << 20) + fn * (32 << 10)
            mac = [0x3c, 0xfd, 0xfe, 0x9e + numa, 0x10, 0x40 + fn]
            # Intel NICs derive the DSN from the MAC: lspci prints mac5-mac4-mac3-ff-ff-mac2-mac1-mac0.
            dsn = int.from_bytes(bytes(mac[3:][::-1] + [0xff, 0xff] + mac[:3][::-1]), 'big')
            cfg = x710(fn, bar0, bar3, mem + fn * (512 << 10), 0xff, dsn)
            bdf = f"{slot}.{fn}"
            ifname = f"enp{int(slot[5:7], 16)}s0f{fn}"
            d = t.function(parent, bdf, cfg, cls=0x020000, driver="i40e", group=g0 + fn, iommu=unit,
                           irq=[32, 36][numa] + fn, msi_irqs=tuple(range(irqbase + 40 * fn, irqbase + 40 * fn + 4)),
                           reset_method="flr bus", numa=numa,
                           resources=rows_for(cfg, {0: 8 << 20, 3: 32 << 10, "rom": 512 << 10}),
                           link=("8.0 GT/s PCIe", 4, "8.0 GT/s PCIe", 4), msi_kind="msix")
            n = f"{d}/net/{ifname}"
            t.write(f"{n}/address", ":".join(f"{b:02x}" for b in mac) + "\n")
            t.write(f"{n}/operstate", "down\n"); t.write(f"{n}/mtu", "1500\n")
            t.write(f"{n}/uevent", f"INTERFACE={ifname}\nIFINDEX={2 + 2 * numa + fn}\n")
            t.rel_link(f"{n}/device", d)
            t.rel_link(f"sys/class/net/{ifname}", n)
            nets.append(ifname)
    units = {"dmar0": [], "dmar2": []}
    for g, members in t.groups.items():
        for b in members:
            unit = "dmar0" if b.startswith("0000:8") else "dmar2"
            units[unit].append((b, os.path.realpath(t.path(f"sys/bus/pci/devices/{b}"))[len(t.root) + 1:]))
    t.iommu_unit("dmar0", "fbffc000", "d2078c106f0466", "f020df", sorted(units["dmar0"]))
    # dmar1 (f3ffd000) covers only 00:1b.0, absent here: ignored, no sysfs unit (as for the desktop's IGD unit).
    t.iommu_unit("dmar2", "f3ffc000", "d2078c106f0466", "f020df", sorted(units["dmar2"]))
    t.common(os.path.join(ACPI, "f2a287cb2ce3.dat"),
             "BOOT_IMAGE=/vmlinuz-6.1.0-26-amd64 root=/dev/mapper/vg0-root ro intel_iommu=on",
             server_interrupts(),
             "/dev/mapper/vg0-root / xfs rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0\n",
             "i40e 565248 0 - Live 0x0000000000000000\nkvm_intel 380928 0 - Live 0x0000000000000000\n",
             "DMAR: IOMMU enabled\n"
             "DMAR: Host address width 46\n"
             "DMAR: DRHD base: 0x000000fbffc000 flags: 0x0\n"
             "DMAR: dmar0: reg_base_addr fbffc000 ver 1:0 cap d2078c106f0466 ecap f020df\n"
             "DMAR: DRHD base: 0x000000f3ffd000 flags: 0x0\n"
             "DMAR: dmar1: reg_base_addr f3ffd000 ver 1:0 cap d2008c10ef0466 ecap f0205b\n"
             "DMAR: DRHD base: 0x000000f3ffc000 flags: 0x1\n"
             "DMAR: dmar2: reg_base_addr f3ffc000 ver 1:0 cap d2078c106f0466 ecap f020df\n"
             "DMAR: RMRR base: 0x0000007b461000 end: 0x0000007b470fff\n"
             "DMAR: ATSR flags: 0x0\n"
             "DMAR: RHSA base: 0x000000f3ffc000 proximity domain: 0x0\n"
             "DMAR: RHSA base: 0x000000fbffc000 proximity domain: 0x1\n"
             "DMAR-IR: IOAPIC id 3 under DRHD base  0xfbffc000 IOMMU 0\n"
             "DMAR-IR: IOAPIC id 1 under DRHD base  0xf3ffc000 IOMMU 2\n"
             "DMAR-IR: IOAPIC id 2 under DRHD base  0xf3ffc000 IOMMU 2\n"
             "DMAR-IR: HPET id 0 under DRHD base 0xf3ffc000\n"
             "DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
             "DMAR: Intel(R) Virtualization Technology for Directed I/O\n")
    return t

def server_interrupts():
    n = 48
    head = " " * 12 + "".join(f"CPU{i:<8}" for i in range(n)).rstrip() + "\n"
    def row(irq, chip, hw, name):
        return f"{irq:>4}: " + "".join(f"{0:>10} " for _ in range(n)) + f" {chip} {hw}  {name}\n"
    out = head + row("0", "IR-IO-APIC", "   2-edge", "timer") + row("9", "IR-IO-APIC", "   9-fasteoi", "acpi")
    out += row("26", "IR-PCI-MSI", "  32768-edge", "PCIe PME, aerdrv")
    out += row("28", "IR-PCI-MSI", "  67141632-edge", "PCIe PME, aerdrv")
    for base, bus in ((40, 0x01), (120, 0x81)):
        for fn in (0, 1):
            for q in range(4):
                name = f"i40e-0000:{bus:02x}:00.{fn}:misc" if q == 0 else f"i40e-enp{bus}s0f{fn}-TxRx-{q - 1}"
                out += row(str(base + 40 * fn + q), f"IR-PCI-MSIX-0000:{bus:02x}:00.{fn}", f"  {q}-edge", name)
    return out

def source_md(t, name):
    shutil.copyfile(os.path.join(HERE, name + ".SOURCE.md"), t.path("SOURCE.md"))

if __name__ == "__main__":
    source_md(desktop(), "desktop-gpu")
    source_md(dual_socket(), "dual-socket")
    print("wrote handmade-desktop-gpu and handmade-dual-socket under", FIXTURES)
