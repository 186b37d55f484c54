import Testing
@testable import SluiceAudit

/// Unit tests of the predictor's rules on small hand-built topologies. The check against the
/// kernel's own groups runs on the captured lab trees (AuditFixtureTests).
@Suite struct GroupPredictorRules {
    typealias N = GroupPredictor.Node
    static func a(_ bus: UInt8, _ dev: UInt8, _ fn: UInt8) -> PCIAddressKey { PCIAddressKey(bus: bus, device: dev, function: fn)! }
    static let fullACS: (UInt16, UInt16) = (0x1f, 0x1f)

    static func node(_ id: PCIAddressKey, up: PCIAddressKey? = nil, type: GroupPredictor.PCIeType? = .endpoint,
                     mf: Bool = false, acs: (UInt16, UInt16)? = nil, sec: UInt8? = nil,
                     vendor: UInt16 = 0x1234, device: UInt16 = 0x1, cls: UInt32 = 0x020000) -> N {
        N(id: id, upstreamBridge: up, pcieType: type, multifunction: mf, acs: acs.map { (capability: $0.0, control: $0.1) },
          secondaryBus: sec, vendorID: vendor, deviceID: device, classCode: cls)
    }

    func partition(_ nodes: [N]) -> Set<Set<String>> {
        Set(GroupPredictor(nodes: nodes).predict().map { Set($0.members.map(\.description)) })
    }

    @Test func rootPortWithACSIsolatesItsEndpoint() {
        let rp = Self.a(0, 2, 0), ep = Self.a(1, 0, 0)
        let p = partition([Self.node(rp, type: .rootPort, acs: Self.fullACS, sec: 1, cls: 0x060400),
                           Self.node(ep, up: rp)])
        #expect(p == [["0000:00:02.0"], ["0000:01:00.0"]])
    }

    @Test func rootPortWithoutACSSharesWithEverythingBelow() {
        let rp = Self.a(0, 2, 0)
        let p = partition([Self.node(rp, type: .rootPort, sec: 1, cls: 0x060400),
                           Self.node(Self.a(1, 0, 0), up: rp), Self.node(Self.a(1, 0, 1), up: rp, mf: true)])
        #expect(p == [["0000:00:02.0", "0000:01:00.0", "0000:01:00.1"]])
    }

    @Test func disabledACSControlCountsAsMissing() {
        let rp = Self.a(0, 2, 0)
        let g = GroupPredictor(nodes: [Self.node(rp, type: .rootPort, acs: (0x1f, 0x00), sec: 1, cls: 0x060400),
                                       Self.node(Self.a(1, 0, 0), up: rp)]).predict()
        #expect(g.count == 1)
        #expect(g[0].reasons.contains(.upstreamWithoutACS(bridge: rp, missing: .required)))
    }

    @Test func acsFlagsNotImplementedAreNotRequired() {
        // A downstream port that implements only SV|RR|CR (no UF capability) and enables them passes.
        let rp = Self.node(Self.a(0, 2, 0), type: .rootPort, acs: Self.fullACS, sec: 1, cls: 0x060400)
        let dsp = Self.node(Self.a(1, 0, 0), up: rp.id, type: .downstreamPort, acs: (0x0d, 0x0d), sec: 2, cls: 0x060400)
        #expect(GroupPredictor(nodes: [rp, dsp]).missingACS(dsp) == [])
    }

    @Test func multifunctionWithoutACSSharesTheSlot() {
        // ICH9 on QEMU's q35: 00:1f.0/.2/.3 conventional functions of one slot.
        let p = partition([Self.node(Self.a(0, 0x1f, 0), type: nil, mf: true, vendor: 0x8086, device: 0x2918),
                           Self.node(Self.a(0, 0x1f, 2), type: nil, mf: true, vendor: 0x8086, device: 0x2922),
                           Self.node(Self.a(0, 0x1f, 3), type: nil, mf: true, vendor: 0x8086, device: 0x2930),
                           Self.node(Self.a(0, 0x01, 0), type: nil)])
        #expect(p == [["0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3"], ["0000:00:01.0"]])
    }

