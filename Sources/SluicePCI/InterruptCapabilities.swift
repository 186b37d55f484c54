/// Power Management (standard id 0x01).
public struct PowerManagementCapability: DecodedCapability, Equatable {
    public static let isExtended = false
    public static let capabilityID = StandardCapabilityID.powerManagement
    public let version: UInt8
    public let pmeSupport: UInt8
    public let d1Support: Bool, d2Support: Bool
    /// PMCSR NoSoftRst: a D3hot->D0 transition keeps state, so it is no reset.
    public let noSoftReset: Bool
    public let powerState: UInt8
    public let pmeEnabled: Bool, pmeStatus: Bool

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let pmc = c.u16(o + 2), let csr = c.u16(o + 4) else { return nil }
        version = UInt8(pmc & 7)
        d1Support = bit(pmc, 9); d2Support = bit(pmc, 10)
        pmeSupport = UInt8(pmc >> 11)
        powerState = UInt8(csr & 3)
        noSoftReset = bit(csr, 3)
        pmeEnabled = bit(csr, 8); pmeStatus = bit(csr, 15)
    }

    public var fields: [CapabilityField] {
        [CapabilityField("PM", "Version", String(version)),
         .flag("Flags", "D1", d1Support), .flag("Flags", "D2", d2Support),
         .flag("Status", "NoSoftRst", noSoftReset),
         CapabilityField("Status", "D", String(powerState)),
         .flag("Status", "PME-Enable", pmeEnabled), .flag("Status", "PME", pmeStatus)]
    }
}

/// MSI (standard id 0x05).
public struct MSICapability: DecodedCapability, Equatable {
    public static let isExtended = false
    public static let capabilityID = StandardCapabilityID.msi
    public let enabled: Bool
    public let vectorsCapable: Int
    public let vectorsEnabled: Int
    public let is64Bit: Bool
    public let perVectorMasking: Bool
    public let address: UInt64
    public let data: UInt16

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let ctl = c.u16(o + 2) else { return nil }
        enabled = bit(ctl, 0)
        vectorsCapable = 1 << Int(bits(ctl, 1, 3))
        vectorsEnabled = 1 << Int(bits(ctl, 4, 3))
        is64Bit = bit(ctl, 7)
        perVectorMasking = bit(ctl, 8)
        guard let lo = c.u32(o + 4) else { return nil }
        if is64Bit {
            guard let hi = c.u32(o + 8), let d = c.u16(o + 12) else { return nil }
            address = UInt64(hi) << 32 | UInt64(lo); data = d
        } else {
            guard let d = c.u16(o + 8) else { return nil }
            address = UInt64(lo); data = d
        }
    }

    public var fields: [CapabilityField] {
        [.flag("MSI", "Enable", enabled),
         CapabilityField("MSI", "Count", "\(vectorsEnabled)/\(vectorsCapable)"),
         .flag("MSI", "Maskable", perVectorMasking), .flag("MSI", "64bit", is64Bit),
         CapabilityField("MSI", "Address", hex(address, width: is64Bit ? 16 : 8)),
         CapabilityField("MSI", "Data", hex(data, width: 4))]
    }
}

/// MSI-X (standard id 0x11): where its vector table and PBA live matters for VFIO (they
/// must not be mmapped into a guest).
public struct MSIXCapability: DecodedCapability, Equatable {
    public static let isExtended = false
    public static let capabilityID = StandardCapabilityID.msix
    public let enabled: Bool
    public let functionMasked: Bool
    public let tableSize: Int
    public let tableBAR: UInt8
    public let tableOffset: UInt32
    public let pbaBAR: UInt8
    public let pbaOffset: UInt32

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let ctl = c.u16(o + 2), let table = c.u32(o + 4), let pba = c.u32(o + 8) else { return nil }
        enabled = bit(ctl, 15)
        functionMasked = bit(ctl, 14)
        tableSize = Int(ctl & 0x7ff) + 1
        tableBAR = UInt8(table & 7); tableOffset = table & ~7
        pbaBAR = UInt8(pba & 7); pbaOffset = pba & ~7
    }

    public var fields: [CapabilityField] {
        [.flag("MSI-X", "Enable", enabled), CapabilityField("MSI-X", "Count", String(tableSize)),
         .flag("MSI-X", "Masked", functionMasked),
         CapabilityField("Vector table", "BAR", String(tableBAR)),
         CapabilityField("Vector table", "offset", hex(tableOffset, width: 8)),
         CapabilityField("PBA", "BAR", String(pbaBAR)),
         CapabilityField("PBA", "offset", hex(pbaOffset, width: 8))]
    }
}
