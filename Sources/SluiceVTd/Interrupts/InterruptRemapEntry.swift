/// Interrupt-remapping table entry (128 bits; VT-d spec Section 9.10 remapped, 9.11 posted).
public struct InterruptRemapEntry: Sendable, Equatable {
    public var low: UInt64
    public var high: UInt64
    public init(low: UInt64, high: UInt64) { self.low = low; self.high = high }

    /// A remapped-format entry.
    public init(vector: UInt8, destination: UInt32, x2APIC: Bool, destinationModeLogical: Bool = false,
                redirectionHint: Bool = false, levelTriggered: Bool = false, deliveryMode: UInt8 = 0,
                sourceValidation: SourceValidation = .none, faultProcessingDisable: Bool = false) {
        let dst: UInt64 = x2APIC ? .field(UInt64(destination), 63, 32) : .field(UInt64(destination & 0xff), 47, 40)
        low = 1 | .flag(faultProcessingDisable, 1) | .flag(destinationModeLogical, 2) | .flag(redirectionHint, 3)
            | .flag(levelTriggered, 4) | .field(UInt64(deliveryMode), 7, 5) | .field(UInt64(vector), 23, 16) | dst
        high = sourceValidation.encoded
    }

    /// A posted-format entry (IM=1): the interrupt is posted to the descriptor at `descriptor`
    /// (64-byte aligned) instead of being delivered.
    public init(postedVector: UInt8, descriptor: UInt64, urgent: Bool = false, sourceValidation: SourceValidation = .none) {
        low = 1 | .flag(urgent, 14) | (1 << 15) | .field(UInt64(postedVector), 23, 16) | .field(descriptor >> 6, 63, 38)
        high = sourceValidation.encoded | .field(descriptor >> 32, 63, 32)
    }

    public var present: Bool { low.bit(0) }
    public var faultProcessingDisable: Bool { low.bit(1) }
    public var destinationModeLogical: Bool { low.bit(2) }
    public var redirectionHint: Bool { low.bit(3) }
    public var levelTriggered: Bool { low.bit(4) }
    public var deliveryMode: UInt8 { UInt8(low.bits(7, 5)) }
    public var available: UInt8 { UInt8(low.bits(11, 8)) }
    public var urgent: Bool { low.bit(14) }
    /// IM: 0 remapped, 1 posted.
    public var posted: Bool { low.bit(15) }
    public var vector: UInt8 { UInt8(low.bits(23, 16)) }
    /// Destination: x2APIC uses bits 63:32, xAPIC bits 47:40.
    public func destination(x2APIC: Bool) -> UInt32 { x2APIC ? UInt32(low.bits(63, 32)) : UInt32(low.bits(47, 40)) }
    /// Posted-interrupt descriptor address (bits 63:38 low = PDA[31:6], bits 127:96 = PDA[63:32]).
    public var postedDescriptorAddress: UInt64 { low.bits(63, 38) << 6 | high.bits(63, 32) << 32 }
    public var sourceValidation: SourceValidation { SourceValidation(high) }

    /// Non-zero reserved bits of a present entry.
    public func reservedBits(x2APIC: Bool) -> (UInt64, UInt64) {
        if posted {
            return (low & (UInt64.mask(7, 2) | UInt64.mask(13, 12) | UInt64.mask(37, 24)), high & UInt64.mask(31, 20))
        }
        var r0 = low & (UInt64.mask(14, 12) | UInt64.mask(31, 24))
        if !x2APIC { r0 |= low & (UInt64.mask(39, 32) | UInt64.mask(63, 48)) }
        return (r0, high & UInt64.mask(63, 20))
    }
}

/// Source-id verification of an IRTE: SVT (bits 83:82), SQ (81:80), SID (79:64).
public struct SourceValidation: Sendable, Equatable {
    public enum Kind: UInt64, Sendable { case none = 0, requesterID = 1, busRange = 2, reserved = 3 }
    public var kind: Kind
    public var qualifier: UInt8
    public var sourceID: UInt16
    public static let none = SourceValidation(kind: .none, qualifier: 0, sourceID: 0)
    public init(kind: Kind, qualifier: UInt8 = 0, sourceID: UInt16) {
        self.kind = kind; self.qualifier = qualifier; self.sourceID = sourceID
    }
    /// Only `requester` may raise the interrupt (SQ bits of the function number ignored).
    public static func requester(_ sid: SourceID, ignoringFunctionBits qualifier: UInt8 = 0) -> SourceValidation {
        SourceValidation(kind: .requesterID, qualifier: qualifier, sourceID: sid.raw)
    }
    /// Any requester on buses first...last (e.g. devices behind a PCIe-to-PCI bridge).
    public static func buses(_ first: UInt8, _ last: UInt8) -> SourceValidation {
        SourceValidation(kind: .busRange, sourceID: UInt16(first) << 8 | UInt16(last))
    }
    init(_ high: UInt64) {
        kind = Kind(rawValue: high.bits(19, 18))!
        qualifier = UInt8(high.bits(17, 16))
        sourceID = UInt16(high.bits(15, 0))
    }
    var encoded: UInt64 { .field(kind.rawValue, 19, 18) | .field(UInt64(qualifier), 17, 16) | UInt64(sourceID) }

    /// Whether `requester` passes this verification.
    public func accepts(_ requester: SourceID) -> Bool {
        switch kind {
        case .none: return true
        case .requesterID:
            let ignore = sourceIDQualifierMask(qualifier)
            return requester.raw | ignore == sourceID | ignore
        case .busRange:
            return requester.bus >= UInt8(sourceID >> 8) && requester.bus <= UInt8(sourceID & 0xff)
        case .reserved: return false
        }
    }
}

/// SQ / FM encoding: 00 compare all bits, 01 ignore function bit 2, 10 bits 2:1, 11 bits 2:0.
func sourceIDQualifierMask(_ q: UInt8) -> UInt16 { [0, 0b100, 0b110, 0b111][Int(q & 3)] }
