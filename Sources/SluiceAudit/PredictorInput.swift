import SluicePCI

extension GroupPredictor.Node {
    /// What the predictor needs of a scanned device.
    public init(_ d: PCIDevice) {
        let express = d.config.express
        var secondary: UInt8? = nil
        if case .bridge(let b)? = d.config.header?.layout { secondary = b.secondaryBus }
        self.init(id: d.address, upstreamBridge: d.upstream.last,
                  pcieType: express.flatMap { GroupPredictor.PCIeType(rawValue: $0.rawPortType) },
                  multifunction: d.config.header?.isMultiFunction ?? false,
                  acs: d.config.acs.map { (capability: $0.capability.rawValue, control: $0.control.rawValue) },
                  secondaryBus: secondary, vendorID: d.vendorID, deviceID: d.deviceID, classCode: d.classCode)
    }
}

extension GroupPredictor {
    /// `pdev->multifunction` is the header bit, but pci_scan_slot() also sets it on every
    /// function of a slot where more than one function answered at scan time: mirror that.
    /// SR-IOV VFs are added later by pci_iov_add_virtfn(), which clears it.
    public init(devices: [PCIDevice], quirks: KernelQuirks = .linux6_1) {
        // By index through the buffer: iterating the array would copy every device whole.
        let nodes = devices.withUnsafeBufferPointer { devices in
            var perSlot: [PCIAddress: Int] = [:]
            for i in devices.indices where !devices[i].isVirtualFunction { perSlot[devices[i].address.withFunction(0), default: 0] += 1 }
            return devices.indices.map { i in
                var n = Node(devices[i])
                if devices[i].isVirtualFunction { n.multifunction = false }
                else if perSlot[devices[i].address.withFunction(0), default: 0] > 1 { n.multifunction = true }
                return n
            }
        }
        self.init(nodes: nodes, quirks: quirks)
    }

    /// The prediction compared with the kernel's groups: pairs of (kernel group id, predicted
    /// members) that differ. Empty when they agree exactly.
    public func differences(from kernel: [HostSnapshot.KernelGroup]) -> [(kernel: [PCIAddress], predicted: [PCIAddress])] {
        let predicted = predict().map { Set($0.members) }
        var seen = Set<Set<PCIAddress>>()
        var out: [(kernel: [PCIAddress], predicted: [PCIAddress])] = []
        for g in kernel {
            let k = Set(g.devices)
            guard let first = g.devices.first else { continue }
            let p = predicted.first { $0.contains(first) } ?? []
            if k != p, seen.insert(k).inserted { out.append((g.devices, p.sorted())) }
        }
        return out
    }

    /// The sentence for a reason.
    public func explain(_ r: Reason) -> String {
        switch r {
        case .upstreamWithoutACS(let b, let missing):
            let what = missing.isEmpty ? "ACS" : "ACS \(missing.names.joined(separator: "|"))"
            return "\(b) is upstream without \(what) enabled: devices below it can reach each other without the IOMMU seeing it"
        case .bridgeAlias(let b):
            return "\(b) is a PCIe-to-PCI/conventional bridge: every device behind it DMAs with one requester id"
        case .multifunctionWithoutACS(let peer):
            return "multifunction device without ACS: functions of one slot (e.g. \(peer)) may talk peer to peer"
        case .dmaAliasQuirk(let alias):
            return "a kernel DMA-alias quirk: the device also DMAs as \(alias)"
        }
    }
}
