/// IQA_REG (0x90): invalidation queue base, descriptor width and size.
public struct InvalidationQueueAddress: DecodedRegister, Equatable {
    public static let registerName = "IQA"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(address: UInt64, wide: Bool, sizeOrder: Int) {
        raw = (address & ~0xfff) | .flag(wide, 11) | .field(UInt64(sizeOrder), 2, 0)
    }
    public var address: UInt64 { raw & ~0xfff }
    /// DW: 256-bit descriptors (required in scalable mode).
    public var wideDescriptors: Bool { raw.bit(11) }
    public var descriptorBytes: Int { wideDescriptors ? 32 : 16 }
    /// QS: the queue spans 2^QS 4-KiB pages.
    public var sizeOrder: Int { Int(raw.bits(2, 0)) }
    public var entryCount: Int { (4096 << sizeOrder) / descriptorBytes }
    public var fields: [RegisterField] {
        [RegisterField("IQA", 63, 12, address, hex(address)), flag("DW", 11, wideDescriptors ? "256-bit" : "128-bit"),
         field("QS", 2, 0, "\(entryCount) entries")]
    }
}

/// IQH_REG (0x80) / IQT_REG (0x88): byte offset of the head/tail descriptor (bits 18:4).
public struct InvalidationQueuePointer: Sendable, Equatable {
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public var byteOffset: UInt64 { raw & UInt64.mask(18, 4) }
    /// Index of the descriptor, given the queue's descriptor width.
    public func index(wide: Bool) -> Int { Int(byteOffset >> (wide ? 5 : 4)) }
}

/// IRTA_REG (0xb8): interrupt remapping table address, mode and size.
public struct InterruptRemapTableAddress: DecodedRegister, Equatable {
    public static let registerName = "IRTA"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(address: UInt64, extendedInterruptMode: Bool, sizeOrder: Int) {
        raw = (address & ~0xfff) | .flag(extendedInterruptMode, 11) | .field(UInt64(sizeOrder), 3, 0)
    }
    public var address: UInt64 { raw & ~0xfff }
    /// EIME: x2APIC mode (32-bit destinations); compatibility-format interrupts are then blocked.
    public var extendedInterruptMode: Bool { raw.bit(11) }
    /// S: the table holds 2^(S+1) entries.
    public var entryCount: Int { 1 << (Int(raw.bits(3, 0)) + 1) }
    public var fields: [RegisterField] {
        [RegisterField("IRTA", 63, 12, address, hex(address)), flag("EIME", 11, extendedInterruptMode ? "x2APIC" : "xAPIC"),
         field("S", 3, 0, "\(entryCount) entries")]
    }
}
