/// The DMA Remapping Reporting table (Intel VT-d spec chapter 8).
public struct DMARTable: Sendable, Hashable, Encodable {
    public struct Flags: OptionSet, Sendable, Hashable, Encodable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The platform supports interrupt remapping.
        public static let interruptRemapping = Flags(rawValue: 1 << 0)
        /// Firmware asks the OS not to use x2APIC mode.
        public static let x2apicOptOut = Flags(rawValue: 1 << 1)
        /// Firmware set up DMA protection before handing over (kernel DMA protection).
        public static let dmaControlPlatformOptIn = Flags(rawValue: 1 << 2)
    }

    public let header: SystemDescriptionHeader
    /// Raw field: the maximum DMA physical address width is this plus one.
    public let hostAddressWidthField: UInt8
    public var hostAddressWidth: Int { Int(hostAddressWidthField) + 1 }
    public let flags: Flags
    public let structures: [DMARStructure]
    /// Everything found wrong, in table order. Empty for a well-formed table.
    public let diagnostics: [ACPIDiagnostic]
    /// `false` also when the table is truncated (the sum cannot be checked).
    public let checksumIsValid: Bool

    public var hardwareUnits: [DMARHardwareUnit] {
        structures.compactMap { if case let .hardwareUnit(s) = $0 { s } else { nil } }
    }

    /// RMRRs: the devices they name need these identity mappings, which is why
    /// many kernels refuse to attach them to a VFIO domain.
    public var reservedMemoryRegions: [DMARReservedMemory] {
        structures.compactMap { if case let .reservedMemory(s) = $0 { s } else { nil } }
    }

    public var namespaceDevices: [DMARNamespaceDevice] {
        structures.compactMap { if case let .namespaceDevice(s) = $0 { s } else { nil } }
    }
}

/// One remapping structure of the DMAR table, in table order.
public enum DMARStructure: Sendable, Hashable {
    case hardwareUnit(DMARHardwareUnit)
    case reservedMemory(DMARReservedMemory)
    case rootPortATS(DMARRootPortATS)
    case hardwareStaticAffinity(DMARHardwareStaticAffinity)
    case namespaceDevice(DMARNamespaceDevice)
    case softwareATC(DMARSoftwareATC)
    case socIntegratedDevice(DMARSoCIntegratedDevice)
    /// A type this parser does not know, or one too broken to decode: raw bytes kept.
    case unknown(DMARUnknownStructure)

    public var offset: Int {
        switch self {
        case let .hardwareUnit(s): s.offset
        case let .reservedMemory(s): s.offset
        case let .rootPortATS(s): s.offset
        case let .hardwareStaticAffinity(s): s.offset
        case let .namespaceDevice(s): s.offset
        case let .softwareATC(s): s.offset
        case let .socIntegratedDevice(s): s.offset
        case let .unknown(s): s.offset
        }
    }

    public var deviceScopes: [DMARDeviceScope] {
        switch self {
        case let .hardwareUnit(s): s.deviceScopes
        case let .reservedMemory(s): s.deviceScopes
        case let .rootPortATS(s): s.deviceScopes
        case let .softwareATC(s): s.deviceScopes
        case let .socIntegratedDevice(s): s.deviceScopes
        case .hardwareStaticAffinity, .namespaceDevice, .unknown: []
        }
    }
}

extension DMARStructure: Encodable {
    private enum Key: String, CodingKey { case kind, structure }

