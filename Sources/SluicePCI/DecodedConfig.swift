/// Everything decodable from one function's config bytes: header, both capability lists and
/// the decoded capabilities. A pure function of the bytes; never traps on hostile input.
public struct DecodedConfig: Sendable {
    public struct Item: Sendable {
        public let entry: CapabilityEntry
        /// nil when Sluice only names this capability, or its registers were cut off.
        public let decoded: (any DecodedCapability)?
    }

    public let config: ConfigSpace
    public let header: ConfigHeader?
    public let capabilities: CapabilityList?
    public let items: [Item]
    public let problems: [String]

    /// `capabilities: false` decodes the header only (for a 64-byte read on purpose).
    public init(_ config: ConfigSpace, capabilities decodeCapabilities: Bool = true) {
        self.config = config
        guard let header = ConfigHeader(config) else {
            self.header = nil; capabilities = nil; items = []
            problems = ["config space is \(config.count) bytes, shorter than the 64-byte header"]
            return
        }
        self.header = header
        guard decodeCapabilities else { self.capabilities = nil; items = []; problems = []; return }
        let list = CapabilityList(config, header: header)
        capabilities = list
        var problems = list.problems
        var items: [Item] = []
        for entry in list.all {
            let decoded = decodeCapability(config, entry)
            if decoded == nil, isDecodedKind(entry) {
                problems.append("\(entry.name) at 0x\(hex(entry.offset, width: 2)) runs past the config space read")
            }
            items.append(Item(entry: entry, decoded: decoded))
        }
        self.items = items
        self.problems = problems
    }

    public func first<T: DecodedCapability>(_ type: T.Type) -> T? {
        for item in items where item.entry.id == T.capabilityID && item.entry.isExtended == T.isExtended {
            if let d = item.decoded as? T { return d }
        }
        return nil
    }

    public var express: ExpressCapability? { first(ExpressCapability.self) }
    public var acs: ACSCapability? { first(ACSCapability.self) }
    public var msix: MSIXCapability? { first(MSIXCapability.self) }
    public var sriov: SRIOVCapability? { first(SRIOVCapability.self) }
}

private func isDecodedKind(_ e: CapabilityEntry) -> Bool {
    e.isExtended ? [0x01, 0x03, 0x0d, 0x0f, 0x10, 0x13, 0x15, 0x1b].contains(e.id) : [0x01, 0x05, 0x10, 0x11].contains(e.id)
}

private func decodeCapability(_ c: ConfigSpace, _ e: CapabilityEntry) -> (any DecodedCapability)? {
    let o = e.offset
    if e.isExtended {
        switch e.id {
        case ExtendedCapabilityID.aer: return AERCapability(c, at: o)
        case ExtendedCapabilityID.deviceSerialNumber: return SerialNumberCapability(c, at: o)
        case ExtendedCapabilityID.acs: return ACSCapability(c, at: o)
        case ExtendedCapabilityID.ats: return ATSCapability(c, at: o)
        case ExtendedCapabilityID.sriov: return SRIOVCapability(c, at: o)
        case ExtendedCapabilityID.pri: return PRICapability(c, at: o)
        case ExtendedCapabilityID.resizableBAR: return ResizableBARCapability(c, at: o)
        case ExtendedCapabilityID.pasid: return PASIDCapability(c, at: o)
        default: return nil
        }
    }
    switch e.id {
    case StandardCapabilityID.powerManagement: return PowerManagementCapability(c, at: o)
    case StandardCapabilityID.msi: return MSICapability(c, at: o)
    case StandardCapabilityID.pciExpress: return ExpressCapability(c, at: o)
    case StandardCapabilityID.msix: return MSIXCapability(c, at: o)
    default: return nil
    }
}
