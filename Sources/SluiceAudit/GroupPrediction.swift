/// The predictor's nodes as arrays in address order. Functions of one slot, and of one bus, are
/// then runs of neighbours, upstream bridges are indices, and each node's ACS answer is worked
/// out once: the prediction asks these questions many times per node, and on a tree of
/// thousands of functions dictionary lookups and sets built per question were most of its cost.
struct PredictorTable: Sendable {
    let ids: [PCIAddressKey]
    let nodes: [GroupPredictor.Node]
    let index: [PCIAddressKey: Int]
    /// Index of the bridge whose secondary bus the node sits on; -1 on a root bus or when that
    /// bridge is not among the nodes.
    let upstream: [Int]
    /// `missingACS` of each node; `acsEnabled` is whether that leaves nothing missing.
    let missing: [GroupPredictor.ACSFlags?]
    let acsEnabled: [Bool]
    /// First index and end index of each node's slot (same domain, bus and device) and bus.
    let slotStart: [Int], slotEnd: [Int]
    let busStart: [Int], busEnd: [Int]
    /// Nodes of a vendor with DMA-alias quirks, per bus (keyed by the bus's first index): two
    /// functions can be aliases only if one of them is such a function, so most searches look at none.
    let aliasVendor: [Bool]
    let aliasQuirkNodesOnBus: [Int: [Int]]

    init(nodes map: [PCIAddressKey: GroupPredictor.Node], order: [PCIAddressKey],
         missingACS: (GroupPredictor.Node) -> GroupPredictor.ACSFlags?, aliasVendors: Set<UInt16>) {
        var ids: [PCIAddressKey] = []
        ids.reserveCapacity(order.count)
        for id in order where ids.last != id { ids.append(id) }    // `order` keeps duplicates
        self.ids = ids
        nodes = ids.map { map[$0]! }
        var index = [PCIAddressKey: Int](minimumCapacity: ids.count)
        for (i, id) in ids.enumerated() { index[id] = i }
        self.index = index
        upstream = nodes.map { n in n.upstreamBridge.flatMap { index[$0] } ?? -1 }
        missing = nodes.map(missingACS)
        acsEnabled = missing.map { ($0 ?? []).isEmpty }
        aliasVendor = nodes.map { aliasVendors.contains($0.vendorID) }

        let n = ids.count
        var slotStart = [Int](repeating: 0, count: n), slotEnd = slotStart, busStart = slotStart, busEnd = slotStart
        var i = 0
        while i < n {
            var j = i
            while j < n, ids[j].domain == ids[i].domain, ids[j].bus == ids[i].bus { j += 1 }
            for k in i..<j { busStart[k] = i; busEnd[k] = j }
            var s = i
            while s < j {
                var e = s
                while e < j, ids[e].device == ids[s].device { e += 1 }
                for k in s..<e { slotStart[k] = s; slotEnd[k] = e }
                s = e
            }
            i = j
        }
        (self.slotStart, self.slotEnd, self.busStart, self.busEnd) = (slotStart, slotEnd, busStart, busEnd)
        var aliasOnBus: [Int: [Int]] = [:]
        for k in 0..<n where aliasVendor[k] { aliasOnBus[busStart[k], default: []].append(k) }
        aliasQuirkNodesOnBus = aliasOnBus
    }

    var count: Int { ids.count }
}

extension GroupPredictor {
    // MARK: Groups, as pci_device_group() forms them in probe order

    public func predict() -> [Group] {
        var run = PredictionRun(self)
        return run.predict()
    }
}

/// One prediction's working state: groups so far, and a visit mark per node for each kind of
/// walk (a walk stops where it has been, as the kernel's loops cannot revisit; a hostile
/// capture can still make a cycle).
private struct PredictionRun {
    let predictor: GroupPredictor
    let t: PredictorTable
    var groupOf: [Int]
    var groups: [GroupPredictor.Group] = []
    /// Per-walk visit marks: a node is visited in the current walk when its mark equals the
    /// walk's number, so no set is built per walk.
    var aliasMark: [Int], upstreamMark: [Int], pathMark: [Int], devfnMark: [Int]
    var walk = 0
    /// Scratch for each node's DMA-alias owners.
    var owners: [(owner: Int, reason: GroupPredictor.Reason?)] = []

    init(_ p: GroupPredictor) {
        predictor = p
        t = p.table
        groupOf = [Int](repeating: -1, count: t.count)
        aliasMark = groupOf; upstreamMark = groupOf; pathMark = groupOf; devfnMark = groupOf
    }

    mutating func nextWalk() -> Int { walk += 1; return walk }

