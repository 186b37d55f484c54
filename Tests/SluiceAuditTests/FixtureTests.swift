import Testing
@testable import SluiceAudit
import SluicePCI

/// The audit on real captured trees (Tests/Fixtures/sysfs/*/SOURCE.md says how each was made):
/// the predictor must form exactly the kernel's groups, and the verdicts must follow.
@Suite struct AuditFixtureTests {
    static let fixtures: String = {
        var path = #filePath
        while let slash = path.lastIndex(of: "/") {
            path = String(path[..<slash])
            if path.hasSuffix("/Tests") { return path + "/Fixtures/sysfs" }
        }
        return "Tests/Fixtures/sysfs"
    }()

    static let names = ["handmade-desktop-gpu", "handmade-dual-socket", "host-nested-kvm", "q35-amd-iommu", "q35-default", "q35-host-drivers", "q35-intremap-off",
                        "q35-iommu-off", "q35-multifunction", "q35-nvme-sriov", "q35-pci-bridge", "q35-pxb",
                        "q35-scalable", "q35-switch"]

    static func audit(_ name: String) throws -> (HostSnapshot, AuditReport) {
        let s = try HostSnapshot.read(root: fixtures + "/" + name)
        return (s, Auditor().audit(s))
    }

    @Test(arguments: names)
    func predictorFormsTheKernelsGroups(_ name: String) throws {
        let s = try HostSnapshot.read(root: Self.fixtures + "/" + name)
        let predictor = GroupPredictor(devices: s.pci.devices)
        let diffs = predictor.differences(from: s.groups)
        for d in diffs {
            Issue.record("\(name): kernel group \(d.kernel.map(\.description)) but predicted \(d.predicted.map(\.description))")
        }
        // Every device the kernel grouped is predicted in exactly one group.
        let predicted = predictor.predict().flatMap(\.members)
        #expect(Set(predicted).count == predicted.count)
    }

    func verdict(_ r: AuditReport, _ a: String) -> DeviceVerdict? { r.devices.first { $0.address == a } }
    func check(_ r: AuditReport, _ id: String) -> PlatformCheck? { r.checks.first { $0.id == id } }

    @Test func ich9GroupWithHostDriversIsAssignableOnlyTogether() throws {
        let (_, r) = try Self.audit("q35-host-drivers")
        let lpc = try #require(verdict(r, "0000:00:1f.2"))
        #expect(lpc.verdict == .assignableWithGroup)
        #expect(Set(lpc.groupPeers) == ["0000:00:1f.0", "0000:00:1f.3"])
        let group = try #require(r.groups.first { $0.members.contains("0000:00:1f.2") })
        #expect(!group.viable)
        #expect(group.predictionMatches == true)
        #expect(verdict(r, "0000:01:00.0")?.verdict == .assignable)
        #expect(verdict(r, "0000:00:02.0")?.verdict == .blocked)        // a root port
        #expect(verdict(r, "0000:00:00.0")?.verdict == .blocked)        // the host bridge
        #expect(verdict(r, "0000:00:01.0")?.hostCritical.contains { $0.contains("boot VGA") } == true)
        #expect(check(r, "iommu.enabled")?.status == .pass)
        #expect(check(r, "irq-remapping.enabled")?.status == .pass)
    }

    @Test func iommuOffBlocksEverything() throws {
        let (_, r) = try Self.audit("q35-iommu-off")
        #expect(check(r, "iommu.enabled")?.status == .fail)
        #expect(r.devices.allSatisfy { $0.verdict == .blocked })
        #expect(r.groups.isEmpty)
    }

    /// Groups with no remapping unit (VFIO no-IOMMU mode makes such groups; a capture may lack
    /// /sys/class/iommu): blocked, and the reason names the group rather than denying it.
    @Test func groupsWithoutAnIOMMUAreNotCalledMissing() throws {
        var s = try HostSnapshot.read(root: Self.fixtures + "/q35-default")
        s.units = []
        let r = Auditor().audit(s)
        let nic = try #require(verdict(r, "0000:01:00.0"))
        let group = try #require(nic.group)
        #expect(nic.verdict == .blocked)
        #expect(nic.reasons.contains { $0.hasPrefix("IOMMU group \(group) but no IOMMU enabled") })
        #expect(!nic.reasons.contains { $0.hasPrefix("no IOMMU group") })
        #expect(check(r, "iommu.enabled")?.status == .fail)
    }

