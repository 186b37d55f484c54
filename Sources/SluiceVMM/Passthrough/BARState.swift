/// One emulated base address register of an assigned function. The guest sees and programs
/// this value; the hardware BAR is never written (VFIO reports the size, the VMM maps the BAR).
public struct BARState: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case memory32, memory64, io }
    public let index: Int
    public let kind: Kind
    public let size: UInt64
    public let prefetchable: Bool
    /// The guest-programmed address (low bits clear).
    public private(set) var address: UInt64

    public init(index: Int, kind: Kind, size: UInt64, prefetchable: Bool, address: UInt64 = 0) {
        precondition(size.nonzeroBitCount == 1)
        self.index = index
        self.kind = kind
        self.size = size
        self.prefetchable = prefetchable
        self.address = address & ~(size - 1)
    }

    var flagBits: UInt32 {
        switch kind {
        case .io: return 0x1
        case .memory32: return prefetchable ? 0x8 : 0
        case .memory64: return 0x4 | (prefetchable ? 0x8 : 0)
        }
    }

    /// The dword at `slot` (0: low / only; 1: high half of a 64-bit BAR).
    public func read(slot: Int) -> UInt32 {
        if slot == 1 { return UInt32(truncatingIfNeeded: address >> 32) }
        return UInt32(truncatingIfNeeded: address) | flagBits
    }

    /// A guest write of a dword: address bits below the size read back as zero, which is how a
    /// guest sizes the BAR (write all ones, read the mask back).
    public mutating func write(slot: Int, _ value: UInt32) {
        let mask = ~(size - 1)
        if slot == 1 {
            address = ((UInt64(value) << 32) | (address & 0xffff_ffff)) & mask
        } else {
            let low = UInt64(value & (kind == .io ? ~0x3 : ~0xf))
            let high = kind == .memory64 ? address & 0xffff_ffff_0000_0000 : 0
            address = (high | low) & mask & (kind == .memory64 ? ~0 : 0xffff_ffff)
        }
    }

    public var range: GuestRange { GuestRange(start: address, size: size) }
    /// True when the guest has just written all ones to size it (not a placement).
    public var isSizingPattern: Bool {
        let top: UInt64 = kind == .memory64 ? ~0 : 0xffff_ffff
        return address == top & ~(size - 1)
    }
}

/// The emulated expansion ROM BAR (0x30): address, enable bit; read-only to the device.
public struct ROMBARState: Equatable, Sendable {
    public let size: UInt64
    public private(set) var address: UInt64 = 0
    public private(set) var enabled = false

    public init(size: UInt64) { self.size = size }

    public func read() -> UInt32 { size == 0 ? 0 : UInt32(truncatingIfNeeded: address) | (enabled ? 1 : 0) }

    public mutating func write(_ value: UInt32) {
        guard size > 0 else { return }
        address = UInt64(value & 0xffff_f800) & ~(size - 1) & 0xffff_ffff
        enabled = value & 1 != 0
    }
}
