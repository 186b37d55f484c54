import SluicePCI
import SluiceACPI

/// The kernel's viability rule (since 5.19, `driver_managed_dma`): a group can be used by VFIO
/// when every member is driverless or bound to a driver that does not do DMA on its own.
enum Viability {
    static func managesDMAItself(_ driver: String?) -> Bool {
        guard let d = driver else { return true }
        return d == "vfio-pci" || d == "pci-stub" || d == "pcieport" || d.hasSuffix("_vfio_pci") || d.hasSuffix("-vfio-pci")
    }
}

/// Per-device judgement from the platform facts, the groups and what the host depends on.
struct VerdictMaker: Sendable {
    let snapshot: HostSnapshot
    let platform: PlatformFacts
    let critical: [PCIAddress: [String]]
    let rmrrDevices: [PCIAddress: String]
    /// Positions, reset domains and the predictor's explanations (made beside the snapshot).
    let tables: ScanTables
    /// Per device (by position): its kernel group's index in `snapshot.groups` (-1: none).
    let groupIndex: [Int32]
    /// Per kernel group: its members other than bridges (the functions that go to VFIO with a device).
    let groupEndpoints: [[PCIAddress]]
    /// The same for every device: made once, not once per device.
    let remappingUnconfirmed: String

    init(snapshot: HostSnapshot, platform: PlatformFacts, tables: ScanTables) {
        self.snapshot = snapshot
        self.platform = platform
        self.tables = tables
        remappingUnconfirmed = "interrupt remapping not confirmed (\(platform.interruptRemapping.detail))"
        critical = HostCritical.find(snapshot)
        let devices = snapshot.pci.devices, position = tables.position
        var groupIndex = [Int32](repeating: -1, count: devices.count)
        var endpoints: [[PCIAddress]] = []
        endpoints.reserveCapacity(snapshot.groups.count)
        for (k, group) in snapshot.groups.enumerated() {
            for d in group.devices { if let i = position[d] { groupIndex[i] = Int32(k) } }
            endpoints.append(group.devices.filter { a in position[a].map { !devices[$0].isBridge } ?? true })
        }
        self.groupIndex = groupIndex
        groupEndpoints = endpoints
        var rmrr: [PCIAddress: String] = [:]
        let regions = platform.dmar?.reservedMemoryRegions ?? []
        // Secondary bus of each bridge, for device scopes that name a path through bridges
        // (only needed, and only built, when the firmware lists RMRRs).
        let bridges = regions.isEmpty ? [:] : Dictionary(snapshot.pci.devices.compactMap { d -> (String, UInt8)? in
            guard case .bridge(let b)? = d.config.header?.layout else { return nil }
            return ("\(d.address.domain):\(d.address.bus):\(d.address.devfn)", b.secondaryBus)
        }, uniquingKeysWith: { a, _ in a })
        for r in regions {
            for scope in r.deviceScopes {
                let resolved = scope.resolve { rid in bridges["\(r.segment):\(rid.bus):\(rid.device << 3 | rid.function)"] }
                if let rid = resolved, let a = PCIAddress(domain: UInt32(r.segment), bus: rid.bus, device: rid.device, function: rid.function) {
                    rmrr[a] = "\(hex64(r.baseAddress))-\(hex64(r.limitAddress))"
                }
            }
        }
        rmrrDevices = rmrr
    }

    func driver(of a: PCIAddress) -> String? { tables.position[a].flatMap { snapshot.pci.devices[$0].driver } }

    /// Why the predictor grouped `a` as it did (empty when it has no explanation).
    func explanation(of a: PCIAddress) -> [String] { tables.position[a].map(tables.explanation(at:)) ?? [] }

    /// The verdict on the device at `i` in `snapshot.pci.devices`.
    func make(at i: Int) -> DeviceVerdict {
        snapshot.pci.devices.withUnsafeBufferPointer { make($0[i], at: i) }
    }

