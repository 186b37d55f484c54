#!/usr/bin/env python3
"""Keeps, from a full guest-RAM dump, the pages the VT-d structures reach (root/context tables,
PASID directories and tables, every page-table page, the interrupt-remapping table's non-zero
pages, the invalidation queue) plus the first page of each buffer the guest mapped, and writes
them in the memory-image format of `sluice vtd` (one file per page, named by hex address).

Usage: vtd-extract.py REGISTERS RAM.bin SERIAL.log OUTDIR
"""
import os, re, struct, sys

regs_path, ram_path, serial_path, out = sys.argv[1:5]
regs = {}
for line in open(regs_path):
    line = line.split("#")[0].split()
    if len(line) == 2:
        regs[line[0]] = int(line[1], 0)
ram = open(ram_path, "rb").read()
pages = set()

def q(addr):
    if addr + 8 > len(ram):
        return None
    return struct.unpack_from("<Q", ram, addr)[0]

def keep(addr):
    addr &= ~0xfff
    if addr + 4096 <= len(ram):
        pages.add(addr)
        return True
    return False

visited = set()
def tables(table, level, first_stage):
    """Keeps every page-table page under `table` (second-stage: present = R|W; first-stage: P)."""
    if (table, level) in visited or not keep(table):
        return
    visited.add((table, level))
    for i in range(512):
        e = q(table + i * 8)
        present = e & 1 if first_stage else e & 3
        large = (e >> 7) & 1 and (level <= 3 or not first_stage)
        if present and level > 1 and not large:
            tables(e & 0x000ffffffffff000, level - 1, first_stage)

def second_stage(table, level):
    tables(table, level, False)

def first_stage(table, level):
    tables(table, level, True)

rta = regs["RTADDR"] & ~0xfff
mode = (regs["RTADDR"] >> 10) & 3
keep(rta)
for bus in range(256):
    lo, hi = q(rta + bus * 16), q(rta + bus * 16 + 8)
    if mode == 0:
        if not lo & 1:
            continue
        ctx = lo & ~0xfff
        keep(ctx)
        for devfn in range(256):
            c0, c1 = q(ctx + devfn * 16), q(ctx + devfn * 16 + 8)
            if c0 & 1 and (c0 >> 2) & 3 != 2:
                second_stage(c0 & ~0xfff, (c1 & 7) + 2)
    elif mode == 1:
        for half, ptr in ((0, lo), (1, hi)):
            if not ptr & 1:
                continue
            ctx = ptr & ~0xfff
            keep(ctx)
            for i in range(128):
                w0 = q(ctx + i * 32)
                if not w0 & 1:
                    continue
                directory = w0 & ~0xfff
                entries = 1 << (((w0 >> 9) & 7) + 7)
                for p in range(0, entries * 8, 4096):
                    keep(directory + p)
                for d in range(entries):
                    de = q(directory + d * 8)
                    if not de or not de & 1:
                        continue
                    table = de & ~0xfff
                    keep(table)
                    for p in range(64):
                        e = [q(table + p * 64 + k * 8) for k in range(8)]
                        if not e[0] & 1:
                            continue
                        pgtt = (e[0] >> 6) & 7
                        if pgtt in (2, 3):
                            second_stage(e[0] & ~0xfff, ((e[0] >> 2) & 7) + 2)
                        if pgtt in (1, 3):
                            first_stage(e[2] & ~0xfff, 5 if (e[2] >> 2) & 3 == 1 else 4)

irta = regs.get("IRTA", 0)
if irta & ~0xfff:
    base, size = irta & ~0xfff, (1 << ((irta & 0xf) + 1)) * 16
    for p in range(0, size, 4096):
        if base + p + 4096 <= len(ram) and any(ram[base + p: base + p + 4096]):
            keep(base + p)
iqa = regs.get("IQA", 0)
if iqa & ~0xfff:
    for p in range(1 << (iqa & 7)):
        keep((iqa & ~0xfff) + p * 4096)

serial = open(serial_path, errors="replace").read().splitlines()
expected = [l for l in serial if l.startswith("VTD-") or "DMAR" in l]
seen = set()
for l in expected:
    m = re.match(r"VTD-MAP name=(\S+) iova=(\S+) gpa=(\S+)", l)
    if m and m.group(1) not in seen:
        seen.add(m.group(1))
        keep(int(m.group(3), 16))

os.makedirs(os.path.join(out, "memory"), exist_ok=True)
for p in sorted(pages):
    with open(os.path.join(out, "memory", "%016x.bin" % p), "wb") as f:
        f.write(ram[p:p + 4096])
with open(os.path.join(out, "registers"), "w") as f:
    f.write(open(regs_path).read())
with open(os.path.join(out, "expected.txt"), "w") as f:
    f.write("\n".join(expected) + "\n")
print("%d pages kept" % len(pages))
