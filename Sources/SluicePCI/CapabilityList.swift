/// One entry of the standard (8-bit id, offsets < 0x100) or extended (16-bit id, >= 0x100) list.
public struct CapabilityEntry: Sendable, Equatable {
    public let offset: Int
    public let id: UInt16
    /// Extended capabilities carry a 4-bit version; 0 for standard ones.
    public let version: UInt8
    public let isExtended: Bool

    public var name: String {
        isExtended ? extendedCapabilityName(id) : standardCapabilityName(UInt8(truncatingIfNeeded: id))
    }
}

/// Both capability lists of a function and what was wrong with them.
/// The walk follows lspci's rules (so both list the same entries) and also reports what the
/// kernel would refuse: pointers into the header, loops, pointers past the bytes read.
public struct CapabilityList: Sendable, Equatable {
    public private(set) var standard: [CapabilityEntry] = []
    public private(set) var extended: [CapabilityEntry] = []
    public private(set) var problems: [String] = []
    /// The standard list could not be read at all (e.g. 64-byte config of a non-root reader).
    public private(set) var unreadable = false

    public init(_ config: ConfigSpace, header: ConfigHeader) {
        if header.hasCapabilityList { walkStandard(config, start: header.capabilityPointerOffset) }
        // Extended space exists only behind a PCI Express capability and with >256 bytes read.
        if standard.contains(where: { $0.id == StandardCapabilityID.pciExpress }), config.count > 0x100 {
            walkExtended(config)
        }
    }

    public func first(_ id: UInt8) -> CapabilityEntry? {
        standard.first { $0.id == UInt16(id) }
    }

    public func firstExtended(_ id: UInt16) -> CapabilityEntry? {
        extended.first { $0.id == id }
    }

    private mutating func walkStandard(_ config: ConfigSpace, start: Int) {
        guard var offset = config.u8(start).map({ Int($0 & 0xfc) }) else { unreadable = true; return }
        var visited = VisitedOffsets()
        while offset != 0 {
            guard config.has(offset, 4) else {
                // What a non-root reader sees: lspci prints "<access denied>".
                if config.isTruncatedHeader { unreadable = true }
                problems.append("capability pointer 0x\(hex(offset, width: 2)) is past the \(config.count) bytes of config space read")
                return
            }
            guard visited.insert(offset) else {
                problems.append("capability list loops back to 0x\(hex(offset, width: 2))")
                return
            }
            let id = config.u8(offset)!
            if id == 0xff {
                problems.append("capability list broken at 0x\(hex(offset, width: 2)) (id 0xff)")
                return
            }
            if offset < 0x40 {
                problems.append("capability at 0x\(hex(offset, width: 2)) points into the standard header")
            }
            standard.append(CapabilityEntry(offset: offset, id: UInt16(id), version: 0, isExtended: false))
            offset = Int(config.u8(offset + 1)! & 0xfc)
        }
    }

    private mutating func walkExtended(_ config: ConfigSpace) {
        var offset = 0x100
        var visited = VisitedOffsets()
        repeat {
            guard let header = config.u32(offset) else {
                problems.append("extended capability pointer 0x\(hex(offset, width: 3)) is past the \(config.count) bytes of config space read")
                return
            }
            if header == 0 || header == 0xffff_ffff { return }
            guard visited.insert(offset) else {
                problems.append("extended capability list loops back to 0x\(hex(offset, width: 3))")
                return
            }
            if offset < 0x100 {
                problems.append("extended capability at 0x\(hex(offset, width: 3)) points below 0x100")
            }
            extended.append(CapabilityEntry(offset: offset, id: UInt16(header & 0xffff),
                                            version: UInt8((header >> 16) & 0xf), isExtended: true))
            offset = Int((header >> 20) & 0xffc)
        } while offset != 0
    }
}

public enum StandardCapabilityID {
    public static let powerManagement: UInt16 = 0x01
    public static let msi: UInt16 = 0x05
    public static let vendorSpecific: UInt16 = 0x09
    public static let bridgeSubsystemVendorID: UInt16 = 0x0d
    public static let pciExpress: UInt16 = 0x10
    public static let msix: UInt16 = 0x11
}

public enum ExtendedCapabilityID {
    public static let aer: UInt16 = 0x01
    public static let deviceSerialNumber: UInt16 = 0x03
    public static let acs: UInt16 = 0x0d
    public static let ari: UInt16 = 0x0e
    public static let ats: UInt16 = 0x0f
    public static let sriov: UInt16 = 0x10
    public static let pri: UInt16 = 0x13
    public static let resizableBAR: UInt16 = 0x15
    public static let pasid: UInt16 = 0x1b
}

