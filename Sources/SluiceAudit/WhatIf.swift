import SluicePCI

/// What-if questions for the predictor: how would the groups look if this bridge had ACS
/// (a firmware option, another slot, another board)? Answers come from topology alone.
extension GroupPredictor {
    /// The groups with full ACS (SV|RR|CR|UF enabled) assumed on `bridges`.
    public func assumingACS(on bridges: Set<PCIAddress>) -> GroupPredictor {
        let nodes = order.compactMap { id -> Node? in
            guard var n = self.nodes[id] else { return nil }
            if bridges.contains(id) {
                let all = ACSFlags.required.rawValue | ACSFlags.translationBlocking.rawValue
                n.acs = (capability: all, control: all)
            }
            return n
        }
        return GroupPredictor(nodes: nodes, quirks: quirks)
    }

    /// The predicted group of `device` (its members), or nil if unknown.
    public func group(of device: PCIAddress) -> Group? {
        predict().first { $0.members.contains(device) }
    }

    /// Is `device` alone (the only endpoint) in its predicted group? Bridges do not count: they
    /// stay with pcieport.
    public func isAlone(_ device: PCIAddress) -> Bool {
        guard let g = group(of: device) else { return false }
        return g.members.allSatisfy { $0 == device || nodes[$0].map { ($0.classCode >> 8) == 0x0604 } == true }
    }
}
