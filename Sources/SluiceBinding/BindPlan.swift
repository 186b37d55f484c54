/// What `sluice bind` will do to each member of the device's IOMMU group.
public struct BindPlan: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        case bind            // moves to vfio-pci
        case alreadyBound    // on vfio-pci already
        case keep            // bridge on pcieport, or a DMA-safe member left alone
        case blocks          // an endpoint on a host driver that makes the group unusable
    }
    public struct Member: Sendable, Equatable, Codable {
        public var function: SysfsPCIFunction
        public var action: Action
        public var requested: Bool
    }
    public var device: String
    public var group: Int
    public var members: [Member]
    public var refusals: [Refusal]
    public var notes: [String]

    public var toBind: [SysfsPCIFunction] { members.filter { $0.action == .bind }.map(\.function) }
    public var allowed: Bool { refusals.isEmpty }
}

/// Computes the plan from sysfs. `wholeGroup` is `--group`.
public struct BindPlanner {
    public let sysfs: SysfsIO
    public let host: HostFacts
    public init(sysfs: SysfsIO, host: HostFacts) { self.sysfs = sysfs; self.host = host }

    public func plan(_ address: String, wholeGroup: Bool, force: Bool) -> BindPlan {
        var plan = BindPlan(device: address, group: -1, members: [], refusals: [], notes: [])
        guard let target = SysfsPCIFunction.read(address, from: sysfs) else {
            plan.refusals.append(Refusal(kind: .noDevice, message: "no PCI device \(address)",
                                         remedy: "check the address with `lspci -D` (domain:bus:device.function)"))
            return plan
        }
        guard let group = target.iommuGroup else {
            plan.refusals.append(Refusal(kind: .noIOMMU, message: "\(address) has no IOMMU group: the IOMMU is off or absent",
                                         remedy: "enable VT-d/AMD-Vi in firmware and boot with intel_iommu=on (Intel) or the AMD IOMMU enabled; check `sluice audit`"))
            return plan
        }
        plan.group = group
        if !sysfs.exists("bus/pci/drivers/vfio-pci") {
            plan.refusals.append(Refusal(kind: .moduleNotLoaded, message: "the vfio-pci driver is not loaded",
                                         remedy: "modprobe vfio-pci (and vfio_iommu_type1)"))
        }
        if target.isBridge {
            plan.refusals.append(Refusal(kind: .bridge, message: "\(address) is a bridge: vfio-pci does not take type-1 headers",
                                         remedy: "bind the endpoints behind it instead"))
        }
        if target.sriovVFsEnabled > 0 && !force {
            plan.refusals.append(Refusal(kind: .sriovPF, message: "\(address) is an SR-IOV PF with \(target.sriovVFsEnabled) VFs enabled: the PF stays with the host",
                                         remedy: "bind the VFs one by one (sluice bind VF-ADDRESS); --force to take the PF anyway"))
        }
        if target.isVF { plan.notes.append(host.vfNote(target, sysfs: sysfs)) }
        let members = sysfs.list("kernel/iommu_groups/\(group)/devices").compactMap { SysfsPCIFunction.read($0, from: sysfs) }
        for m in members {
            let requested = m.address == address
            let action: BindPlan.Action
            if m.driver == "vfio-pci" { action = .alreadyBound }
            else if m.isBridge { action = .keep }
            else if requested || wholeGroup { action = .bind }
            else if DMASafeDrivers.contains(m.driver) { action = .keep }
            else { action = .blocks }
            plan.members.append(.init(function: m, action: action, requested: requested))
            if action == .blocks {
                plan.refusals.append(Refusal(kind: .groupNotViable,
                    message: "\(m.address) (\(m.vendorDevice)) shares IOMMU group \(group) with \(address) and is on the host driver \(m.driver ?? "?"): VFIO would refuse the group",
                    remedy: "bind the whole group with `sluice bind \(address) --group`, or move the device to a slot with its own group"))
            }
            if action == .bind, !force, let why = host.hostCriticalReason(m, sysfs: sysfs) {
                plan.refusals.append(Refusal(kind: .hostCritical, message: "\(m.address) is needed by the host: \(why)",
                                             remedy: "free it first, or pass --force if you are sure"))
            }
            if action == .bind { plan.notes += host.otherManagers(m) }
        }
        return plan
    }
}
