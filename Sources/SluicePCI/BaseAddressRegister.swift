/// A BAR as lspci shows it: the kernel's assignment (sysfs `resource`) read together with the
/// register in config space (type, prefetchable, whether the device itself has it programmed).
public struct BaseAddressRegister: Sendable, Equatable {
    public enum MemoryType: String, Sendable { case bits32 = "32-bit", bits64 = "64-bit" }

    /// BAR number; a 64-bit BAR takes this register and the next.
    public let index: Int
    public let isIO: Bool
    public let address: UInt64
    public let size: UInt64
    public let memoryType: MemoryType
    public let prefetchable: Bool
    /// Assigned by the OS but not programmed in the device (e.g. an SR-IOV VF's BARs).
    public let isVirtual: Bool
    /// The command register has decoding of this space turned off.
    public let isDisabled: Bool
    /// Not assigned; `programmedButIgnored`: the device has a value the OS did not take.
    public let isUnassigned: Bool
    public let programmedButIgnored: Bool
    /// A 64-bit BAR in the last register slot.
    public let isBroken64: Bool
    /// Described by an Enhanced Allocation entry rather than a BAR.
    public let isEnhanced: Bool

    /// BARs of a function: 6 registers for type 0, 2 for type 1, 1 for CardBus. Follows
    /// pciutils 3.9 (lspci's show_bases with kernel resource flags): the type comes from the
    /// kernel's flags, the register only tells whether the device has the address programmed.
    public static func decode(_ config: ConfigSpace, header: ConfigHeader?, resources: [PCIResource]) -> [BaseAddressRegister] {
        guard let header else { return [] }
        let count = header.headerType == 0 ? 6 : header.headerType == 1 ? 2 : header.headerType == 2 ? 1 : 0
        var out: [BaseAddressRegister] = []
        for i in 0..<count {
            let res = resources.first { $0.index == i }
            let ioflg = res?.flags ?? 0
            let pos = res.map { $0.start | ($0.flags & 0xf) } ?? 0
            let len = res?.size ?? 0
            let io = ioflg & PCIResource.ioFlag != 0
            let isMemory = !io && ioflg & PCIResource.memFlag != 0
            if pos == 0, !io, !isMemory, len == 0 { continue }
            let hwLower = config.u32(0x10 + 4 * i) ?? 0
            var hwUpper: UInt32 = 0, broken = false, isVirtual = false
            if (hwLower & 1 == 1) == io {
                if ioflg & 0x1f00 == PCIResource.memFlag, (hwLower >> 1) & 3 == 2 {
                    // lspci reads the upper half at +1, not +4 (pciutils 3.9); so do we, to agree.
                    if i >= count - 1 { broken = true } else { hwUpper = config.u32(0x10 + 4 * i + 1) ?? 0 }
                }
                isVirtual = pos != 0 && hwLower == 0 && hwUpper == 0 && ioflg & eaBEI == 0
            }
            let command = header.command
            let address = io ? pos & ~3 : pos & ~0xf
            out.append(BaseAddressRegister(
                index: i, isIO: io, address: address, size: len,
                memoryType: ioflg & PCIResource.mem64Flag != 0 ? .bits64 : .bits32,
                prefetchable: !io && ioflg & PCIResource.prefetchFlag != 0, isVirtual: isVirtual,
                isDisabled: !isVirtual && command & (io ? 1 : 2) == 0,
                isUnassigned: address == 0 && !(io && command & 1 != 0),
                programmedButIgnored: address == 0 && (io ? hwLower != 0 : (hwLower != 0 || hwUpper != 0)),
                isBroken64: broken, isEnhanced: ioflg & eaBEI != 0))
        }
        return out
    }

    /// IORESOURCE flag pciutils uses for Enhanced Allocation BAR equivalents.
    static let eaBEI: UInt64 = 1 << 5

    /// lspci -vv's line: `Region 0: Memory at fe800000 (64-bit, non-prefetchable) [size=16K]`.
    public var lspciText: String {
        var s = "Region \(index): "
        if isIO {
            s += "I/O ports at "
            s += !isUnassigned ? hex(address, width: 4) : programmedButIgnored ? "<ignored>" : "<unassigned>"
        } else {
            s += "Memory at "
            s += isBroken64 ? "<broken-64-bit-slot>" : address != 0 ? hex(address, width: 8)
                : programmedButIgnored ? "<ignored>" : "<unassigned>"
            s += " (" + memoryType.rawValue + ", " + (prefetchable ? "" : "non-") + "prefetchable)"
        }
        if isVirtual { s += " [virtual]" } else if isDisabled { s += " [disabled]" }
        if isEnhanced { s += " [enhanced]" }
        if size != 0 { s += " [size=" + sizeText(size) + "]" }
        return s
    }
}