    @Test func singleFunctionEndpointsNeedNoACS() {
        let p = partition([Self.node(Self.a(0, 3, 0)), Self.node(Self.a(0, 4, 0))])
        #expect(p.count == 2)
    }

    @Test func pcieToPCIBridgeAliasesEverythingBehindIt() {
        let rp = Self.a(0, 2, 0), br = Self.a(1, 0, 0)
        let p = partition([Self.node(rp, type: .rootPort, acs: Self.fullACS, sec: 1, cls: 0x060400),
                           Self.node(br, up: rp, type: .pcieToPCIBridge, sec: 2, cls: 0x060400),
                           Self.node(Self.a(2, 1, 0), up: br, type: nil), Self.node(Self.a(2, 2, 0), up: br, type: nil)])
        #expect(p == [["0000:00:02.0"], ["0000:01:00.0", "0000:02:01.0", "0000:02:02.0"]])
    }

    @Test func switchPortWithoutACSKeepsItsEndpoint() {
        let rp = Self.a(0, 2, 0), usp = Self.a(1, 0, 0), d1 = Self.a(2, 0, 0), d2 = Self.a(2, 1, 0)
        let nodes = [Self.node(rp, type: .rootPort, acs: Self.fullACS, sec: 1, cls: 0x060400),
                     Self.node(usp, up: rp, type: .upstreamPort, sec: 2, cls: 0x060400),
                     Self.node(d1, up: usp, type: .downstreamPort, sec: 3, cls: 0x060400),
                     Self.node(d2, up: usp, type: .downstreamPort, sec: 4, cls: 0x060400),
                     Self.node(Self.a(3, 0, 0), up: d1), Self.node(Self.a(4, 0, 0), up: d2)]
        // pci_device_group() stops at the first bridge whose own path to the root has ACS: for an
        // endpoint that is its downstream port's upstream port, so each port keeps its endpoint.
        #expect(partition(nodes) == [["0000:00:02.0"], ["0000:01:00.0"], ["0000:02:00.0", "0000:03:00.0"],
                                     ["0000:02:01.0", "0000:04:00.0"]])
        // With ACS on both downstream ports, each endpoint is alone, and so is each port.
        var withACS = nodes
        withACS[2].acs = (0x1f, 0x1f); withACS[3].acs = (0x1f, 0x1f)
        #expect(partition(withACS).count == 6)
    }

    @Test func intelPCHQuirkSatisfiesACS() {
        let rp = Self.node(Self.a(0, 0x1c, 0), type: .rootPort, mf: true, sec: 1, vendor: 0x8086, device: 0x8c10, cls: 0x060400)
        let predictor = GroupPredictor(nodes: [rp])
        #expect(predictor.missingACS(rp) == [])
        #expect(predictor.quirks.acsQuirk(for: rp)?.name == "pci_quirk_intel_pch_acs")
    }

    @Test func dmaAliasQuirkJoinsFunctionOne() {
        // A Marvell 88SE9128 that DMAs as function 1 of its slot shares a group with function 1.
        let rp = Self.a(0, 2, 0)
        let p = partition([Self.node(rp, type: .rootPort, acs: Self.fullACS, sec: 1, cls: 0x060400),
                           Self.node(Self.a(1, 0, 0), up: rp, mf: true, acs: Self.fullACS, vendor: 0x1b4b, device: 0x9128),
                           Self.node(Self.a(1, 0, 1), up: rp, mf: true, acs: Self.fullACS, vendor: 0x1b4b, device: 0x91a4)])
        #expect(p == [["0000:00:02.0"], ["0000:01:00.0", "0000:01:00.1"]])
    }

    @Test(.timeLimit(.minutes(1))) func cyclicTopologyTerminates() {
        // A lying tree where two bridges name each other as upstream must not hang.
        let b1 = Self.a(1, 0, 0), b2 = Self.a(2, 0, 0)
        let p = partition([Self.node(b1, up: b2, type: .downstreamPort, sec: 2, cls: 0x060400),
                           Self.node(b2, up: b1, type: .downstreamPort, sec: 1, cls: 0x060400)])
        #expect(p.count >= 1)
    }
}
