/// Access Control Services (extended id 0x0d): what decides IOMMU group isolation.
public struct ACSCapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.acs
    public struct Bits: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let sourceValidation = Bits(rawValue: 1 << 0)
        public static let translationBlocking = Bits(rawValue: 1 << 1)
        public static let requestRedirect = Bits(rawValue: 1 << 2)
        public static let completionRedirect = Bits(rawValue: 1 << 3)
        public static let upstreamForwarding = Bits(rawValue: 1 << 4)
        public static let egressControl = Bits(rawValue: 1 << 5)
        public static let directTranslatedP2P = Bits(rawValue: 1 << 6)
        /// lspci's names, in bit order.
        static let names = ["SrcValid", "TransBlk", "ReqRedir", "CmpltRedir", "UpstreamFwd", "EgressCtrl", "DirectTrans"]
    }

    public let capability: Bits
    public let control: Bits
    public let egressVectorSize: Int

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let cap = c.u16(o + 4), let ctl = c.u16(o + 6) else { return nil }
        capability = Bits(rawValue: cap & 0x7f)
        control = Bits(rawValue: ctl & 0x7f)
        egressVectorSize = Int(cap >> 8)
    }

    public var fields: [CapabilityField] {
        Bits.names.enumerated().map { .flag("ACSCap", $1, capability.contains(Bits(rawValue: 1 << $0))) }
            + Bits.names.enumerated().map { .flag("ACSCtl", $1, control.contains(Bits(rawValue: 1 << $0))) }
    }
}

/// Single Root I/O Virtualization (extended id 0x10).
public struct SRIOVCapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.sriov
    public let vfEnabled: Bool
    public let vfMemorySpaceEnabled: Bool
    public let ariCapableHierarchy: Bool
    public let initialVFs: Int, totalVFs: Int, numVFs: Int
    public let firstVFOffset: Int, vfStride: Int
    public let vfDeviceID: UInt16
    public let supportedPageSizes: UInt32, systemPageSize: UInt32

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let ctl = c.u16(o + 8), let initial = c.u16(o + 0xc), let total = c.u16(o + 0xe),
              let num = c.u16(o + 0x10), let first = c.u16(o + 0x14), let stride = c.u16(o + 0x16),
              let vfDev = c.u16(o + 0x1a), let pages = c.u32(o + 0x1c), let page = c.u32(o + 0x20) else { return nil }
        vfEnabled = bit(ctl, 0); vfMemorySpaceEnabled = bit(ctl, 3); ariCapableHierarchy = bit(ctl, 4)
        initialVFs = Int(initial); totalVFs = Int(total); numVFs = Int(num)
        firstVFOffset = Int(first); vfStride = Int(stride); vfDeviceID = vfDev
        supportedPageSizes = pages; systemPageSize = page
    }

    public var fields: [CapabilityField] {
        [.flag("IOVCtl", "Enable", vfEnabled), .flag("IOVCtl", "MSE", vfMemorySpaceEnabled),
         .flag("IOVCtl", "ARIHierarchy", ariCapableHierarchy),
         CapabilityField("VFs", "Initial VFs", String(initialVFs)),
         CapabilityField("VFs", "Total VFs", String(totalVFs)),
         CapabilityField("VFs", "Number of VFs", String(numVFs)),
         CapabilityField("VFs", "VF offset", String(firstVFOffset)),
         CapabilityField("VFs", "VF stride", String(vfStride)),
         CapabilityField("VFs", "VF Device ID", hex(vfDeviceID, width: 4)),
         CapabilityField("Page size", "Supported Page Size", hex(supportedPageSizes, width: 8)),
         CapabilityField("Page size", "System Page Size", hex(systemPageSize, width: 8))]
    }
}

/// Advanced Error Reporting (extended id 0x01): raw status/mask/severity registers.
public struct AERCapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.aer
    public let uncorrectableStatus: UInt32, uncorrectableMask: UInt32, uncorrectableSeverity: UInt32
    public let correctableStatus: UInt32, correctableMask: UInt32
    public let capabilitiesAndControl: UInt32

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let us = c.u32(o + 4), let um = c.u32(o + 8), let sev = c.u32(o + 0xc),
              let cs = c.u32(o + 0x10), let cm = c.u32(o + 0x14), let cc = c.u32(o + 0x18) else { return nil }
        uncorrectableStatus = us; uncorrectableMask = um; uncorrectableSeverity = sev
        correctableStatus = cs; correctableMask = cm; capabilitiesAndControl = cc
    }

    public var fields: [CapabilityField] {
        [CapabilityField("UESta", "raw", hex(uncorrectableStatus, width: 8)),
         CapabilityField("UEMsk", "raw", hex(uncorrectableMask, width: 8)),
         CapabilityField("UESvrt", "raw", hex(uncorrectableSeverity, width: 8)),
         CapabilityField("CESta", "raw", hex(correctableStatus, width: 8)),
         CapabilityField("CEMsk", "raw", hex(correctableMask, width: 8)),
         CapabilityField("AERCap", "First Error Pointer", hex(capabilitiesAndControl & 0x1f, width: 2))]
    }
}

