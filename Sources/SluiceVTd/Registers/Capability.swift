/// CAP_REG (offset 0x08). Bit positions from the VT-d specification, rev. 4.x/5.0 (Section 11.4.2).
/// Linux `cap_*` macros and QEMU `VTD_CAP_*` agree with every position used here.
public struct Capability: DecodedRegister, Equatable {
    public static let registerName = "CAP"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }

    /// ND: number of domain-ids supported = 2^(4 + 2*ND).
    public var numberOfDomains: Int { 1 << (4 + 2 * Int(raw.bits(2, 0))) }
    public var advancedFaultLogging: Bool { raw.bit(3) }
    public var requiredWriteBufferFlushing: Bool { raw.bit(4) }
    public var protectedLowMemoryRegion: Bool { raw.bit(5) }
    public var protectedHighMemoryRegion: Bool { raw.bit(6) }
    /// CM: hardware may cache not-present and erroneous entries (virtual IOMMUs set it).
    public var cachingMode: Bool { raw.bit(7) }
    /// SAGAW: bit 1 = 39-bit (3-level), bit 2 = 48-bit (4-level), bit 3 = 57-bit (5-level).
    public var supportedAdjustedGuestAddressWidths: UInt64 { raw.bits(12, 8) }
    /// The second-stage table depths (3, 4, 5) this unit walks.
    public var supportedSecondStageLevels: [Int] {
        (1...3).filter { supportedAdjustedGuestAddressWidths.bit($0) }.map { $0 + 2 }
    }
    /// Whether SAGAW allows a second-stage table of `levels` levels (no allocation: hot path).
    @inline(__always) public func supportsSecondStage(levels: Int) -> Bool {
        (3...5).contains(levels) && supportedAdjustedGuestAddressWidths.bit(levels - 2)
    }
    /// MGAW: maximum guest address width, in bits.
    public var maximumGuestAddressWidth: Int { Int(raw.bits(21, 16)) + 1 }
    public var zeroLengthRead: Bool { raw.bit(22) }
    /// FRO: offset of the first fault-recording register, in bytes.
    public var faultRecordingRegisterOffset: UInt64 { raw.bits(33, 24) * 16 }
    /// SLLPS (second-stage large pages): bit 0 = 2 MiB, bit 1 = 1 GiB.
    public var secondStageLargePageSupport: UInt64 { raw.bits(37, 34) }
    public var supports2MiBSecondStage: Bool { secondStageLargePageSupport.bit(0) }
    public var supports1GiBSecondStage: Bool { secondStageLargePageSupport.bit(1) }
    public var pageSelectiveInvalidation: Bool { raw.bit(39) }
    /// NFR: number of fault-recording registers (field + 1).
    public var numberOfFaultRecordingRegisters: Int { Int(raw.bits(47, 40)) + 1 }
    /// MAMV: largest address mask for page-selective invalidation.
    public var maximumAddressMaskValue: Int { Int(raw.bits(53, 48)) }
    public var writeDraining: Bool { raw.bit(54) }
    public var readDraining: Bool { raw.bit(55) }
    /// FS1GP (first-level 1-GiB pages; old name FL1GP).
    public var firstStage1GiBPages: Bool { raw.bit(56) }
    public var postedInterrupts: Bool { raw.bit(59) }
    /// FS5LP (first-level 5-level paging; old name FL5LP).
    public var firstStage5LevelPaging: Bool { raw.bit(60) }
    public var enhancedSetInterruptRootTablePointer: Bool { raw.bit(62) }
    public var enhancedSetRootTablePointer: Bool { raw.bit(63) }

    public var fields: [RegisterField] {
        [
            field("ND", 2, 0, "\(numberOfDomains) domain-ids"),
            flag("AFL", 3, "advanced fault logging"),
            flag("RWBF", 4, "required write-buffer flushing"),
            flag("PLMR", 5, "protected low-memory region"),
            flag("PHMR", 6, "protected high-memory region"),
            flag("CM", 7, "caching mode"),
            field("SAGAW", 12, 8, "levels " + supportedSecondStageLevels.map(String.init).joined(separator: ",")),
            field("MGAW", 21, 16, "\(maximumGuestAddressWidth)-bit"),
            flag("ZLR", 22, "zero-length read"),
            field("FRO", 33, 24, "fault-recording registers at \(hex(faultRecordingRegisterOffset))"),
            field("SLLPS", 37, 34, "second-stage large pages:" + (supports2MiBSecondStage ? " 2M" : "") + (supports1GiBSecondStage ? " 1G" : "")),
            flag("PSI", 39, "page-selective invalidation"),
            field("NFR", 47, 40, "\(numberOfFaultRecordingRegisters) fault-recording registers"),
            field("MAMV", 53, 48, "maximum address mask \(maximumAddressMaskValue)"),
            flag("DWD", 54, "write draining"),
            flag("DRD", 55, "read draining"),
            flag("FS1GP", 56, "first-stage 1-GiB pages (FL1GP)"),
            flag("PI", 59, "posted interrupts"),
            flag("FS5LP", 60, "first-stage 5-level paging (FL5LP)"),
            flag("ESIRTPS", 62, "enhanced set interrupt root table pointer"),
            flag("ESRTPS", 63, "enhanced set root table pointer"),
        ]
    }
}
