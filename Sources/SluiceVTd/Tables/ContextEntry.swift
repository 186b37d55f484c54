/// Translation type of a legacy context entry (TT, bits 3:2).
public enum LegacyTranslationType: UInt64, Sendable, Codable {
    /// Untranslated requests use second-stage tables; translation requests are blocked.
    case untranslatedOnly = 0
    /// Untranslated and translation (ATS) requests allowed; device-TLB enabled.
    case allRequests = 1
    /// Untranslated requests pass through (requires ECAP.PT).
    case passThrough = 2
    case reserved = 3
}

/// Legacy-mode context entry (128 bits; 256 per context table, indexed by devfn).
public struct ContextEntry: Sendable, Equatable {
    public var low: UInt64
    public var high: UInt64
    public init(low: UInt64, high: UInt64) { self.low = low; self.high = high }
    public init(domainID: UInt16, secondStageTable: UInt64, levels: Int,
                translationType: LegacyTranslationType = .untranslatedOnly, faultProcessingDisable: Bool = false) {
        low = (secondStageTable & ~0xfff) | .field(translationType.rawValue, 3, 2) | .flag(faultProcessingDisable, 1) | 1
        high = .field(UInt64(domainID), 23, 8) | .field(UInt64(levels - 2), 2, 0)
    }
    public var present: Bool { low.bit(0) }
    public var faultProcessingDisable: Bool { low.bit(1) }
    public var translationType: LegacyTranslationType { LegacyTranslationType(rawValue: low.bits(3, 2))! }
    /// SSPTPTR (second-stage page-table pointer; old name SLPTPTR).
    public var secondStageTablePointer: UInt64 { low & ~0xfff }
    /// AW: 1 = 39-bit/3-level, 2 = 48-bit/4-level, 3 = 57-bit/5-level.
    public var addressWidth: UInt64 { high.bits(2, 0) }
    public var levels: Int { Int(addressWidth) + 2 }
    public var domainID: UInt16 { UInt16(high.bits(23, 8)) }
    /// Reserved: low 11:4 and address bits above HAW; high bit 7 and 63:24.
    public func reservedBits(hostAddressWidth: Int) -> (UInt64, UInt64) {
        (low & (UInt64.mask(11, 4) | aboveWidth(hostAddressWidth)), high & (UInt64.mask(7, 7) | UInt64.mask(63, 24)))
    }
}

/// Scalable-mode context entry (256 bits; 128 per context table).
public struct ScalableContextEntry: Sendable, Equatable {
    public var words: (UInt64, UInt64, UInt64, UInt64)
    public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64 = 0, _ w3: UInt64 = 0) { words = (w0, w1, w2, w3) }
    public init(pasidDirectory: UInt64, directorySizeOrder: Int = 0, ridPASID: UInt32 = 0, pasidEnable: Bool = false,
                deviceTLBEnable: Bool = false, pageRequestEnable: Bool = false, faultProcessingDisable: Bool = false) {
        words = ((pasidDirectory & ~0xfff) | .field(UInt64(directorySizeOrder), 11, 9) | .flag(pageRequestEnable, 4)
                    | .flag(pasidEnable, 3) | .flag(deviceTLBEnable, 2) | .flag(faultProcessingDisable, 1) | 1,
                 .field(UInt64(ridPASID), 19, 0), 0, 0)
    }
    public static func == (a: Self, b: Self) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
    public var present: Bool { words.0.bit(0) }
    public var faultProcessingDisable: Bool { words.0.bit(1) }
    public var deviceTLBEnable: Bool { words.0.bit(2) }
    public var pasidEnable: Bool { words.0.bit(3) }
    public var pageRequestEnable: Bool { words.0.bit(4) }
    /// PDTS: the PASID directory has 2^(PDTS+7) entries.
    public var directoryEntries: Int { 1 << (Int(words.0.bits(11, 9)) + 7) }
    public var pasidDirectoryPointer: UInt64 { words.0 & ~0xfff }
    public var ridPASID: UInt32 { UInt32(words.1.bits(19, 0)) }
    public var ridPrivilege: Bool { words.1.bit(20) }
    /// Reserved: w0 8:5 and address bits above HAW; w1 63:21 (and 20 without RPRIVS); w2, w3.
    public func reservedBits(hostAddressWidth: Int, ridPrivilegeSupported: Bool) -> UInt64 {
        (words.0 & (UInt64.mask(8, 5) | aboveWidth(hostAddressWidth)))
            | (words.1 & UInt64.mask(63, ridPrivilegeSupported ? 21 : 20)) | words.2 | words.3
    }
}