    @Test func intremapOffIsCaught() throws {
        let (_, r) = try Self.audit("q35-intremap-off")
        #expect(check(r, "irq-remapping.enabled")?.status == .fail)
        #expect(verdict(r, "0000:01:00.0")?.verdict == .blocked)
    }

    @Test func pciBridgeAliasIsExplained() throws {
        let (_, r) = try Self.audit("q35-pci-bridge")
        let g = try #require(r.groups.first { $0.members.contains("0000:02:01.0") })
        #expect(g.members.count == 3)
        #expect(g.why.contains { $0.contains("PCIe-to-PCI") })
        #expect(g.predictionMatches == true)
    }

    @Test func liveHostRootFilesystemAndRouteAreHostCritical() throws {
        let (_, r) = try Self.audit("host-nested-kvm")
        #expect(verdict(r, "0000:00:02.0")?.hostCritical.contains { $0.contains("root filesystem") } == true)
        #expect(verdict(r, "0000:00:03.0")?.hostCritical.contains { $0.contains("network route") } == true)
        #expect(check(r, "iommu.enabled")?.status == .fail)
    }

    @Test func amdIOMMUIsRecognised() throws {
        let (s, r) = try Self.audit("q35-amd-iommu")
        #expect(s.ivrs != nil)
        #expect(r.units.contains { $0.kind == "amd-vi" })
        #expect(check(r, "iommu.firmware")?.summary.contains("IVRS") == true)
    }

    @Test func scalableModeIsDecoded() throws {
        let (_, r) = try Self.audit("q35-scalable")
        #expect(r.units.first?.features.contains("scalable mode") == true)
    }

    /// Hand-made tree (SOURCE.md): GTX 1080 + HDMI audio behind a CPU root port without ACS, NVMe with
    /// the root filesystem behind a 9-series PCH root port that only the kernel's quirk isolates.
    @Test func desktopGPUSharesItsGroupAndTheBootVGAStaysWithTheHost() throws {
        let (s, r) = try Self.audit("handmade-desktop-gpu")
        let gpu = try #require(verdict(r, "0000:01:00.0"))
        #expect(gpu.groupPeers == ["0000:01:00.1"])                   // the audio function; the port is a bridge
        #expect(gpu.hostCritical.contains { $0.contains("boot VGA") })
        #expect(gpu.verdict == .blocked)                               // the host's console display
        let audio = try #require(verdict(r, "0000:01:00.1"))
        #expect(audio.groupPeers == ["0000:01:00.0"])
        #expect(audio.verdict == .blocked)
        #expect(audio.reasons.contains { $0.contains("0000:01:00.0") && $0.contains("boot VGA") })
        let group = try #require(r.groups.first { $0.members.contains("0000:01:00.0") })
        #expect(Set(group.members) == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"])
        #expect(group.predictionMatches == true)
        let nvme = try #require(verdict(r, "0000:03:00.0"))
        #expect(nvme.verdict == .blocked)
        #expect(nvme.hostCritical.contains { $0.contains("root filesystem") })
        // The PCH ports of slot 1c have no ACS capability: only pci_quirk_intel_pch_acs keeps them apart.
        let p = GroupPredictor(devices: s.pci.devices)
        let portAddress = try #require(PCIAddress("0000:00:1c.4"))
        let port = try #require(s.pci.device(portAddress))
        #expect(port.config.acs == nil)
        #expect(p.quirks.acsQuirk(for: GroupPredictor.Node(port))?.name == "pci_quirk_intel_pch_acs")
        let nvmeAddress = try #require(PCIAddress("0000:03:00.0"))
        #expect(p.group(of: nvmeAddress)?.members == [nvmeAddress])
        #expect(check(r, "irq-remapping.enabled")?.status == .pass)
        #expect(check(r, "iommu.enabled")?.status == .pass)
    }

