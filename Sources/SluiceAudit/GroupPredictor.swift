/// Predicts the IOMMU groups the Linux kernel forms, from topology and capabilities alone.
///
/// Follows Linux 6.1's `pci_device_group()` (drivers/iommu/iommu.c): a device joins the group of
/// its DMA aliases (`pci_for_each_dma_alias`), then of every upstream bridge up to the first one
/// whose path to the root has ACS with `REQ_ACS_FLAGS` (SV|RR|CR|UF) enabled
/// (`pci_acs_path_enabled`), then of its DMA-alias peers and of the functions of its own slot that
/// lack ACS (`get_pci_alias_group`, `get_pci_function_alias_group`). Device-specific ACS and alias
/// quirks come from drivers/pci/quirks.c of the same version; `KernelQuirks` lists which ones.
public struct GroupPredictor: Sendable {
    /// What the predictor needs to know of one PCI function.
    public struct Node: Sendable, Hashable {
        public var id: PCIAddressKey
        /// The bridge whose secondary bus this function sits on; nil on a root bus.
        public var upstreamBridge: PCIAddressKey?
        public var pcieType: PCIeType?
        /// Header type bit 7, which is what the kernel's `pdev->multifunction` reflects.
        public var multifunction: Bool
        /// The ACS capability and control registers, when the function has the capability.
        public var acs: (capability: UInt16, control: UInt16)?
        /// For bridges: the secondary bus number (the alias a PCIe-to-PCI bridge uses).
        public var secondaryBus: UInt8?
        public var vendorID: UInt16
        public var deviceID: UInt16
        public var classCode: UInt32

        public init(id: PCIAddressKey, upstreamBridge: PCIAddressKey?, pcieType: PCIeType?,
                    multifunction: Bool, acs: (capability: UInt16, control: UInt16)?,
                    secondaryBus: UInt8? = nil, vendorID: UInt16, deviceID: UInt16, classCode: UInt32) {
            self.id = id; self.upstreamBridge = upstreamBridge; self.pcieType = pcieType
            self.multifunction = multifunction; self.acs = acs; self.secondaryBus = secondaryBus
            self.vendorID = vendorID; self.deviceID = deviceID; self.classCode = classCode
        }

        public static func == (a: Node, b: Node) -> Bool {
            a.id == b.id && a.upstreamBridge == b.upstreamBridge && a.pcieType == b.pcieType
                && a.multifunction == b.multifunction && a.acs?.capability == b.acs?.capability
                && a.acs?.control == b.acs?.control && a.secondaryBus == b.secondaryBus
                && a.vendorID == b.vendorID && a.deviceID == b.deviceID && a.classCode == b.classCode
        }
        public func hash(into h: inout Hasher) { h.combine(id) }
    }

    /// PCI Express Capability "Device/Port Type" values (PCIe Base spec 7.5.3.2).
    public enum PCIeType: UInt8, Sendable, Hashable {
        case endpoint = 0x0, legacyEndpoint = 0x1, rcEndpoint = 0x9, rcEventCollector = 0xA
        case rootPort = 0x4, upstreamPort = 0x5, downstreamPort = 0x6
        case pcieToPCIBridge = 0x7, pciToPCIeBridge = 0x8
    }

    /// Why a device shares its group, in the kernel's terms; the audit turns these into sentences.
    public enum Reason: Sendable, Hashable {
        /// A bridge on the upstream path lacks ACS (or has it disabled): everything below it shares.
        case upstreamWithoutACS(bridge: PCIAddressKey, missing: ACSFlags)
        /// A PCIe-to-PCI or conventional bridge makes every device below it use one requester id.
        case bridgeAlias(bridge: PCIAddressKey)
        /// A function of a multifunction device without ACS: the slot's functions may talk peer to peer.
        case multifunctionWithoutACS(slotPeer: PCIAddressKey)
        /// A device-specific DMA alias quirk of the kernel.
        case dmaAliasQuirk(alias: PCIAddressKey)
    }

