/// Device-specific ACS and DMA-alias quirks of one kernel version (drivers/pci/quirks.c).
/// These differ between kernel versions; the audit says which version's rules it followed.
public struct KernelQuirks: Sendable {
    public let kernelVersion: String
    /// (vendor, device mask/match, ACS flags the quirk asserts). A nil device matches any.
    let acsRules: [ACSRule]
    /// (vendor, device, functions the device also uses as requester ids).
    let aliasRules: [AliasRule]
    /// Vendors with any alias quirk: most devices are ruled out with one set lookup.
    let aliasVendors: Set<UInt16>

    init(kernelVersion: String, acsRules: [ACSRule], aliasRules: [AliasRule]) {
        self.kernelVersion = kernelVersion
        self.acsRules = acsRules
        self.aliasRules = aliasRules
        aliasVendors = Set(aliasRules.map(\.vendor))
    }

    struct ACSRule: Sendable {
        var vendor: UInt16
        var matches: @Sendable (GroupPredictor.Node) -> Bool
        /// The flags the quirk reports as enabled (`pci_acs_ctrl_enabled`'s second argument).
        var flags: GroupPredictor.ACSFlags
        var name: String
    }
    struct AliasRule: Sendable {
        var vendor: UInt16
        var device: UInt16
        var aliasFunctions: [UInt8]
        var name: String
    }

    /// The ACS flags a quirk asserts for this function, or nil when no quirk applies.
    /// The first quirk that claims this function, as `pci_dev_specific_acs_enabled` takes them in order.
    public func acsQuirk(for node: GroupPredictor.Node) -> (name: String, flags: GroupPredictor.ACSFlags)? {
        acsRules.first { $0.vendor == node.vendorID && $0.matches(node) }.map { ($0.name, $0.flags) }
    }

    /// Requester ids a quirk makes this function use besides its own (same bus, other functions).
    func dmaAliases(of id: PCIAddressKey, nodes: [PCIAddressKey: GroupPredictor.Node]) -> [PCIAddressKey] {
        guard let node = nodes[id], aliasVendors.contains(node.vendorID) else { return [] }
        return aliasRules.filter { $0.vendor == node.vendorID && $0.device == node.deviceID }
            .flatMap(\.aliasFunctions).filter { $0 != id.function }.map { id.withFunction($0) }
    }


    /// `pci_devs_are_dma_aliases`: either one names the other as an alias.
    func areDMAAliases(_ a: GroupPredictor.Node, _ b: GroupPredictor.Node, nodes: [PCIAddressKey: GroupPredictor.Node]) -> Bool {
        guard aliasVendors.contains(a.vendorID) || aliasVendors.contains(b.vendorID) else { return false }
        return dmaAliases(of: a.id, nodes: nodes).contains(b.id) || dmaAliases(of: b.id, nodes: nodes).contains(a.id)
    }
}

extension KernelQuirks {
    private typealias F = GroupPredictor.ACSFlags
    private static let kernelRequired: F = [.sourceValidation, .requestRedirect, .completionRedirect, .upstreamForwarding]
    private static let mfEndpoint: F = [.sourceValidation, .translationBlocking, .requestRedirect,
                                        .completionRedirect, .upstreamForwarding, .directTranslatedP2P]

    private static func ids(_ vendor: UInt16, _ devices: [UInt16], _ flags: F, _ name: String) -> ACSRule {
        let set = Set(devices)
        return ACSRule(vendor: vendor, matches: { set.contains($0.deviceID) }, flags: flags, name: name)
    }

    /// pci_quirk_intel_pch_acs_ids, made once (the rule runs for every Intel root port).
    static let intelPCHRootPorts: Set<UInt16> = {
        var ids: [UInt16] = []
        ids += (0x3b42...0x3b51).map { UInt16($0) }                   // Ibexpeak
        ids += (0x1c10...0x1c1f).map { UInt16($0) }                   // Cougarpoint
        ids += (0x1e10...0x1e1f).map { UInt16($0) }                   // Pantherpoint
        ids += (0x8c10...0x8c1f).map { UInt16($0) }                   // Lynxpoint-H
        ids += (0x9c10...0x9c1b).map { UInt16($0) }                   // Lynxpoint-LP
        ids += (0x9c90...0x9c9b).map { UInt16($0) }                   // Wildcat
        ids += stride(from: 0x1d10, through: 0x1d1e, by: 2).map { UInt16($0) }   // Patsburg (X79)
        ids += (0x8d10...0x8d1e).map { UInt16($0) }                   // Wellsburg (X99)
        ids += stride(from: 0x8c90, through: 0x8c9e, by: 2).map { UInt16($0) }   // Lynx Point (9 series)
        return Set(ids)
    }()

