import CSluice
import SluiceKVM

/// CPU state and in-memory structures for entering a payload. The guest-physical addresses
/// used here sit below 0x10000 (payloads load at 0x7c00 or from 1 MiB).
public enum X86Boot {
    public static let gdtAddress: UInt64 = 0x500
    public static let pml4Address: UInt64 = 0x9000
    public static let pdptAddress: UInt64 = 0xa000
    /// Four page directories of 2 MiB pages: identity map of the low 4 GiB (RAM and MMIO hole).
    public static let pageDirectoryAddress: UInt64 = 0xb000
    public static let codeSelector: UInt16 = 0x10, dataSelector: UInt16 = 0x18, tssSelector: UInt16 = 0x20

    /// Null, null, 64-bit code (0x10), data (0x18), TSS (0x20): Linux's 64-bit boot protocol
    /// wants __BOOT_CS = 0x10 and __BOOT_DS = 0x18.
    static let gdt: [UInt64] = [0, 0, 0x00af_9b00_0000_ffff, 0x00cf_9300_0000_ffff, 0x008f_8b00_0000_ffff]

    public enum BootError: Error, Equatable { case memoryTooSmall(String) }

    /// Real mode: CS:IP = 0:`entry`, flat segments, SP below the entry.
    public static func enterRealMode(_ vcpu: borrowing VCPU, entry: UInt16, stack: UInt16 = 0x7000) throws(KVMError) {
        var sregs = try vcpu.specialRegisters()
        // Not a loop over key paths: the runtime instantiates those on first use, which costs
        // more than the rest of this function, before the guest's first instruction.
        func flat(_ s: inout kvm_segment) { s.base = 0; s.selector = 0 }
        flat(&sregs.cs); flat(&sregs.ds); flat(&sregs.es); flat(&sregs.fs); flat(&sregs.gs); flat(&sregs.ss)
        try vcpu.setSpecialRegisters(sregs)
        var regs = kvm_regs()
        regs.rip = UInt64(entry)
        regs.rsp = UInt64(stack)
        regs.rflags = 2
        try vcpu.setRegisters(regs)
    }

    /// Writes the GDT and identity page tables into guest memory.
    public static func writeLongModeTables(_ memory: GuestMemory) throws(BootError) {
        var ok = true
        for (i, d) in gdt.enumerated() { ok = ok && memory.store(d, at: gdtAddress + UInt64(i * 8)) }
        ok = ok && memory.store(pdptAddress | 0x3, at: pml4Address)
        for dir in 0..<4 {
            let pd = pageDirectoryAddress + UInt64(dir) * 0x1000
            ok = ok && memory.store(pd | 0x3, at: pdptAddress + UInt64(dir * 8))
            for e in 0..<512 {
                let physical = (UInt64(dir) << 30) | (UInt64(e) << 21)
                ok = ok && memory.store(physical | 0x83, at: pd + UInt64(e * 8))  // present, writable, 2 MiB
            }
        }
        guard ok else { throw .memoryTooSmall("long-mode page tables need RAM up to 0xf000") }
    }

    /// 64-bit long mode, paging on with the identity map, at `entry`.
    public static func enterLongMode(_ vcpu: borrowing VCPU, entry: UInt64, stack: UInt64,
                                     rsi: UInt64 = 0) throws(KVMError) {
        var sregs = try vcpu.specialRegisters()
        var code = kvm_segment()
        code.base = 0; code.limit = 0xffff_ffff; code.selector = codeSelector
        code.type = 0xb; code.present = 1; code.dpl = 0; code.db = 0; code.s = 1; code.l = 1; code.g = 1
        var data = code
        data.selector = dataSelector; data.type = 3; data.db = 1; data.l = 0
        var tss = kvm_segment()
        tss.selector = tssSelector; tss.limit = 0xfffff; tss.type = 11; tss.present = 1; tss.g = 1
        sregs.cs = code
        sregs.ds = data; sregs.es = data; sregs.fs = data; sregs.gs = data; sregs.ss = data
        sregs.tr = tss
        sregs.gdt.base = gdtAddress
        sregs.gdt.limit = UInt16(gdt.count * 8 - 1)
        sregs.idt.base = 0
        sregs.idt.limit = 0
        sregs.cr3 = pml4Address
        sregs.cr4 = 1 << 5                                // PAE
        sregs.cr0 = (1 << 0) | (1 << 4) | (1 << 5) | (1 << 31)  // PE, ET, NE, PG
        sregs.efer = (1 << 8) | (1 << 10)                // LME, LMA
        try vcpu.setSpecialRegisters(sregs)
        var regs = kvm_regs()
        regs.rip = entry
        regs.rsp = stack
        regs.rsi = rsi
        regs.rflags = 2
        try vcpu.setRegisters(regs)
    }
}
