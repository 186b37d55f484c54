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
    /// The first of each capability every scan and audit asks about, kept typed when decoding
    /// (not searched for and cast on every question).
    public let express: ExpressCapability?
    public let acs: ACSCapability?
    public let msix: MSIXCapability?
    public let sriov: SRIOVCapability?
    public let ats: ATSCapability?
    public let powerManagement: PowerManagementCapability?

    /// `capabilities: false` decodes the header only (for a 64-byte read on purpose).
    public init(_ config: ConfigSpace, capabilities decodeCapabilities: Bool = true) {
        self.config = config
        guard let header = ConfigHeader(config) else {
            express = nil; acs = nil; msix = nil; sriov = nil; ats = nil; powerManagement = nil
            self.header = nil; capabilities = nil; items = []
            problems = ["config space is \(config.count) bytes, shorter than the 64-byte header"]
            return
        }
        self.header = header
        guard decodeCapabilities else {
            express = nil; acs = nil; msix = nil; sriov = nil; ats = nil; powerManagement = nil
            self.capabilities = nil; items = []; problems = []
            return
        }
        let list = CapabilityList(config, header: header)
        capabilities = list
        var problems = list.problems
        var items: [Item] = []
        items.reserveCapacity(list.standard.count + list.extended.count)
        var kept = (express: ExpressCapability?.none, acs: ACSCapability?.none, msix: MSIXCapability?.none,
                    sriov: SRIOVCapability?.none, ats: ATSCapability?.none, powerManagement: PowerManagementCapability?.none)
        for entry in [list.standard, list.extended].joined() {
            let kind = DecodedKinds.index(of: entry)
            /// Made as its own type, and kept when it is the first of its kind.
            func keep<T: DecodedCapability>(_ first: inout T?) -> T? {
                let c = T(config, at: entry.offset)
                if first == nil { first = c }
                return c
            }
            let decoded: (any DecodedCapability)?
            // The kinds asked about often are kept typed; the rest made through the table.
            switch kind {
            case DecodedKinds.express?: decoded = keep(&kept.express)
            case DecodedKinds.acs?: decoded = keep(&kept.acs)
            case DecodedKinds.msix?: decoded = keep(&kept.msix)
            case DecodedKinds.sriov?: decoded = keep(&kept.sriov)
            case DecodedKinds.ats?: decoded = keep(&kept.ats)
            case DecodedKinds.powerManagement?: decoded = keep(&kept.powerManagement)
            case let k?: decoded = DecodedKinds.all[k].init(config, at: entry.offset)
            case nil: decoded = nil
            }
            if decoded == nil, kind != nil {
                problems.append("\(entry.name) at 0x\(hex(entry.offset, width: 2)) runs past the config space read")
            }
            items.append(Item(entry: entry, decoded: decoded))
        }
        self.items = items
        self.problems = problems
        express = kept.express; acs = kept.acs; msix = kept.msix; sriov = kept.sriov; ats = kept.ats
        powerManagement = kept.powerManagement
    }
}

/// Every capability Sluice decodes: the one place a list entry's id is tied to its type.
enum DecodedKinds {
    static let all: [any DecodedCapability.Type] = [
        PowerManagementCapability.self, MSICapability.self, ExpressCapability.self, MSIXCapability.self,
        AERCapability.self, SerialNumberCapability.self, ACSCapability.self, ATSCapability.self,
        SRIOVCapability.self, PRICapability.self, ResizableBARCapability.self, PASIDCapability.self,
    ]
    static let powerManagement = position(of: PowerManagementCapability.self), express = position(of: ExpressCapability.self)
    static let msix = position(of: MSIXCapability.self), acs = position(of: ACSCapability.self)
    static let ats = position(of: ATSCapability.self), sriov = position(of: SRIOVCapability.self)

    private static func position(of kind: any DecodedCapability.Type) -> Int {
        all.firstIndex { ObjectIdentifier($0) == ObjectIdentifier(kind) }!
    }

    /// The kind of each id, standard ids first (256) then extended (the 16-bit id space, where
    /// the kinds sit low): built once, so an entry's kind is one array read, not a walk over
    /// every kind's static properties.
    private static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 256 + 256)
        for (i, kind) in all.enumerated() {
            precondition(kind.capabilityID < 256, "DecodedKinds: capability id past the table")
            t[(kind.isExtended ? 256 : 0) + Int(kind.capabilityID)] = Int8(i)
        }
        return t
    }()

    static func index(of e: CapabilityEntry) -> Int? {
        guard e.id < 256 else { return nil }
        let k = table[(e.isExtended ? 256 : 0) + Int(e.id)]
        return k >= 0 ? Int(k) : nil
    }
}