    /// ACS control bits (PCIe Base spec 7.7.8.3); the kernel requires SV|RR|CR|UF.
    public struct ACSFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let sourceValidation = ACSFlags(rawValue: 1 << 0)
        public static let translationBlocking = ACSFlags(rawValue: 1 << 1)
        public static let requestRedirect = ACSFlags(rawValue: 1 << 2)
        public static let completionRedirect = ACSFlags(rawValue: 1 << 3)
        public static let upstreamForwarding = ACSFlags(rawValue: 1 << 4)
        public static let egressControl = ACSFlags(rawValue: 1 << 5)
        public static let directTranslatedP2P = ACSFlags(rawValue: 1 << 6)
        /// `REQ_ACS_FLAGS` in drivers/iommu/iommu.c.
        public static let required: ACSFlags = [.sourceValidation, .requestRedirect, .completionRedirect, .upstreamForwarding]

        public var names: [String] {
            [(Self.sourceValidation, "SrcValid"), (.translationBlocking, "TransBlk"), (.requestRedirect, "ReqRedir"),
             (.completionRedirect, "CmpltRedir"), (.upstreamForwarding, "UpstreamFwd"), (.egressControl, "EgressCtrl"),
             (.directTranslatedP2P, "DirectTrans")].filter { contains($0.0) }.map(\.1)
        }
    }

    public struct Group: Sendable, Hashable {
        /// Members in discovery order (the kernel's bus scan order).
        public var members: [PCIAddressKey]
        public var reasons: Set<Reason>
    }

    public let nodes: [PCIAddressKey: Node]
    public let order: [PCIAddressKey]
    public let quirks: KernelQuirks
    /// The same nodes as arrays indexed by position in address order, with every per-node
    /// answer the prediction needs worked out once (`PredictorTable`).
    let table: PredictorTable

    public init(nodes: [Node], quirks: KernelQuirks = .linux6_1) {
        var map = [PCIAddressKey: Node](minimumCapacity: nodes.count)
        for n in nodes { map[n.id] = n }
        self.nodes = map
        self.order = nodes.map(\.id).sorted()
        self.quirks = quirks
        table = PredictorTable(nodes: map, order: order, missingACS: { Self.missingACS($0, quirks: quirks, required: .required) },
                               aliasVendors: quirks.aliasVendors)
    }

    // MARK: ACS, as pci_acs_enabled() decides it

    /// The required flags this function does not provide (empty = ACS satisfied), or nil when
    /// the kernel treats the function as not needing ACS (a single-function endpoint).
    public func missingACS(_ node: Node, required: ACSFlags = .required) -> ACSFlags? {
        Self.missingACS(node, quirks: quirks, required: required)
    }

    static func missingACS(_ node: Node, quirks: KernelQuirks, required: ACSFlags) -> ACSFlags? {
        if let quirk = quirks.acsQuirk(for: node) {
            return required.subtracting(quirk.flags)
        }
        guard let type = node.pcieType else { return required }    // conventional PCI never has ACS
        switch type {
        case .pciToPCIeBridge, .pcieToPCIBridge, .rcEventCollector:
            return required
        case .downstreamPort, .rootPort:
            return missingFlags(node, required)
        case .endpoint, .upstreamPort, .legacyEndpoint, .rcEndpoint:
            return node.multifunction ? missingFlags(node, required) : nil
        }
    }

    /// `pci_acs_flags_enabled`: flags other than egress control are required only if the
    /// capability offers them (they are "required if implemented").
    private static func missingFlags(_ node: Node, _ required: ACSFlags) -> ACSFlags {
        guard let acs = node.acs else { return required }
        let wanted = required.intersection(ACSFlags(rawValue: acs.capability | ACSFlags.egressControl.rawValue))
        return wanted.subtracting(ACSFlags(rawValue: acs.control))
    }
}
