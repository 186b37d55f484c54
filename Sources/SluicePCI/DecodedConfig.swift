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
    /// Where the capabilities every scan and audit asks about sit in `items` (-1: absent),
    /// found once while decoding rather than searched for on every question.
    private let positions: Positions
    private struct Positions: Sendable {
        var express: Int32 = -1, acs: Int32 = -1, msix: Int32 = -1, sriov: Int32 = -1, ats: Int32 = -1, pm: Int32 = -1
    }

    /// `capabilities: false` decodes the header only (for a 64-byte read on purpose).
    public init(_ config: ConfigSpace, capabilities decodeCapabilities: Bool = true) {
        self.config = config
        guard let header = ConfigHeader(config) else {
            self.header = nil; capabilities = nil; items = []; positions = Positions()
            problems = ["config space is \(config.count) bytes, shorter than the 64-byte header"]
            return
        }
        self.header = header
        guard decodeCapabilities else { self.capabilities = nil; items = []; problems = []; positions = Positions(); return }
        let list = CapabilityList(config, header: header)
        capabilities = list
        var problems = list.problems
        var items: [Item] = []
        items.reserveCapacity(list.standard.count + list.extended.count)
        var positions = Positions()
        for entry in [list.standard, list.extended].joined() {
            let kind = decodedKind(of: entry)
            let decoded = kind.flatMap { $0.init(config, at: entry.offset) }
            if decoded == nil, kind != nil {
                problems.append("\(entry.name) at 0x\(hex(entry.offset, width: 2)) runs past the config space read")
            }
            if let kind, decoded != nil { Self.note(kind, at: Int32(items.count), in: &positions) }
            items.append(Item(entry: entry, decoded: decoded))
        }
        self.items = items
        self.problems = problems
        self.positions = positions
    }

    public var express: ExpressCapability? { decoded(at: positions.express) }
    public var acs: ACSCapability? { decoded(at: positions.acs) }
    public var msix: MSIXCapability? { decoded(at: positions.msix) }
    public var sriov: SRIOVCapability? { decoded(at: positions.sriov) }
    public var ats: ATSCapability? { decoded(at: positions.ats) }
    public var powerManagement: PowerManagementCapability? { decoded(at: positions.pm) }

    private func decoded<T: DecodedCapability>(at i: Int32) -> T? {
        i >= 0 ? items[Int(i)].decoded as? T : nil
    }

    /// Records the first decoded capability of each kind asked about often.
    private static func note(_ kind: any DecodedCapability.Type, at i: Int32, in positions: inout Positions) {
        func first(_ p: inout Int32) { if p < 0 { p = i } }
        switch kind {
        case is ExpressCapability.Type: first(&positions.express)
        case is ACSCapability.Type: first(&positions.acs)
        case is MSIXCapability.Type: first(&positions.msix)
        case is SRIOVCapability.Type: first(&positions.sriov)
        case is ATSCapability.Type: first(&positions.ats)
        case is PowerManagementCapability.Type: first(&positions.pm)
        default: break
        }
    }
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
