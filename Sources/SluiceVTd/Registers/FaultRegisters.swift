/// FSTS_REG (0x34).
public struct FaultStatus: DecodedRegister, Equatable {
    public static let registerName = "FSTS"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw & 0xffff_ffff }
    public var primaryFaultOverflow: Bool { raw.bit(0) }
    public var primaryPendingFault: Bool { raw.bit(1) }
    public var invalidationQueueError: Bool { raw.bit(4) }
    public var invalidationCompletionError: Bool { raw.bit(5) }
    public var invalidationTimeoutError: Bool { raw.bit(6) }
    public var faultRecordIndex: Int { Int(raw.bits(15, 8)) }
    public var fields: [RegisterField] {
        [flag("PFO", 0, "primary fault overflow"), flag("PPF", 1, "primary pending fault"),
         flag("AFO", 2, "advanced fault overflow (deprecated)"), flag("APF", 3, "advanced pending fault (deprecated)"),
         flag("IQE", 4, "invalidation queue error"), flag("ICE", 5, "invalidation completion error"),
         flag("ITE", 6, "invalidation time-out error"), field("FRI", 15, 8, "fault record index")]
    }
}

/// FECTL_REG (0x38).
public struct FaultEventControl: DecodedRegister, Equatable {
    public static let registerName = "FECTL"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw & 0xffff_ffff }
    public var interruptMask: Bool { raw.bit(31) }
    public var interruptPending: Bool { raw.bit(30) }
    public var fields: [RegisterField] { [flag("IM", 31, "interrupt mask"), flag("IP", 30, "interrupt pending")] }
}

/// Request type recorded with a fault (FRCD T1 = bit 126, T2 = bit 92).
public enum FaultRequestType: Sendable, Equatable, Codable {
    case write, pageRequest, read, atomic
    var t1: Bool { self == .read || self == .atomic }
    var t2: Bool { self == .pageRequest || self == .atomic }
}

/// A primary fault-recording register (128 bits, at CAP.FRO + 16*n).
public struct FaultRecord: Sendable, Equatable {
    public var low: UInt64
    public var high: UInt64
    public init(low: UInt64, high: UInt64) { self.low = low; self.high = high }

    public init(fault: DMAFault) {
        low = fault.address & ~0xfff
        var h = UInt64(fault.sourceID.raw)
        h |= .flag(fault.request.type.t2, 28)
        h |= .flag(fault.request.privileged, 29)
        h |= .flag(fault.request.execute, 30)
        if let p = fault.pasid { h |= (1 << 31) | .field(UInt64(p), 59, 40) }
        h |= .field(UInt64(fault.reason.code), 39, 32)
        h |= .flag(fault.request.type.t1, 62)
        h |= 1 << 63
        high = h
    }

    public var fault: Bool { high.bit(63) }
    public var faultInfo: UInt64 { low & ~0xfff }
    public var sourceID: SourceID { SourceID(UInt16(high.bits(15, 0))) }
    public var reason: FaultReason { FaultReason(code: UInt8(high.bits(39, 32))) }
    public var pasidPresent: Bool { high.bit(31) }
    public var pasid: UInt32? { pasidPresent ? UInt32(high.bits(59, 40)) : nil }
    public var execute: Bool { high.bit(30) }
    public var privileged: Bool { high.bit(29) }
    public var addressType: UInt64 { high.bits(61, 60) }
    public var requestType: FaultRequestType {
        switch (high.bit(62), high.bit(28)) {
        case (false, false): .write
        case (false, true): .pageRequest
        case (true, false): .read
        case (true, true): .atomic
        }
    }
}
