/// Human output of `sluice list`: one line per function in lspci's spirit, `-v` details, `--tree`.
public enum ListFormatter {
    /// `0000:00:1f.2 SATA controller [0106]: Intel Corporation ... [8086:2922] (rev 02) (prog-if 01 [AHCI 1.0])  driver=ahci iommu_group=5`
    public static func line(_ d: PCIDevice) -> String {
        var s = d.address.description + " "
        s += (d.className ?? "Class") + " [" + hex(d.classCode >> 8, width: 4) + "]: "
        s += nameAndIDs(vendorName: d.vendorName, deviceName: d.deviceName, d.vendorID, d.deviceID)
        if d.revision != 0 { s += " (rev " + hex(d.revision, width: 2) + ")" }
        if d.progIf != 0 || d.progIfName != nil {
            s += " (prog-if " + hex(d.progIf, width: 2) + (d.progIfName.map { " [" + $0 + "]" } ?? "") + ")"
        }
        s += "  driver=" + (d.driver ?? "none")
        s += " iommu_group=" + (d.iommuGroup.map(String.init) ?? "none")
        return s
    }

    /// lspci -nn's "Vendor Device [vvvv:dddd]" spelling, including its fallbacks for unknown ids.
    public static func nameAndIDs(vendorName: String?, deviceName: String?, _ v: UInt16, _ d: UInt16) -> String {
        let ids = "[" + hex(v, width: 4) + ":" + hex(d, width: 4) + "]"
        switch (vendorName, deviceName) {
        case let (vn?, dn?): return vn + " " + dn + " " + ids
        case let (vn?, nil): return vn + " Device " + ids
        default: return "Device " + ids
        }
    }

    public static func verbose(_ d: PCIDevice) -> [String] {
        var out = [line(d)]
        if let sv = d.subsystemVendorID, let sd = d.subsystemDeviceID, sv != 0, sv != 0xffff {
            out.append("\tSubsystem: " + nameAndIDs(vendorName: d.subsystemVendorName, deviceName: d.subsystemName, sv, sd))
        }
        if let n = d.numaNode, n >= 0 { out.append("\tNUMA node: \(n)") }
        if let g = d.iommuGroup { out.append("\tIOMMU group: \(g)") }
        if let pf = d.physicalFunction { out.append("\tPhysical function: \(pf)") }
        if !d.virtualFunctions.isEmpty {
            out.append("\tVirtual functions: " + d.virtualFunctions.map(\.description).joined(separator: " "))
        }
        if let r = d.resetMethods { out.append("\tReset methods: " + (r.isEmpty ? "none" : r.joined(separator: " "))) }
        if let o = d.driverOverride { out.append("\tDriver override: " + o) }
        if !d.upstream.isEmpty { out.append("\tUpstream: " + d.upstream.map(\.description).joined(separator: " -> ")) }
        for bar in BaseAddressRegister.decode(d.config.config, header: d.config.header, resources: d.resources) {
            out.append("\t" + bar.lspciText)
        }
        for r in d.resources where r.index >= 6 {
            // Lines 7-12 are SR-IOV VF BARs (kernels with CONFIG_PCI_IOV); a bridge's windows
            // follow them (13-16), or follow the ROM directly (7-10) without IOV support.
            let what = r.index == 6 ? "Expansion ROM"
                : d.isBridge ? "Bridge window \(r.index >= 13 ? r.index - 13 : r.index - 7)" : "VF BAR \(r.index - 7)"
            var t = "\t\(what): " + (r.kind == .io ? "I/O ports" : "Memory") + " at " + hex(r.start, width: 8)
            if r.kind == .memory {
                t += " (" + (r.is64Bit ? "64-bit" : "32-bit") + ", " + (r.prefetchable ? "prefetchable" : "non-prefetchable") + ")"
            }
            out.append(t + " [size=" + sizeText(r.size) + "]")
        }
        if let header = d.config.header { out += registerLines(header.fields, indent: "\t") }
        for item in d.config.items {
            let e = item.entry
            let where_ = e.isExtended ? "[" + hex(e.offset, width: 3) + " v\(e.version)]" : "[" + hex(e.offset, width: 2) + "]"
            out.append("\tCapabilities: " + where_ + " " + e.name)
            guard let decoded = item.decoded else { continue }
            out += registerLines(decoded.fields, indent: "\t\t")
        }
        if d.config.capabilities?.unreadable == true { out.append("\tCapabilities: <not readable: config space is the 64-byte header only>") }
        if let drv = d.driver { out.append("\tKernel driver in use: " + drv) }
        out.append("\tModalias: " + d.modalias)
        for p in d.problems { out.append("\tProblem: " + p) }
        return out
    }

    /// One line per register: `DevCap: MaxPayload=256 bytes ... FLReset+`.
    static func registerLines(_ fields: [CapabilityField], indent: String) -> [String] {
        var out: [String] = []
        var register = "", text = ""
        for f in fields {
            if f.register != register {
                if !register.isEmpty { out.append(indent + register + ": " + text) }
                register = f.register; text = ""
            } else { text += " " }
            text += f.value == "+" || f.value == "-" ? f.name + f.value : f.name + "=" + f.value
        }
        if !register.isEmpty { out.append(indent + register + ": " + text) }
        return out
    }

    /// The devices as a tree under their root bridges, following the sysfs hierarchy.
    public static func tree(_ devices: [PCIDevice]) -> [String] {
        var children: [PCIAddress: [PCIDevice]] = [:]
        var roots: [PCIDevice] = []
        let present = Set(devices.map(\.address))
        for d in devices {
            // Attach to the nearest listed ancestor (filters may hide some).
            if let parent = d.upstream.last(where: { present.contains($0) }) { children[parent, default: []].append(d) }
            else { roots.append(d) }
        }
        var out: [String] = []
        func walk(_ d: PCIDevice, prefix: String, connector: String, childPrefix: String) {
            out.append(prefix + connector + line(d))
            let kids = children[d.address] ?? []
            for (i, k) in kids.enumerated() {
                let last = i == kids.count - 1
                walk(k, prefix: prefix + childPrefix, connector: last ? "└─ " : "├─ ", childPrefix: last ? "   " : "│  ")
            }
        }
        var lastRootGroup = ""
        for r in roots {
            let group = r.sysfsPath.split(separator: "/").first.map(String.init) ?? ""
            if group != lastRootGroup { out.append("[" + group + "]"); lastRootGroup = group }
            walk(r, prefix: "", connector: "", childPrefix: "")
        }
        return out
    }
}
