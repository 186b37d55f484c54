/// PASID-granular translation type (PGTT, PASID-table entry bits 8:6).
public enum PASIDTranslationType: UInt64, Sendable, Codable {
    case firstStage = 1, secondStage = 2, nested = 3, passThrough = 4
}

/// Scalable-mode PASID directory entry (64 bits; indexed by PASID[19:6]).
public struct PASIDDirectoryEntry: Sendable, Equatable {
    public var raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(pasidTable: UInt64, faultProcessingDisable: Bool = false) {
        raw = (pasidTable & ~0xfff) | .flag(faultProcessingDisable, 1) | 1
    }
    public var present: Bool { raw.bit(0) }
    public var faultProcessingDisable: Bool { raw.bit(1) }
    public var pasidTablePointer: UInt64 { raw & ~0xfff }
    public func reservedBits(hostAddressWidth: Int) -> UInt64 { raw & (UInt64.mask(11, 2) | aboveWidth(hostAddressWidth)) }
}

/// Scalable-mode PASID table entry (512 bits; 64 per 4-KiB table, indexed by PASID[5:0]).
public struct PASIDTableEntry: Sendable, Equatable {
    public var words: [UInt64]
    public init(words: [UInt64]) {
        precondition(words.count == 8)
        self.words = words
    }
    /// A second-stage (PGTT=2), pass-through (4) or first-stage/nested (1, 3) entry.
    public init(translationType: PASIDTranslationType, domainID: UInt16, secondStageTable: UInt64 = 0, levels: Int = 4,
                firstStageTable: UInt64 = 0, firstStage5Level: Bool = false, executeEnable: Bool = false,
                supervisorEnable: Bool = false, writeProtectEnable: Bool = false, noExecuteEnable: Bool = true,
                pageSnoop: Bool = false, faultProcessingDisable: Bool = false) {
        var w = [UInt64](repeating: 0, count: 8)
        w[0] = (secondStageTable & ~0xfff) | .field(translationType.rawValue, 8, 6) | .flag(executeEnable, 5)
            | .field(UInt64(max(levels, 2) - 2), 4, 2) | .flag(faultProcessingDisable, 1) | 1
        w[1] = UInt64(domainID) | .flag(pageSnoop, 24)
        w[2] = (firstStageTable & ~0xfff) | .flag(noExecuteEnable, 5) | .flag(writeProtectEnable, 4)
            | .field(firstStage5Level ? 1 : 0, 3, 2) | .flag(supervisorEnable, 0)
        words = w
    }
    public var present: Bool { words[0].bit(0) }
    public var faultProcessingDisable: Bool { words[0].bit(1) }
    /// AW: second-stage address width, as in the legacy context entry (1 = 3 levels ...).
    public var addressWidth: UInt64 { words[0].bits(4, 2) }
    public var secondStageLevels: Int { Int(addressWidth) + 2 }
    /// SSEE (second-stage execute enable; old name SLEE).
    public var secondStageExecuteEnable: Bool { words[0].bit(5) }
    public var translationTypeRaw: UInt64 { words[0].bits(8, 6) }
    public var translationType: PASIDTranslationType? { PASIDTranslationType(rawValue: translationTypeRaw) }
    /// SSADE (second-stage accessed/dirty enable; old name SLADE).
    public var secondStageAccessedDirtyEnable: Bool { words[0].bit(9) }
    /// SSPTPTR (old name SLPTPTR).
    public var secondStageTablePointer: UInt64 { words[0] & ~0xfff }
    public var domainID: UInt16 { UInt16(words[1].bits(15, 0)) }
    public var pageWalkSnoop: Bool { words[1].bit(23) }
    public var pageSnoop: Bool { words[1].bit(24) }
    public var cacheDisable: Bool { words[1].bit(25) }
    public var extendedMemoryTypeEnable: Bool { words[1].bit(26) }
    public var extendedMemoryType: UInt64 { words[1].bits(29, 27) }
    public var pageAttributeTable: UInt64 { words[1].bits(63, 32) }
    public var supervisorRequestEnable: Bool { words[2].bit(0) }
    public var executeRequestEnable: Bool { words[2].bit(1) }
    /// FSPM (first-stage paging mode; old name FLPM): 0 = 4-level, 1 = 5-level.
    public var firstStagePagingMode: UInt64 { words[2].bits(3, 2) }
    public var writeProtectEnable: Bool { words[2].bit(4) }
    public var noExecuteEnable: Bool { words[2].bit(5) }
    public var supervisorModeExecutePrevent: Bool { words[2].bit(6) }
    public var extendedAccessedFlagEnable: Bool { words[2].bit(7) }
    /// FSPTPTR (old name FLPTPTR).
    public var firstStageTablePointer: UInt64 { words[2] & ~0xfff }
    /// Reserved fields common to every PGTT (w0 11:10, w1 22:16, w2 11:8, address bits above HAW,
    /// w3-w7 which hold only virtualization fields this model treats as reserved).
    public func reservedBits(hostAddressWidth: Int) -> UInt64 {
        let high = aboveWidth(hostAddressWidth)
        return (words[0] & (UInt64.mask(11, 10) | high)) | (words[1] & UInt64.mask(22, 16))
            | (words[2] & (UInt64.mask(11, 8) | high)) | words[3] | words[4] | words[5] | words[6] | words[7]
    }
}
