import SluicePCI

/// Devices the host itself depends on, with the reason in words. Assigning one takes the host's
/// network, disk or display away: the audit refuses them.
extension HostSnapshot {
    /// Devices the host depends on, by address, with the reasons: what `sluice bind` refuses.
    public func hostCriticalDevices() -> [String: [String]] {
        Dictionary(HostCritical.find(self).map { ($0.key.description, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

enum HostCritical {
    static func find(_ s: HostSnapshot) -> [PCIAddress: [String]] {
        var result: [PCIAddress: [String]] = [:]
        func flag(_ a: PCIAddress?, _ why: String) {
            guard let a else { return }
            if result[a]?.contains(why) != true { result[a, default: []].append(why) }
        }

        // Network: NICs carrying a route, directly or under a bond, bridge or VLAN.
        let routed = HostFiles.routedInterfaces(ipv4: s.ipv4Routes, ipv6: s.ipv6Routes)
        let byName = Dictionary(s.interfaces.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func physical(_ name: String, _ depth: Int = 0) -> [(HostSnapshot.NetworkInterface, [String])] {
            guard depth < 8 else { return [] }
            var out: [(HostSnapshot.NetworkInterface, [String])] = []
            if let i = byName[name], i.device != nil { out.append((i, [])) }
            // Members of a bond/bridge/team, and the lower devices of a VLAN or macvlan.
            for member in s.interfaces where member.master == name || member.uppers.contains(name) {
                out += physical(member.name, depth + 1).map { ($0.0, [name] + $0.1) }
            }
            return out
        }
        for iface in routed.sorted() {
            for (nic, via) in physical(iface) {
                let path = via.isEmpty ? "" : " via \(via.joined(separator: " <- "))"
                flag(nic.device, "carries a network route (interface \(nic.name)\(path == "" ? "" : ", under \(iface)\(path)"))")
            }
        }
        for iface in s.interfaces where iface.device != nil && iface.master != nil {
            flag(iface.device, "member of \(iface.master!) (bond/bridge): the host's network uses it")
        }

        // Storage: mounted, swapped on, or held (LVM, RAID, dm-crypt) block devices.
        let mounts = HostFiles.mounts(s.mounts)
        let swaps = HostFiles.swaps(s.swaps)
        func disks(forDevNode node: String, _ depth: Int = 0) -> [HostSnapshot.BlockDevice] {
            guard depth < 8, node.hasPrefix("/dev/") else { return [] }
            var name = String(node.dropFirst(5))
            if name.hasPrefix("mapper/") {
                let mapped = String(name.dropFirst(7))
                guard let dm = s.blockDevices.first(where: { $0.mapperName == mapped }) else { return [] }
                name = dm.name
            }
            guard let disk = s.blockDevices.first(where: { $0.name == name || $0.partitions.contains(name) }) else { return [] }
            if disk.device != nil { return [disk] }
            return disk.slaves.flatMap { disks(forDevNode: "/dev/\($0)", depth + 1) }
        }
        for m in mounts {
            for disk in disks(forDevNode: m.source) {
                let what = m.target == "/" ? "holds the root filesystem" : "has a mounted filesystem (\(m.target))"
                flag(disk.device, "\(what) on \(disk.name)")
            }
            if m.type == "9p" || m.type == "virtiofs", let dev = s.ninePTags[m.source] {
                flag(dev, "carries the \(m.type) filesystem mounted at \(m.target)")
            }
        }
        for sw in swaps {
            for disk in disks(forDevNode: sw) { flag(disk.device, "swap is on \(disk.name)") }
        }
        for disk in s.blockDevices where disk.device != nil && !disk.holders.isEmpty {
            flag(disk.device, "\(disk.name) is held by \(disk.holders.joined(separator: ", ")) (LVM/RAID/dm)")
        }

        // Display, running VMs, SR-IOV.
        for i in s.pci.devices.indices where s.pci.devices[i].isBootVGA == true {
            flag(s.pci.devices[i].address, "the boot VGA device (firmware console)")
        }
        for g in s.groups {
            if let holders = s.vfioHolders[String(g.id)] {
                for d in g.devices { flag(d, "in use: /dev/vfio/\(g.id) is open by \(holders.joined(separator: ", "))") }
            }
        }
        for i in s.pci.devices.indices where !s.pci.devices[i].virtualFunctions.isEmpty {
            let vfs = s.pci.devices[i].virtualFunctions.compactMap { s.pci.device($0) }
            let assigned = vfs.filter { $0.driver?.hasPrefix("vfio") == true }
            if !assigned.isEmpty {
                flag(s.pci.devices[i].address, "physical function of \(assigned.count) VF(s) bound to VFIO: the PF stays with the host")
            }
        }
        return result
    }
}
