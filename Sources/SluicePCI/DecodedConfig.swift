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
            let kind = decodedKind(of: entry)
            let decoded = kind.flatMap { $0.init(config, at: entry.offset) }
            if decoded == nil, kind != nil {
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

/// Every capability Sluice decodes: the one place a list entry's id is tied to its type.
private let decodedKinds: [any DecodedCapability.Type] = [
    PowerManagementCapability.self, MSICapability.self, ExpressCapability.self, MSIXCapability.self,
    AERCapability.self, SerialNumberCapability.self, ACSCapability.self, ATSCapability.self,
    SRIOVCapability.self, PRICapability.self, ResizableBARCapability.self, PASIDCapability.self,
]

private func decodedKind(of e: CapabilityEntry) -> (any DecodedCapability.Type)? {
    decodedKinds.first { $0.capabilityID == e.id && $0.isExtended == e.isExtended }
}