    public var kindName: String {
        switch self {
        case .hardwareUnit: "DRHD"
        case .reservedMemory: "RMRR"
        case .rootPortATS: "ATSR"
        case .hardwareStaticAffinity: "RHSA"
        case .namespaceDevice: "ANDD"
        case .softwareATC: "SATC"
        case .socIntegratedDevice: "SIDP"
        case .unknown: "unknown"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(kindName, forKey: .kind)
        switch self {
        case let .hardwareUnit(s): try container.encode(s, forKey: .structure)
        case let .reservedMemory(s): try container.encode(s, forKey: .structure)
        case let .rootPortATS(s): try container.encode(s, forKey: .structure)
        case let .hardwareStaticAffinity(s): try container.encode(s, forKey: .structure)
        case let .namespaceDevice(s): try container.encode(s, forKey: .structure)
        case let .softwareATC(s): try container.encode(s, forKey: .structure)
        case let .socIntegratedDevice(s): try container.encode(s, forKey: .structure)
        case let .unknown(s): try container.encode(s, forKey: .structure)
        }
    }
}

/// DRHD (type 0): one remapping hardware unit and the devices it covers.
public struct DMARHardwareUnit: Sendable, Hashable, Encodable {
    public let offset: Int
    public let length: UInt16
    /// Bit 0 INCLUDE_PCI_ALL: the unit covers every device of the segment not named by another DRHD.
    public let flags: UInt8
    public var includesAllPCIDevices: Bool { flags & 1 != 0 }
    /// Byte 5. Reserved before VT-d 3.x; since then bits 3:0 give the register
    /// set size as 2^N 4 KiB pages.
    public let sizeField: UInt8
    public var registerSetSize: UInt64 { 4096 << UInt64(sizeField & 0xF) }
    public let segment: UInt16
    public let registerBaseAddress: UInt64
    public let deviceScopes: [DMARDeviceScope]
}

/// RMRR (type 1): memory the firmware keeps using for DMA by the scoped devices.
public struct DMARReservedMemory: Sendable, Hashable, Encodable {
    public let offset: Int
    public let length: UInt16
    public let reserved: UInt16
    public let segment: UInt16
    public let baseAddress: UInt64
    /// Last byte of the region (inclusive).
    public let limitAddress: UInt64
    public let deviceScopes: [DMARDeviceScope]
}

/// ATSR (type 2): root ports whose devices may use ATS.
public struct DMARRootPortATS: Sendable, Hashable, Encodable {
    public let offset: Int
    public let length: UInt16
    /// Bit 0 ALL_PORTS: every root port of the segment supports ATS.
    public let flags: UInt8
    public var allPorts: Bool { flags & 1 != 0 }
    public let segment: UInt16
    public let deviceScopes: [DMARDeviceScope]
}

/// RHSA (type 3): NUMA proximity domain of a remapping unit.
public struct DMARHardwareStaticAffinity: Sendable, Hashable, Encodable {
    public let offset: Int
    public let length: UInt16
    public let registerBaseAddress: UInt64
    public let proximityDomain: UInt32
}

/// ANDD (type 4): an ACPI namespace device that issues DMA, named by a
/// device scope of type 5 with the same enumeration ID.
public struct DMARNamespaceDevice: Sendable, Hashable, Encodable {
    public let offset: Int
    public let length: UInt16
    public let acpiDeviceNumber: UInt8
    /// The ACPI object path, e.g. `\_SB.PCI0.I2C0` (non-ASCII bytes escaped).
    public let objectName: String
}

/// SATC (type 5): devices whose ATC the OS must treat as part of translation.
public struct DMARSoftwareATC: Sendable, Hashable, Encodable {
    public let offset: Int
    public let length: UInt16
    /// Bit 0 ATC_REQUIRED: the devices need ATS to work.
    public let flags: UInt8
    public var atcRequired: Bool { flags & 1 != 0 }
    public let segment: UInt16
    public let deviceScopes: [DMARDeviceScope]
}

/// SIDP (type 6, VT-d 4.1): SoC-integrated devices with special properties,
/// given per device in the device scope flags (bits 0-2 requests without PASID
/// are nested/snooped, bit 3 ATC hardened, bit 4 ATC required).
public struct DMARSoCIntegratedDevice: Sendable, Hashable, Encodable {
    public let offset: Int
    public let length: UInt16
    public let segment: UInt16
    public let deviceScopes: [DMARDeviceScope]
}

public struct DMARUnknownStructure: Sendable, Hashable, Encodable {
    public let offset: Int
    /// 0xFFFF when fewer than 4 bytes were left, too few for a type and length.
    public let type: UInt16
    public let length: UInt16
    /// The structure's bytes as far as they are present in the table.
    public let bytes: [UInt8]
}