/// Address Translation Service (extended id 0x0f): a device that caches translations.
public struct ATSCapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.ats
    public let invalidateQueueDepth: Int
    public let pageAligned: Bool
    public let enabled: Bool
    public let smallestTranslationUnit: Int

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let cap = c.u16(o + 4), let ctl = c.u16(o + 6) else { return nil }
        let depth = Int(cap & 0x1f)
        invalidateQueueDepth = depth == 0 ? 32 : depth
        pageAligned = bit(cap, 5)
        enabled = bit(ctl, 15)
        smallestTranslationUnit = Int(ctl & 0x1f)
    }

    public var fields: [CapabilityField] {
        [CapabilityField("ATSCap", "Invalidate Queue Depth", hex(invalidateQueueDepth == 32 ? 0 : invalidateQueueDepth, width: 2)),
         .flag("ATSCap", "PageAligned", pageAligned),
         .flag("ATSCtl", "Enable", enabled), CapabilityField("ATSCtl", "Smallest Translation Unit", hex(smallestTranslationUnit, width: 2))]
    }
}

/// Page Request Interface (extended id 0x13).
public struct PRICapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.pri
    public let enabled: Bool
    public let outstandingCapacity: UInt32
    public let outstandingAllocation: UInt32

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let ctl = c.u16(o + 4), let cap = c.u32(o + 8), let alloc = c.u32(o + 0xc) else { return nil }
        enabled = bit(ctl, 0); outstandingCapacity = cap; outstandingAllocation = alloc
    }

    public var fields: [CapabilityField] {
        [.flag("PRICtl", "Enable", enabled),
         CapabilityField("PRI", "Page Request Capacity", hex(outstandingCapacity, width: 8)),
         CapabilityField("PRI", "Page Request Allocation", hex(outstandingAllocation, width: 8))]
    }
}

/// Process Address Space ID (extended id 0x1b).
public struct PASIDCapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.pasid
    public let width: Int
    public let executeSupported: Bool, privilegedSupported: Bool
    public let enabled: Bool

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let cap = c.u16(o + 4), let ctl = c.u16(o + 6) else { return nil }
        width = Int(bits(cap, 8, 5)); executeSupported = bit(cap, 1); privilegedSupported = bit(cap, 2)
        enabled = bit(ctl, 0)
    }

    public var fields: [CapabilityField] {
        [CapabilityField("PASIDCap", "Max PASID Width", hex(width, width: 2)), .flag("PASIDCap", "Exec", executeSupported),
         .flag("PASIDCap", "Priv", privilegedSupported), .flag("PASIDCtl", "Enable", enabled)]
    }
}

/// Resizable BAR (extended id 0x15): per BAR, the sizes it supports and the current one.
public struct ResizableBARCapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.resizableBAR
    public struct Entry: Sendable, Equatable {
        public let bar: Int
        /// Supported sizes in bytes, smallest first (1 MiB << n for capability bits 4...31).
        public let supportedSizes: [UInt64]
        public let currentSize: UInt64
    }
    public let entries: [Entry]

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let firstCtl = c.u32(o + 8) else { return nil }
        let count = max(1, min(6, Int(bits(firstCtl, 5, 3))))
        var entries: [Entry] = []
        for i in 0..<count {
            guard let cap = c.u32(o + 4 + 8 * i), let ctl = c.u32(o + 8 + 8 * i) else { return nil }
            let sizes = (4...31).filter { bit(cap, $0) }.map { UInt64(1) << UInt64($0 - 4 + 20) }
            entries.append(Entry(bar: Int(ctl & 7), supportedSizes: sizes,
                                 currentSize: UInt64(1) << UInt64(bits(ctl, 8, 6) + 20)))
        }
        self.entries = entries
    }

    public var fields: [CapabilityField] {
        entries.flatMap { e in
            [CapabilityField("BAR \(e.bar)", "current size", sizeText(e.currentSize)),
             CapabilityField("BAR \(e.bar)", "supported", e.supportedSizes.map(sizeText).joined(separator: " "))]
        }
    }
}

/// Device Serial Number (extended id 0x03): a 64-bit EUI.
public struct SerialNumberCapability: DecodedCapability, Equatable {
    public static let isExtended = true
    public static let capabilityID = ExtendedCapabilityID.deviceSerialNumber
    public let serial: UInt64

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let s = c.u64(o + 4) else { return nil }
        serial = s
    }

    /// lspci's spelling: bytes from most significant, dash separated.
    public var text: String {
        (0..<8).reversed().map { hex(UInt8(truncatingIfNeeded: serial >> UInt64($0 * 8)), width: 2) }.joined(separator: "-")
    }

    public var fields: [CapabilityField] { [CapabilityField("Serial Number", "value", text)] }
}

/// Human size with binary units as lspci prints BAR sizes (e.g. 512K, 16M, 2G).
public func sizeText(_ bytes: UInt64) -> String {
    let units = ["", "K", "M", "G", "T", "P", "E"]
    var value = bytes, unit = 0
    while value >= 1024, value % 1024 == 0, unit < units.count - 1 { value /= 1024; unit += 1 }
    return "\(value)\(units[unit])"
}