    /// Hand-made tree (SOURCE.md): two sockets, an X710 on each socket's root port (ACS).
    @Test func dualSocketNICsAreAloneAndOnTheirNodes() throws {
        let (_, r) = try Self.audit("handmade-dual-socket")
        // The audit does not read NUMA nodes (it judges nothing by them); the scan does.
        let scan = try PCIScanner(root: Self.fixtures + "/handmade-dual-socket").scan()
        let nodes: [String: Int] = ["0000:00:02.0": 0, "0000:01:00.0": 0, "0000:01:00.1": 0,
                                    "0000:80:02.0": 1, "0000:81:00.0": 1, "0000:81:00.1": 1]
        for (a, node) in nodes {
            let address = try #require(PCIAddress(a))
            #expect(scan.device(address)?.numaNode == node, "\(a)")
        }
        for a in ["0000:01:00.0", "0000:01:00.1", "0000:81:00.0", "0000:81:00.1"] {
            let v = try #require(verdict(r, a))
            #expect(v.verdict == .assignable, "\(a)")
            #expect(v.groupPeers.isEmpty, "\(a)")
            let g = try #require(r.groups.first { $0.members.contains(a) })
            #expect(g.members == [a])
            #expect(g.predictionMatches == true)
        }
        #expect(Set(r.devices.compactMap(\.group)).count == 7)
        #expect(r.units.count == 2)
    }

    /// `audit(root:)` (what the CLI runs: prediction and names made beside the snapshot, names
    /// applied after) says exactly what auditing a snapshot read whole says.
    @Test(arguments: names)
    func auditingARootEqualsAuditingItsSnapshot(_ name: String) throws {
        let (s, r) = try Self.audit(name)
        let (s2, r2) = try Auditor().audit(root: Self.fixtures + "/" + name)
        #expect(AuditJSON.render(r2) == AuditJSON.render(r))
        #expect(s2.problems == s.problems && s2.pci.problems == s.pci.problems && s2.pci.namesResolved)
        #expect(s2.pci.devices.map { [$0.vendorName, $0.deviceName, $0.subsystemName, $0.className, $0.progIfName] }
                == s.pci.devices.map { [$0.vendorName, $0.deviceName, $0.subsystemName, $0.className, $0.progIfName] })
        #expect(r2.devices.contains { !$0.description.hasPrefix("[") })  // names were looked up
    }

    @Test(arguments: names)
    func everyDeviceGetsOneVerdict(_ name: String) throws {
        let (s, r) = try Self.audit(name)
        #expect(r.devices.count == s.pci.devices.count)
        #expect(Set(r.devices.map(\.address)).count == r.devices.count)
    }
}

@Suite struct WhatIfTests {
    @Test func acsOnSwitchPortsWouldSplitTheirGroups() throws {
        let s = try HostSnapshot.read(root: AuditFixtureTests.fixtures + "/q35-switch")
        let p = GroupPredictor(devices: s.pci.devices)
        let nic = try #require(PCIAddress("0000:03:00.0"))
        let port = try #require(PCIAddress("0000:02:00.0"))
        #expect(p.group(of: nic)?.members.contains(port) == true)
        #expect(p.isAlone(nic))                                  // the port is a bridge: it stays on pcieport
        let withACS = p.assumingACS(on: [port])
        #expect(withACS.group(of: nic)?.members == [nic])
    }

    @Test func ich9FunctionsAreNotAlone() throws {
        let s = try HostSnapshot.read(root: AuditFixtureTests.fixtures + "/q35-default")
        let p = GroupPredictor(devices: s.pci.devices)
        #expect(!p.isAlone(try #require(PCIAddress("0000:00:1f.2"))))
        #expect(p.isAlone(try #require(PCIAddress("0000:01:00.0"))))
    }
}