    private func make(_ d: borrowing PCIDevice, at index: Int) -> DeviceVerdict {
        var reasons: [String] = []
        var remedy: String? = nil
        var verdict = DeviceVerdict.Verdict.assignable
        func worsen(_ v: DeviceVerdict.Verdict, _ why: String, _ fix: String?) {
            reasons.append(why)
            if rank(v) > rank(verdict) { verdict = v; remedy = fix ?? remedy } else if remedy == nil { remedy = fix }
        }

        let k = Int(groupIndex[index])
        let groupID: Int? = k >= 0 ? snapshot.groups[k].id : nil
        let endpoints = k >= 0 ? groupEndpoints[k].filter { $0 != d.address } : []

        if let groupID, !platform.iommuEnabled {
            // A group without remapping units: VFIO's no-IOMMU mode makes such groups, and a
            // captured tree may lack /sys/class/iommu. Either way nothing isolates its DMA.
            worsen(.blocked, "IOMMU group \(groupID) but no IOMMU enabled (no remapping unit in /sys/class/iommu): nothing isolates its DMA",
                   "enable the IOMMU (see the platform checks)")
        } else if groupID == nil {
            worsen(.blocked, "no IOMMU group: the IOMMU is off or does not cover this device", "enable the IOMMU (see the platform checks)")
        }
        if d.isBridge {
            worsen(.blocked, "a bridge (type 1 header): vfio-pci takes endpoints only; bridges stay with pcieport", nil)
        }
        if d.baseClass == 0x06 && d.subclass == 0x00 {
            worsen(.blocked, "a host bridge: the chipset's own function, nothing a guest can drive", nil)
        }
        if d.baseClass == 0x06 && d.subclass == 0x01 {
            reasons.append("the ISA/LPC bridge: legacy platform devices (TPM, RTC, keyboard controller) sit behind it")
        }
        if !rmrrDevices.isEmpty, let range = rmrrDevices[d.address] {
            let relaxable = d.baseClass == 0x03 || (d.baseClass == 0x0c && d.subclass == 0x03)
            if relaxable {
                reasons.append("named by an RMRR (\(range)); graphics and USB RMRRs are relaxable, so the kernel allows assignment")
            } else {
                worsen(.blocked, "named by an ACPI RMRR (\(range)): \"ineligible for IOMMU domain attach due to platform RMRR requirement\"",
                       "a firmware setting may drop the RMRR; otherwise this device cannot be assigned")
            }
        }
        let hostNeeds = critical.isEmpty ? nil : critical[d.address]
        if let why = hostNeeds {
            worsen(.blocked, "the host needs it: " + why.joined(separator: "; "), "move that function off this device first, or use --force knowingly")
        }
        for peer in endpoints where !critical.isEmpty {
            if let why = critical[peer] {
                worsen(.blocked, "shares IOMMU group \(groupID!) with \(peer), which the host needs (\(why.joined(separator: "; ")))",
                       "put the device in a slot whose root port has ACS, so it gets a group of its own")
            }
        }
        if platform.noIOMMUMode { worsen(.unsafe, "VFIO no-IOMMU mode: no DMA isolation at all", "unset vfio.enable_unsafe_noiommu_mode") }
        if platform.acsOverride { worsen(.unsafe, "pcie_acs_override: its group is not a real isolation boundary", "remove pcie_acs_override") }
        switch platform.interruptRemapping.state {
        case .disabled where platform.unsafeInterruptsAllowed:
            worsen(.unsafe, "no interrupt remapping and allow_unsafe_interrupts=1: the guest can forge MSIs to the host", "enable interrupt remapping")
        case .disabled:
            worsen(.blocked, "no interrupt remapping: vfio_iommu_type1 refuses to attach a group without isolated MSIs", "enable interrupt remapping")
        case .unknown:
            reasons.append(remappingUnconfirmed)
        case .enabled: break
        }
        if d.removable == "removable" {
            reasons.append("behind an external-facing port (removable): whatever is plugged in there can DMA")
        }
        if let ats = d.config.ats, ats.enabled {
            reasons.append("ATS enabled: the device may send pre-translated requests that the IOMMU passes unchecked")
        }
        if verdict == .assignable, !endpoints.isEmpty {
            verdict = .assignableWithGroup
            let hostDriven = endpoints.filter { !Viability.managesDMAItself(driver(of: $0)) }
            reasons.append("IOMMU group \(groupID!) also holds \(endpoints.map(\.description).joined(separator: ", ")): they go to VFIO together")
            if !hostDriven.isEmpty {
                remedy = "bind the whole group: `sluice bind --group \(d.address)` (unbinds \(hostDriven.map { "\($0) from \(driver(of: $0) ?? "?")" }.joined(separator: ", ")))"
            }
        }
        if verdict == .assignable, !Viability.managesDMAItself(d.driver) {
            remedy = remedy ?? "`sluice bind \(d.address)` (unbinds \(d.driver!))"
        }

        var reset = ResetSummary(methods: d.resetMethods ?? [], functionLevelReset: d.config.express?.supportsFLR ?? false,
                                 pmResetWithoutSoftReset: d.config.powerManagement.map { !$0.noSoftReset } ?? false,
                                 busResetAlsoResets: [])
        if let parent = d.upstream.last {
            let own = d.address.description
            reset.busResetAlsoResets = (tables.below[parent] ?? []).filter { $0 != own }
        }
        if reset.methods.isEmpty && !reset.functionLevelReset && !reset.pmResetWithoutSoftReset {
            reasons.append("no function reset: state can leak between guests unless a bus reset is possible")
        }

        var exposure: [String] = []
        if d.removable == "removable" { exposure.append("external-facing port") }
        if d.config.ats?.enabled == true { exposure.append("ATS enabled") }
        exposure += tables.explanation(at: index)

        let description = [d.vendorName, d.deviceName].compactMap { $0 }.joined(separator: " ")
        return DeviceVerdict(address: d.address.description,
                             description: description.isEmpty ? "[\(hex(d.vendorID, width: 4)):\(hex(d.deviceID, width: 4))]" : description,
                             driver: d.driver, group: groupID, verdict: verdict, reasons: reasons, remedy: remedy,
                             groupPeers: endpoints.map(\.description), hostCritical: hostNeeds ?? [],
                             reset: reset, exposure: exposure)
    }