func standardCapabilityName(_ id: UInt8) -> String {
    switch id {
    case 0x01: "Power Management"
    case 0x02: "AGP"
    case 0x03: "Vital Product Data"
    case 0x04: "Slot Identification"
    case 0x05: "MSI"
    case 0x06: "CompactPCI Hot Swap"
    case 0x07: "PCI-X"
    case 0x08: "HyperTransport"
    case 0x09: "Vendor Specific"
    case 0x0a: "Debug Port"
    case 0x0b: "CompactPCI Central Resource Control"
    case 0x0c: "PCI Hot-Plug"
    case 0x0d: "Bridge Subsystem Vendor ID"
    case 0x0e: "AGP 8x"
    case 0x0f: "Secure Device"
    case 0x10: "PCI Express"
    case 0x11: "MSI-X"
    case 0x12: "SATA HBA"
    case 0x13: "PCI Advanced Features"
    case 0x14: "Enhanced Allocation"
    case 0x15: "Flattening Portal Bridge"
    default: "Unknown capability 0x\(hex(id, width: 2))"
    }
}

func extendedCapabilityName(_ id: UInt16) -> String {
    let names: [UInt16: String] = [
        0x01: "Advanced Error Reporting", 0x02: "Virtual Channel", 0x03: "Device Serial Number",
        0x04: "Power Budgeting", 0x05: "Root Complex Link Declaration", 0x06: "Root Complex Internal Link Control",
        0x07: "Root Complex Event Collector Endpoint Association", 0x08: "Multi-Function Virtual Channel",
        0x09: "Virtual Channel", 0x0a: "Root Complex Register Block", 0x0b: "Vendor Specific",
        0x0c: "Configuration Access Correlation", 0x0d: "Access Control Services",
        0x0e: "Alternative Routing-ID Interpretation", 0x0f: "Address Translation Service",
        0x10: "Single Root I/O Virtualization", 0x11: "Multi-Root I/O Virtualization", 0x12: "Multicast",
        0x13: "Page Request Interface", 0x15: "Resizable BAR", 0x16: "Dynamic Power Allocation",
        0x17: "TPH Requester", 0x18: "Latency Tolerance Reporting", 0x19: "Secondary PCI Express",
        0x1a: "Protocol Multiplexing", 0x1b: "Process Address Space ID", 0x1c: "LN Requester",
        0x1d: "Downstream Port Containment", 0x1e: "L1 PM Substates", 0x1f: "Precision Time Measurement",
        0x20: "M-PCIe", 0x21: "FRS Queueing", 0x22: "Readiness Time Reporting",
        0x23: "Designated Vendor-Specific", 0x24: "VF Resizable BAR", 0x25: "Data Link Feature",
        0x26: "Physical Layer 16.0 GT/s", 0x27: "Lane Margining at the Receiver", 0x28: "Hierarchy ID",
        0x29: "Native PCIe Enclosure Management", 0x2a: "Physical Layer 32.0 GT/s", 0x2b: "Alternate Protocol",
        0x2c: "System Firmware Intermediary", 0x2d: "Shadow Functions", 0x2e: "Data Object Exchange",
        0x2f: "Device 3", 0x30: "Integrity and Data Encryption", 0x31: "Physical Layer 64.0 GT/s",
        0x32: "Flit Logging", 0x33: "Flit Performance Measurement", 0x34: "Flit Error Injection",
    ]
    return names[id] ?? "Unknown extended capability 0x\(hex(id, width: 4))"
}

/// Capability offsets already walked (dword-aligned and below 4 KiB, as both walks make them):
/// a bitmap on the stack, where a set would allocate for every function of every scan.
struct VisitedOffsets {
    private var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                         UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))

    /// False when `offset` was already there.
    mutating func insert(_ offset: Int) -> Bool {
        precondition(offset >= 0 && offset < 4096 && offset & 3 == 0, "capability offset out of range")
        let slot = offset >> 2
        return withUnsafeMutableBytes(of: &words) { raw in
            let word = raw.baseAddress!.assumingMemoryBound(to: UInt64.self) + slot >> 6
            let bit = UInt64(1) << UInt64(slot & 63)
            defer { word.pointee |= bit }
            return word.pointee & bit == 0
        }
    }
}
