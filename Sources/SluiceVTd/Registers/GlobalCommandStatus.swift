/// GCMD_REG (0x18) and GSTS_REG (0x1c) share bit positions: each command bit has a status bit.
public struct GlobalStatus: DecodedRegister, Equatable {
    public static let registerName = "GSTS"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw & 0xffff_ffff }
    public var translationEnabled: Bool { raw.bit(31) }
    public var rootTablePointerSet: Bool { raw.bit(30) }
    public var faultLog: Bool { raw.bit(29) }
    public var advancedFaultLogging: Bool { raw.bit(28) }
    public var writeBufferFlush: Bool { raw.bit(27) }
    public var queuedInvalidationEnabled: Bool { raw.bit(26) }
    public var interruptRemappingEnabled: Bool { raw.bit(25) }
    public var interruptRemapTablePointerSet: Bool { raw.bit(24) }
    /// CFIS: compatibility-format interrupts pass through (only meaningful with IRES and EIME=0).
    public var compatibilityFormatInterrupts: Bool { raw.bit(23) }
    public var fields: [RegisterField] {
        [
            flag("TES", 31, "translation enabled"), flag("RTPS", 30, "root table pointer set"),
            flag("FLS", 29, "fault log"), flag("AFLS", 28, "advanced fault logging"),
            flag("WBFS", 27, "write buffer flush"), flag("QIES", 26, "queued invalidation enabled"),
            flag("IRES", 25, "interrupt remapping enabled"), flag("IRTPS", 24, "interrupt remap table pointer set"),
            flag("CFIS", 23, "compatibility format interrupts"),
        ]
    }
}

/// Commands written to GCMD_REG; the same positions as `GlobalStatus`.
public struct GlobalCommand: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let translationEnable = GlobalCommand(rawValue: 1 << 31)
    public static let setRootTablePointer = GlobalCommand(rawValue: 1 << 30)
    public static let setFaultLog = GlobalCommand(rawValue: 1 << 29)
    public static let enableAdvancedFaultLogging = GlobalCommand(rawValue: 1 << 28)
    public static let writeBufferFlush = GlobalCommand(rawValue: 1 << 27)
    public static let queuedInvalidationEnable = GlobalCommand(rawValue: 1 << 26)
    public static let interruptRemappingEnable = GlobalCommand(rawValue: 1 << 25)
    public static let setInterruptRemapTablePointer = GlobalCommand(rawValue: 1 << 24)
    public static let compatibilityFormatInterrupt = GlobalCommand(rawValue: 1 << 23)
}

/// Translation Table Mode, RTADDR_REG bits 11:10.
public enum TranslationTableMode: UInt64, Sendable, Codable {
    case legacy = 0, scalable = 1, reserved = 2, abortDMA = 3
}

/// RTADDR_REG (0x20): root table address and mode.
public struct RootTableAddress: DecodedRegister, Equatable {
    public static let registerName = "RTADDR"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(address: UInt64, mode: TranslationTableMode) {
        raw = (address & ~0xfff) | .field(mode.rawValue, 11, 10)
    }
    public var address: UInt64 { raw & ~0xfff }
    public var mode: TranslationTableMode { TranslationTableMode(rawValue: raw.bits(11, 10))! }
    public var fields: [RegisterField] {
        [RegisterField("RTA", 63, 12, address, hex(address)), field("TTM", 11, 10, "\(mode)")]
    }
}

/// CCMD_REG (0x28): register-based context-cache invalidation.
public struct ContextCommand: DecodedRegister, Equatable {
    public static let registerName = "CCMD"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(granularity: ContextCacheGranularity, domain: UInt16 = 0, source: SourceID = SourceID(0), functionMask: UInt64 = 0) {
        raw = (1 << 63) | .field(granularity.rawValue, 62, 61) | .field(functionMask, 33, 32)
            | .field(UInt64(source.raw), 31, 16) | UInt64(domain)
    }
    public var invalidate: Bool { raw.bit(63) }
    public var requestedGranularity: ContextCacheGranularity? { ContextCacheGranularity(rawValue: raw.bits(62, 61)) }
    public var actualGranularity: UInt64 { raw.bits(60, 59) }
    public var functionMask: UInt64 { raw.bits(33, 32) }
    public var sourceID: SourceID { SourceID(UInt16(raw.bits(31, 16))) }
    public var domainID: UInt16 { UInt16(raw.bits(15, 0)) }
    public var fields: [RegisterField] {
        [flag("ICC", 63), field("CIRG", 62, 61, requestedGranularity.map { "\($0)" } ?? "reserved"),
         field("CAIG", 60, 59), field("FM", 33, 32), field("SID", 31, 16, sourceID.description), field("DID", 15, 0)]
    }
}

/// Context-cache invalidation granularity (CCMD.CIRG and the context-cache descriptor's G).
public enum ContextCacheGranularity: UInt64, Sendable, Codable { case global = 1, domain = 2, device = 3 }

/// IOTLB invalidation granularity (IOTLB_REG.IIRG and the IOTLB descriptor's G).
public enum IOTLBGranularity: UInt64, Sendable, Codable { case global = 1, domain = 2, page = 3 }

/// IOTLB_REG (at ECAP.IRO + 8): register-based IOTLB invalidation.
public struct IOTLBInvalidateRegister: DecodedRegister, Equatable {
    public static let registerName = "IOTLB"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(granularity: IOTLBGranularity, domain: UInt16 = 0, drainReads: Bool = false, drainWrites: Bool = false) {
        raw = (1 << 63) | .field(granularity.rawValue, 61, 60) | .flag(drainReads, 49) | .flag(drainWrites, 48)
            | .field(UInt64(domain), 47, 32)
    }
    public var invalidate: Bool { raw.bit(63) }
    public var requestedGranularity: IOTLBGranularity? { IOTLBGranularity(rawValue: raw.bits(61, 60)) }
    public var actualGranularity: UInt64 { raw.bits(58, 57) }
    public var drainReads: Bool { raw.bit(49) }
    public var drainWrites: Bool { raw.bit(48) }
    public var domainID: UInt16 { UInt16(raw.bits(47, 32)) }
    public var fields: [RegisterField] {
        [flag("IVT", 63), field("IIRG", 61, 60, requestedGranularity.map { "\($0)" } ?? "reserved"),
         field("IAIG", 58, 57), flag("DR", 49), flag("DW", 48), field("DID", 47, 32)]
    }
}

/// IVA_REG (at ECAP.IRO): address and mask for page-selective IOTLB invalidation.
public struct InvalidateAddressRegister: DecodedRegister, Equatable {
    public static let registerName = "IVA"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(address: UInt64, addressMask: Int, invalidationHint: Bool = false) {
        raw = (address & ~0xfff) | .flag(invalidationHint, 6) | .field(UInt64(addressMask), 5, 0)
    }
    public var address: UInt64 { raw & ~0xfff }
    public var invalidationHint: Bool { raw.bit(6) }
    public var addressMask: Int { Int(raw.bits(5, 0)) }
    public var fields: [RegisterField] {
        [RegisterField("ADDR", 63, 12, address, hex(address)), flag("IH", 6), field("AM", 5, 0, "\(1 << addressMask) pages")]
    }
}