    /// Linux 6.1's `pci_dev_acs_enabled[]` and DMA-alias quirks (Debian linux-source-6.1, 6.1.192),
    /// in table order. Modelled: every entry that decides from ids and port type alone. Not modelled
    /// (they read vendor registers or platform state; such devices fall back to the generic rules and
    /// the audit says so): pci_quirk_intel_spt_pch_acs, pci_quirk_qcom_rp_acs, pci_quirk_cavium_acs,
    /// pci_quirk_xgene_acs, pci_quirk_brcm_acs, pci_quirk_loongson_acs, pci_quirk_al_acs,
    /// pci_quirk_zhaoxin_pcie_ports_acs, pci_quirk_wangxun_nic_acs, pci_quirk_nxp_rp_acs.
    public static let linux6_1 = KernelQuirks(
        kernelVersion: "6.1",
        acsRules: [
            // pci_quirk_amd_sb_acs: with an AMD IOMMU present the SB ports report RR|CR, all the
            // kernel asks of them (it masks the request to RR|CR|EC|DT first).
            ids(0x1002, [0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399], kernelRequired, "pci_quirk_amd_sb_acs"),
            ids(0x1022, [0x780f, 0x7809], kernelRequired, "pci_quirk_amd_sb_acs"),
            ids(0x1924, [0x0903, 0x0923, 0x0a03], mfEndpoint, "pci_quirk_mf_endpoint_acs"),
            ids(0x8086, [0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc,
                         0x1507, 0x1514, 0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558,
                         0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527,          // 82580
                         0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526,  // 82576
                         0x10a7, 0x10a9, 0x10d6,                                          // 82575
                         0x1521, 0x1522, 0x1523, 0x1524,                                  // I350
                         0x105e, 0x105f, 0x1060, 0x10d9,                                  // 82571
                         0x15b7, 0x15b8],                                                 // I219
                mfEndpoint, "pci_quirk_mf_endpoint_acs"),
            // pci_quirk_rciep_acs: Intel RCiEPs allow peer-to-peer only on translated addresses.
            ACSRule(vendor: 0x8086, matches: { $0.pcieType == .rcEndpoint }, flags: kernelRequired,
                    name: "pci_quirk_rciep_acs"),
            // pci_quirk_intel_pch_acs: assumes the kernel enabled the quirk's ACS at boot, which it
            // does whenever an IOMMU is enabled (PCI_DEV_FLAGS_ACS_ENABLED_QUIRK).
            ACSRule(vendor: 0x8086, matches: { n in
                        n.pcieType == .rootPort && intelPCHRootPorts.contains(n.deviceID) },
                    flags: kernelRequired, name: "pci_quirk_intel_pch_acs"),
            ids(0x19a2, [0x0710], mfEndpoint, "pci_quirk_mf_endpoint_acs"),
            ids(0x10df, [0x0720], mfEndpoint, "pci_quirk_mf_endpoint_acs"),
            ids(0x177d, [0xa026, 0xa059, 0xa060], mfEndpoint, "pci_quirk_mf_endpoint_acs"),
            ids(0x14e4, [0x16d7, 0x1750, 0x1751, 0x1752, 0x1760, 0x1761, 0x1762, 0x1763], mfEndpoint,
                "pci_quirk_mf_endpoint_acs"),
            ids(0x1d17, [0x3038], mfEndpoint, "pci_quirk_mf_endpoint_acs"),
        ],
        aliasRules: aliasRules6_1
    )
}

/// quirk_dma_func0_alias and quirk_dma_func1_alias of Linux 6.1: devices that issue DMA with the
/// requester id of another function of their slot. (quirk_fixed_dma_alias, quirk_mic_x200_dma_alias,
/// quirk_pex_vca_alias and quirk_use_pcie_bridge_dma_alias are not modelled.)
private let aliasRules6_1: [KernelQuirks.AliasRule] = {
    typealias R = KernelQuirks.AliasRule
    var rules: [R] = []
    for (v, d) in [(0x1180, 0xe832), (0x1180, 0xe476), (0x6766, 0x3d40), (0x6766, 0x3d41)] as [(UInt16, UInt16)] {
        rules.append(R(vendor: v, device: d, aliasFunctions: [0], name: "quirk_dma_func0_alias"))
    }
    let func1: [(UInt16, UInt16)] = [
        (0x1b4b, 0x9120), (0x1b4b, 0x9123), (0x1b4b, 0x9125), (0x1b4b, 0x9128), (0x1b4b, 0x9130),
        (0x1b4b, 0x9170), (0x1b4b, 0x9172), (0x1b4b, 0x917a), (0x1b4b, 0x9182), (0x1b4b, 0x9183),
        (0x1b4b, 0x91a0), (0x1b4b, 0x9215), (0x1b4b, 0x9220), (0x1b4b, 0x9230), (0x1b4b, 0x9235),
        (0x1103, 0x0642), (0x1103, 0x0645), (0x197b, 0x2392), (0x1c28, 0x0122),
    ]
    for (v, d) in func1 { rules.append(R(vendor: v, device: d, aliasFunctions: [1], name: "quirk_dma_func1_alias")) }
    return rules
}()
