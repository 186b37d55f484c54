/// ECAP_REG (offset 0x10). Bit positions from the VT-d specification rev. 4.x/5.0 (Section 11.4.3),
/// cross-checked against Linux `ecap_*` macros (identical positions).
public struct ExtendedCapability: DecodedRegister, Equatable {
    public static let registerName = "ECAP"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }

    public var pageWalkCoherency: Bool { raw.bit(0) }
    public var queuedInvalidation: Bool { raw.bit(1) }
    public var deviceTLB: Bool { raw.bit(2) }
    public var interruptRemapping: Bool { raw.bit(3) }
    /// EIM: x2APIC (32-bit destination) interrupt remapping.
    public var extendedInterruptMode: Bool { raw.bit(4) }
    public var passThrough: Bool { raw.bit(6) }
    public var snoopControl: Bool { raw.bit(7) }
    /// IRO: offset of the IOTLB registers (IVA_REG at IRO, IOTLB_REG at IRO + 8), in bytes.
    public var iotlbRegisterOffset: UInt64 { raw.bits(17, 8) * 16 }
    public var maximumHandleMaskValue: Int { Int(raw.bits(23, 20)) }
    public var memoryTypeSupport: Bool { raw.bit(25) }
    public var nestedTranslation: Bool { raw.bit(26) }
    public var pageRequests: Bool { raw.bit(29) }
    public var executeRequests: Bool { raw.bit(30) }
    public var supervisorRequests: Bool { raw.bit(31) }
    public var noWriteFlag: Bool { raw.bit(33) }
    public var extendedAccessedFlag: Bool { raw.bit(34) }
    /// PSS: PASID width supported = PSS + 1 bits.
    public var pasidSizeSupported: Int { Int(raw.bits(39, 35)) + 1 }
    public var pasid: Bool { raw.bit(40) }
    public var deviceTLBInvalidationThrottle: Bool { raw.bit(41) }
    public var pageRequestDrain: Bool { raw.bit(42) }
    public var scalableModeTranslation: Bool { raw.bit(43) }
    public var virtualCommand: Bool { raw.bit(44) }
    /// SSADS (second-stage accessed/dirty; old name SLADS).
    public var secondStageAccessedDirty: Bool { raw.bit(45) }
    /// SSTS (second-stage translation; old name SLTS).
    public var secondStageTranslation: Bool { raw.bit(46) }
    /// FSTS (first-stage translation; old name FLTS).
    public var firstStageTranslation: Bool { raw.bit(47) }
    public var scalableModePageWalkCoherency: Bool { raw.bit(48) }
    /// RPS: RID_PASID field of scalable context entries is honoured (else PASID 0 is used).
    public var ridPASID: Bool { raw.bit(49) }
    public var abortDMAMode: Bool { raw.bit(52) }
    public var ridPrivilege: Bool { raw.bit(53) }

    public var fields: [RegisterField] {
        [
            flag("C", 0, "page-walk coherency"),
            flag("QI", 1, "queued invalidation"),
            flag("DT", 2, "device-TLB"),
            flag("IR", 3, "interrupt remapping"),
            flag("EIM", 4, "extended interrupt mode (x2APIC)"),
            flag("PT", 6, "pass-through"),
            flag("SC", 7, "snoop control"),
            field("IRO", 17, 8, "IOTLB registers at \(hex(iotlbRegisterOffset))"),
            field("MHMV", 23, 20, "maximum handle mask \(maximumHandleMaskValue)"),
            flag("MTS", 25, "memory type"),
            flag("NEST", 26, "nested translation"),
            flag("PRS", 29, "page requests"),
            flag("ERS", 30, "execute requests"),
            flag("SRS", 31, "supervisor requests"),
            flag("NWFS", 33, "no-write flag"),
            flag("EAFS", 34, "extended accessed flag"),
            field("PSS", 39, 35, "\(pasidSizeSupported)-bit PASIDs"),
            flag("PASID", 40, "PASID"),
            flag("DIT", 41, "device-TLB invalidation throttle"),
            flag("PDS", 42, "page-request drain"),
            flag("SMTS", 43, "scalable-mode translation"),
            flag("VCS", 44, "virtual command"),
            flag("SSADS", 45, "second-stage accessed/dirty (SLADS)"),
            flag("SSTS", 46, "second-stage translation (SLTS)"),
            flag("FSTS", 47, "first-stage translation (FLTS)"),
            flag("SMPWCS", 48, "scalable-mode page-walk coherency"),
            flag("RPS", 49, "RID_PASID"),
            flag("ADMS", 52, "abort DMA mode"),
            flag("RPRIVS", 53, "RID_PRIV"),
        ]
    }
}
