/// Legacy-mode root entry (128 bits; 256 of them, one per bus, in the 4-KiB root table).
public struct RootEntry: Sendable, Equatable {
    public var low: UInt64
    public var high: UInt64
    public init(low: UInt64, high: UInt64 = 0) { self.low = low; self.high = high }
    public init(contextTable: UInt64) { low = (contextTable & ~0xfff) | 1; high = 0 }
    public var present: Bool { low.bit(0) }
    /// CTP: context table for this bus.
    public var contextTablePointer: UInt64 { low & ~0xfff }
    /// Reserved: bits 11:1, address bits at or above the host address width, the whole upper qword.
    public func reservedBits(hostAddressWidth: Int) -> UInt64 {
        (low & (UInt64.mask(11, 1) | aboveWidth(hostAddressWidth))) | high
    }
}

/// Scalable-mode root entry: lower half points at the context table for devfn 0-127,
/// upper half for devfn 128-255 (each a 4-KiB table of 128 256-bit entries).
public struct ScalableRootEntry: Sendable, Equatable {
    public var low: UInt64
    public var high: UInt64
    public init(low: UInt64, high: UInt64) { self.low = low; self.high = high }
    public init(lowerContextTable: UInt64?, upperContextTable: UInt64?) {
        low = lowerContextTable.map { ($0 & ~0xfff) | 1 } ?? 0
        high = upperContextTable.map { ($0 & ~0xfff) | 1 } ?? 0
    }
    public var lowerPresent: Bool { low.bit(0) }
    public var lowerContextTablePointer: UInt64 { low & ~0xfff }
    public var upperPresent: Bool { high.bit(0) }
    public var upperContextTablePointer: UInt64 { high & ~0xfff }
    /// The half that serves `devfn`: (present, pointer, reserved bits).
    public func half(for devfn: UInt8, hostAddressWidth: Int) -> (present: Bool, pointer: UInt64, reserved: UInt64) {
        let q = devfn < 128 ? low : high
        return (q.bit(0), q & ~0xfff, q & (UInt64.mask(11, 1) | aboveWidth(hostAddressWidth)))
    }
}

/// Bits 63:width of an address field (reserved above the host address width).
@inline(__always) func aboveWidth(_ width: Int) -> UInt64 { width >= 64 ? 0 : ~((1 << UInt64(width)) - 1) }
