/// The I/O Virtualization Reporting Structure (AMD I/O Virtualization
/// Technology (IOMMU) Specification, chapter 5).
public struct IVRSTable: Sendable, Hashable, Encodable {
    public let header: SystemDescriptionHeader
    public let ivInfo: IVInfo
    public let blocks: [IVRSBlock]
    /// Everything found wrong, in table order. Empty for a well-formed table.
    public let diagnostics: [ACPIDiagnostic]
    /// `false` also when the table is truncated (the sum cannot be checked).
    public let checksumIsValid: Bool

    public var hardwareDefinitions: [IVHD] {
        blocks.compactMap { if case let .hardware(block) = $0 { block } else { nil } }
    }

    public var memoryDefinitions: [IVMD] {
        blocks.compactMap { if case let .memory(block) = $0 { block } else { nil } }
    }
}

/// The IVinfo field: platform-wide IOMMU capabilities.
public struct IVInfo: Sendable, Hashable, Encodable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The EFR image fields of IVHD 11h/40h are valid.
    public var extendedFeaturesSupported: Bool { rawValue & 1 != 0 }
    /// Firmware asks the OS to keep DMA remapping on (pre-boot DMA protection opt-in).
    public var dmaRemapOptIn: Bool { rawValue & 2 != 0 }
    /// Guest virtual address size: 0b010 means 48 bits.
    public var guestVirtualAddressSizeField: UInt8 { UInt8(rawValue >> 5 & 0x7) }
    public var physicalAddressBits: Int { Int(rawValue >> 8 & 0x7F) }
    public var virtualAddressBits: Int { Int(rawValue >> 15 & 0x7F) }
    /// HT ATS reserved range: the OS must not translate HyperTransport's ATS range.
    public var htATSReserved: Bool { rawValue & (1 << 22) != 0 }
}

/// One block of the IVRS table, in table order.
public enum IVRSBlock: Sendable, Hashable, Encodable {
    case hardware(IVHD)
    case memory(IVMD)
    /// A type this parser does not know, or one too broken to decode: raw bytes kept.
    case unknown(IVRSUnknownBlock)

    public var offset: Int {
        switch self {
        case let .hardware(b): b.offset
        case let .memory(b): b.offset
        case let .unknown(b): b.offset
        }
    }

    private enum Key: String, CodingKey { case kind, block }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case let .hardware(b):
            try container.encode("IVHD", forKey: .kind)
            try container.encode(b, forKey: .block)
        case let .memory(b):
            try container.encode("IVMD", forKey: .kind)
            try container.encode(b, forKey: .block)
        case let .unknown(b):
            try container.encode("unknown", forKey: .kind)
            try container.encode(b, forKey: .block)
        }
    }
}

/// IVHD: one IOMMU and the devices it translates for.
public struct IVHD: Sendable, Hashable, Encodable {
    public struct Flags: OptionSet, Sendable, Hashable, Encodable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let hyperTransportTunnel = Flags(rawValue: 1 << 0)
        public static let passPostedWrite = Flags(rawValue: 1 << 1)
        public static let responsePassPostedWrite = Flags(rawValue: 1 << 2)
        public static let isochronous = Flags(rawValue: 1 << 3)
        public static let iotlbSupported = Flags(rawValue: 1 << 4)
        public static let coherent = Flags(rawValue: 1 << 5)
        public static let prefetchSupported = Flags(rawValue: 1 << 6)
        public static let pprSupported = Flags(rawValue: 1 << 7)
    }

    public let offset: Int
    /// 10h, 11h or 40h: later types have a longer header and may use more entry types.
    public let type: UInt8
    public let flags: Flags
    public let length: UInt16
    /// The IOMMU's own PCI function.
    public let iommuDeviceID: PCIRequesterID
    /// Offset of the IOMMU capability block in the IOMMU's config space.
    public let capabilityOffset: UInt16
    public let baseAddress: UInt64
    public let segment: UInt16
    /// IOMMU info: bits 12:8 HyperTransport unit ID, bits 4:0 MSI message number.
    public let iommuInfo: UInt16
    public var unitID: UInt8 { UInt8(iommuInfo >> 8 & 0x1F) }
    public var msiNumber: UInt8 { UInt8(iommuInfo & 0x1F) }
    /// Type 10h only: IOMMU Feature Reporting.
    public let featureReporting: UInt32?
    /// Types 11h/40h only: IOMMU Attributes (performance counters, PPR MSI number).
    public let attributes: UInt32?
    /// Types 11h/40h only: image of the Extended Feature Register.
    public let extendedFeatures: IOMMUExtendedFeatures?
    /// Types 11h/40h only: image of Extended Feature Register 2 (reserved in older specs).
    public let extendedFeatures2: UInt64?
    public let entries: [IVHDDeviceEntry]
    /// The entries folded into device ID ranges (see `ranges(covering:)`).
    public let deviceRanges: [IVHDDeviceRange]

    /// Size of the fixed part before device entries.
    public static func headerLength(type: UInt8) -> Int { type == 0x10 ? 24 : 40 }
}

/// IVMD: memory a device (or all devices) must be able to reach, or that is excluded.
public struct IVMD: Sendable, Hashable, Encodable {
    public struct Flags: OptionSet, Sendable, Hashable, Encodable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Identity-mapped for the devices (like an Intel RMRR).
        public static let unity = Flags(rawValue: 1 << 0)
        public static let readable = Flags(rawValue: 1 << 1)
        public static let writable = Flags(rawValue: 1 << 2)
        public static let exclusionRange = Flags(rawValue: 1 << 3)
    }

    public enum Scope: Sendable, Hashable, Encodable {
        /// Type 20h.
        case allDevices
        /// Type 21h.
        case device(PCIRequesterID)
        /// Type 22h: from `deviceID` to the device ID in the auxiliary data field.
        case range(PCIRequesterID, PCIRequesterID)
    }

    public let offset: Int
    public let type: UInt8
    public let flags: Flags
    public let length: UInt16
    public let deviceID: UInt16
    public let auxiliaryData: UInt16
    public let startAddress: UInt64
    public let memoryLength: UInt64

    public var scope: Scope {
        switch type {
        case 0x20: .allDevices
        case 0x21: .device(PCIRequesterID(rawValue: deviceID))
        default: .range(PCIRequesterID(rawValue: deviceID), PCIRequesterID(rawValue: auxiliaryData))
        }
    }
}

public struct IVRSUnknownBlock: Sendable, Hashable, Encodable {
    public let offset: Int
    public let type: UInt8
    public let flags: UInt8
    public let length: UInt16
    /// The block's bytes as far as they are present in the table.
    public let bytes: [UInt8]
}