    mutating func predict() -> [GroupPredictor.Group] {
        for i in 0..<t.count where groupOf[i] < 0 {
            // 1. The device or one of its DMA aliases already has a group.
            collectAliasOwners(of: i)
            if let hit = owners.first(where: { groupOf[$0.owner] >= 0 }) {
                join(i, groupOf[hit.owner], hit.reason)
                continue
            }
            var pdev = owners.last!.owner
            var pending = owners.compactMap(\.reason)

            // 2. Up from the alias to the first bridge with ACS on the whole path to the root.
            let upWalk = nextWalk()
            var b = t.upstream[pdev]
            var upstreamGroup: Int? = nil
            while b >= 0, upstreamMark[b] != upWalk {
                upstreamMark[b] = upWalk
                if acsPathEnabled(from: b) { break }
                pending.append(.upstreamWithoutACS(bridge: t.ids[b], missing: t.missing[b] ?? []))
                pdev = b
                if groupOf[b] >= 0 { upstreamGroup = groupOf[b]; break }
                b = t.upstream[b]
            }
            if let g = upstreamGroup {
                join(i, g, nil)
                for r in pending { groups[g].reasons.insert(r) }
                continue
            }

            // 3. Existing groups of alias peers and of slot functions without ACS.
            let devfnWalk = nextWalk()
            if let (g, reason) = aliasGroup(pdev, devfnWalk) ?? functionAliasGroup(pdev, devfnWalk) {
                join(i, g, reason)
                for r in pending { groups[g].reasons.insert(r) }
                continue
            }

            // 4. A new group.
            groups.append(GroupPredictor.Group(members: [], reasons: Set(pending)))
            join(i, groups.count - 1, nil)
            // Bridges on the non-ACS path are grouped when they are probed themselves; the
            // kernel probes in bus order, so an upstream bridge was always probed first.
        }
        return groups
    }

    mutating func join(_ i: Int, _ g: Int, _ reason: GroupPredictor.Reason?) {
        groups[g].members.append(t.ids[i])
        if let reason { groups[g].reasons.insert(reason) }
        groupOf[i] = g
    }

    /// `pci_acs_path_enabled(start, NULL, REQ_ACS_FLAGS)`.
    mutating func acsPathEnabled(from start: Int) -> Bool {
        let w = nextWalk()
        var i = start
        while i >= 0, pathMark[i] != w {
            pathMark[i] = w
            if !t.acsEnabled[i] { return false }
            i = t.upstream[i]
        }
        return true
    }

    /// The functions whose requester ids this function's DMA may carry, nearest first, into
    /// `owners` (as `pci_for_each_dma_alias` walks them). Each is the device that owns the
    /// alias (for a PCIe-to-PCI bridge: the bridge).
    mutating func collectAliasOwners(of i: Int) {
        owners.removeAll(keepingCapacity: true)
        owners.append((i, nil))
        if t.aliasVendor[i] {
            for alias in predictor.quirks.dmaAliases(of: t.ids[i], nodes: predictor.nodes) {
                if let a = t.index[alias] { owners.append((a, .dmaAliasQuirk(alias: alias))) }
            }
        }
        let w = nextWalk()
        aliasMark[i] = w
        var b = t.upstream[i]
        while b >= 0, aliasMark[b] != w {
            aliasMark[b] = w
            switch t.nodes[b].pcieType {
            case .rootPort?, .upstreamPort?, .downstreamPort?:
                break
            default:    // PCIe-to-PCI(X), PCI(X)-to-PCIe, conventional bridges own the requester id
                owners.append((b, .bridgeAlias(bridge: t.ids[b])))
            }
            b = t.upstream[b]
        }
    }

    /// `get_pci_alias_group`.
    mutating func aliasGroup(_ i: Int, _ w: Int) -> (Int, GroupPredictor.Reason?)? {
        guard devfnMark[i] != w else { return nil }
        devfnMark[i] = w
        if groupOf[i] >= 0 { return (groupOf[i], nil) }
        let node = t.nodes[i]
        let candidates: [Int] = t.aliasVendor[i] ? Array(t.busStart[i]..<t.busEnd[i])
            : (t.aliasQuirkNodesOnBus.isEmpty ? [] : t.aliasQuirkNodesOnBus[t.busStart[i]] ?? [])
        for other in candidates where other != i {
            guard predictor.quirks.areDMAAliases(node, t.nodes[other], nodes: predictor.nodes) else { continue }
            if let hit = aliasGroup(other, w) { return (hit.0, .dmaAliasQuirk(alias: t.ids[other])) }
            if let hit = functionAliasGroup(other, w) { return hit }
        }
        return nil
    }

    /// `get_pci_function_alias_group`.
    mutating func functionAliasGroup(_ i: Int, _ w: Int) -> (Int, GroupPredictor.Reason?)? {
        guard t.nodes[i].multifunction, !t.acsEnabled[i] else { return nil }
        for other in t.slotStart[i]..<t.slotEnd[i] where other != i && !t.acsEnabled[other] {
            if let hit = aliasGroup(other, w) { return (hit.0, .multifunctionWithoutACS(slotPeer: t.ids[other])) }
        }
        return nil
    }
}