    private func rank(_ v: DeviceVerdict.Verdict) -> Int {
        switch v { case .assignable: 0; case .assignableWithGroup: 1; case .unsafe: 2; case .blocked: 3 }
    }
}

/// What the verdicts look up about each device that depends on the scan and the prediction
/// alone: made in the prediction's stage, beside the reading of the rest of the snapshot, not
/// in the serial stretch after it.
struct ScanTables: Sendable {
    /// Position of each address in the scan's devices: an index, not a dictionary of copies
    /// (a device is a large value; reading one field must not copy all of it).
    let position: [PCIAddress: Int]
    /// Every device below each bridge, as text: what a secondary bus reset of that bridge hits.
    let below: [PCIAddress: [String]]
    /// Per device (by position): its predicted group's index (-1: none).
    let predictedGroup: [Int32]
    /// Why each predicted group is what it is, in sentences: made once per group.
    let explanations: [[String]]

    init(devices: [PCIDevice], predictor: GroupPredictor, predicted: [GroupPredictor.Group]) {
        // Sized up front: growing a dictionary of thousands rehashes and copies it repeatedly.
        var position = [PCIAddress: Int](minimumCapacity: devices.count)
        // Devices are read by index throughout: iterating the array would copy each one.
        for i in devices.indices where position[devices[i].address] == nil { position[devices[i].address] = i }
        self.position = position
        var below: [PCIAddress: [String]] = [:]
        for i in devices.indices where !devices[i].upstream.isEmpty {
            let text = devices[i].address.description
            for b in devices[i].upstream { below[b, default: []].append(text) }
        }
        self.below = below
        var predictedGroup = [Int32](repeating: -1, count: devices.count)
        var explanations: [[String]] = []
        explanations.reserveCapacity(predicted.count)
        for (k, g) in predicted.enumerated() {
            explanations.append(g.reasons.map(predictor.explain).sorted())
            for m in g.members { if let i = position[m] { predictedGroup[i] = Int32(k) } }
        }
        self.predictedGroup = predictedGroup
        self.explanations = explanations
    }

    /// The predictor's explanation of the device at `i` (empty when it has none).
    func explanation(at i: Int) -> [String] { predictedGroup[i] >= 0 ? explanations[Int(predictedGroup[i])] : [] }

    /// Which predicted group `a` is in (its index), if any.
    func predictedGroup(of a: PCIAddress) -> Int? {
        guard let i = position[a], predictedGroup[i] >= 0 else { return nil }
        return Int(predictedGroup[i])
    }
}
