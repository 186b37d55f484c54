import Foundation
import Testing
@testable import SluicePCI

/// Sluice against lspci (pciutils 3.9) on the same trees, field by field. A mismatch is a bug
/// in one of the two; the failure names the tree, the device and the field. Nothing is
/// normalised: a field lspci prints that Sluice models is compared byte for byte.
@Suite(.serialized) struct LspciAgreementTests {
    struct Tally { var devices = 0, fields = 0, notPrinted = 0 }

    @Test func fixturesAndLiveHost() throws {
        var total = Tally()
        for root in TestSupport.fixtureRoots {
            total = try compareTree(root: root, tally: total)
        }
        total = try compareTree(root: nil, tally: total)
        print("lspci agreement (fixtures \(TestSupport.fixtureRoots.count) + live host): \(total.devices) devices, \(total.fields) fields compared, \(total.notPrinted) modelled fields lspci does not print")
        #expect(total.devices > 0)
    }

    /// Differential test of the decoder: random register contents behind real capability
    /// headers (PM, MSI, PCIe of every port type, MSI-X, ACS, AER), decoded by lspci and Sluice.
    @Test func randomCapabilityRegistersDecodeLikeLspci() throws {
        let tree = TreeBuilder("differential")
        defer { tree.remove() }
        var rng = SplitMix64(seed: 0xd1ff_0001)
        let types: [UInt16] = [0, 1, 4, 5, 6, 7, 8, 9, 10]
        for i in 0..<72 {
            let type = types[i % types.count]
            let bridge = [4, 5, 6, 7, 8].contains(type)
            var c = ConfigBuilder(size: 4096, vendor: [0x8086, 0x10de, 0x1022, 0x15b3][i % 4],
                                  device: UInt16(truncatingIfNeeded: rng.next()),
                                  classCode: bridge ? 0x060400 : 0x020000, headerType: bridge ? 1 : 0)
            func r16() -> UInt16 { UInt16(truncatingIfNeeded: rng.next()) }
            func r32() -> UInt32 { UInt32(truncatingIfNeeded: rng.next()) }
            c.cap(0x40, id: 0x01, next: 0x50)
            c.put16(0x42, r16()); c.put16(0x44, r16())
            c.cap(0x50, id: 0x05, next: 0x70)
            c.put16(0x52, r16() & 0x01ff); c.put32(0x54, r32() & ~3); c.put32(0x58, r32()); c.put32(0x5c, r32())
            c.put32(0x60, r32()); c.put32(0x64, r32())
            c.cap(0x70, id: 0x10, next: 0xb0)
            c.put16(0x72, 2 | type << 4 | (r16() & 0x3f00))
            for o in stride(from: 0x74, to: 0xb0, by: 4) { c.put32(o, r32()) }
            c.cap(0xb0, id: 0x11, next: 0)
            c.put16(0xb2, r16() & 0xc7ff); c.put32(0xb4, r32()); c.put32(0xb8, r32())
            c.extCap(0x100, id: 0x0d, next: 0x140)
            c.put16(0x104, r16() & 0x007f); c.put16(0x106, r16() & 0x007f)
            c.extCap(0x140, id: 0x01, version: 2, next: 0)
            for o in stride(from: 0x144, to: 0x180, by: 4) { c.put32(o, r32()) }
            // BARs: random mixes of unused, 32/64-bit memory, I/O, programmed or not, assigned or not.
            c.put16(0x04, r16() & 0x0007)
            var lines: [String] = []
            var bar = 0
            let bars = bridge ? 2 : 6
            while bar < bars {
                let kind = rng.next() % 5
                let size: UInt64 = 1 << (4 + rng.next() % 20)
                let assigned = rng.next() % 4 != 0, programmed = rng.next() % 4 != 0
                let start: UInt64 = assigned ? (UInt64(0xc000_0000) + size * (rng.next() % 16)) & ~(size - 1) : 0
                func line(_ st: UInt64, _ flags: UInt64) -> String {
                    let end = st == 0 ? 0 : st + size - 1
                    return "0x" + hex(st, width: 16) + " 0x" + hex(end, width: 16) + " 0x" + hex(st == 0 ? 0 : flags, width: 16)
                }
                switch kind {
                case 0:
                    lines.append(line(0, 0)); bar += 1
                case 1:
                    let pf: UInt32 = rng.next() % 2 == 0 ? 8 : 0
                    c.put32(0x10 + 4 * bar, programmed ? UInt32(truncatingIfNeeded: start) | pf : 0)
                    lines.append(line(start, 0x40200 | UInt64(pf) | (pf != 0 ? 0x2000 : 0))); bar += 1
                case 2:
                    c.put32(0x10 + 4 * bar, programmed ? UInt32(truncatingIfNeeded: start) | 4 | 8 : 0)
                    if bar + 1 < bars { c.put32(0x14 + 4 * bar, 0) }
                    lines.append(line(start, 0x14220c))
                    if bar + 1 < bars { lines.append(line(0, 0)) }
                    bar += 2
                default:
                    let port = UInt64(0xc000 + 0x40 * (rng.next() % 64))
                    c.put32(0x10 + 4 * bar, programmed ? UInt32(port) | 1 : 0)
                    lines.append(line(assigned ? port : 0, 0x40101)); bar += 1
                }
            }
            while lines.count < 13 { lines.append("0x0000000000000000 0x0000000000000000 0x0000000000000000") }
            let bus = i / 8, dev = i % 8
            tree.add(.init(address: "0000:" + hex(bus, width: 2) + ":" + hex(dev, width: 2) + ".0", config: c.bytes,
                           driver: i % 3 == 0 ? "pcieport" : nil, iommuGroup: i,
                           extra: ["resource": lines.joined(separator: "\n") + "\n"]))
        }
        let t = try compareTree(root: tree.root, tally: Tally())
        print("lspci agreement (random registers): \(t.devices) devices, \(t.fields) fields compared")
        #expect(t.devices == 72 && t.fields > 72 * 60)
    }

    private func compareTree(root: String?, tally: Tally) throws -> Tally {
        var t = tally
        let where_ = root ?? "live host"
        var args = ["-nnk", "-vvv", "-D"]
        if let root { args += ["-A", "linux-sysfs", "-O", "sysfs.path=\(root)/sys/bus/pci"] }
        let run = try TestSupport.run("/usr/bin/lspci", args)
        #expect(run.status == 0, "lspci failed on \(where_): \(run.err)")
        let theirs = LspciDevice.parse(run.out)
        let scan = try PCIScanner(root: root ?? "/", options: .init(fullConfig: true)).scan()
        #expect(Set(theirs.keys) == Set(scan.devices.map(\.address.description)), "\(where_): device sets differ")
        for d in scan.devices {
            guard let l = theirs[d.address.description] else { continue }
            t.devices += 1
            let at = "\(where_) \(d.address)"
            func check(_ field: String, _ ours: String?, _ lspci: String?) {
                t.fields += 1
                #expect(ours == lspci, "\(at) \(field): sluice \(ours ?? "nil") lspci \(lspci ?? "nil")")
            }
            check("names", ListFormatter.nameAndIDs(vendorName: d.vendorName, deviceName: d.deviceName, d.vendorID, d.deviceID), l.namesText)
            check("class", (d.className ?? "Class") + " [" + hex(d.classCode >> 8, width: 4) + "]", l.classText)
            check("revision", d.revision == 0 ? nil : hex(d.revision, width: 2), l.revision)
            check("prog-if", d.progIf != 0 || d.progIfName != nil ? hex(d.progIf, width: 2) + (d.progIfName.map { " [" + $0 + "]" } ?? "") : nil, l.progIf)
            check("driver", d.driver, l.driver)
            if d.config.header?.headerType == 0 {
                let sub: String? = if let sv = d.subsystemVendorID, let sd = d.subsystemDeviceID, sv != 0, sv != 0xffff {
                    ListFormatter.nameAndIDs(vendorName: d.subsystemVendorName, deviceName: d.subsystemName, sv, sd)
                } else { nil }
                check("subsystem", sub, l.subsystem)
            }
            check("regions", BaseAddressRegister.decode(d.config.config, header: d.config.header, resources: d.resources)
                .map(\.lspciText).joined(separator: "\n"), l.regions.joined(separator: "\n"))
            check("capabilities readable", String(d.config.capabilities?.unreadable ?? false), String(l.capabilitiesDenied))
            check("capability offsets", d.config.items.map { hex($0.entry.offset, width: 2) + ($0.entry.isExtended ? " v\($0.entry.version)" : "") }.joined(separator: ","),
                  l.capabilities.map { hex($0.offset, width: 2) + ($0.version.map { " v\($0)" } ?? "") }.joined(separator: ","))
            for (item, cap) in zip(d.config.items, l.capabilities) where item.entry.offset == cap.offset {
                let capAt = "cap [\(hex(cap.offset, width: 2))]"
                if let ids = lspciCapabilityIDs(cap.title, extended: item.entry.isExtended) {
                    t.fields += 1
                    #expect(ids.contains(item.entry.id), "\(at) \(capAt) id: sluice \(hex(item.entry.id, width: 2)) lspci '\(cap.title)'")
                } else {
                    Issue.record("\(at) \(capAt): lspci title '\(cap.title)' has no id mapping in this test")
                }
                compareRegisters(item, cap, at: at + " " + capAt, tally: &t)
            }
        }
        return t
    }

    private func compareRegisters(_ item: DecodedConfig.Item, _ cap: LspciDevice.Capability, at: String, tally t: inout Tally) {
        guard let decoded = item.decoded else { return }
        let family: String
        switch (item.entry.isExtended, item.entry.id) {
        case (false, 0x01): family = "PM"
        case (false, 0x05): family = "MSI"
        case (false, 0x10): family = "Express"
        case (false, 0x11): family = "MSI-X"
        case (true, 0x0d): family = "ACS"
        default: return
        }
        if family == "Express" { compareExpressHeader(decoded as! ExpressCapability, cap.title, at: at, tally: &t) }
        for f in decoded.fields {
            let text: String?
            switch (family, f.register) {
            case ("Express", "Express"), ("PM", "PM"): continue
            case ("MSI", "MSI"):
                text = cap.title.replacingOccurrences(of: "MSI: ", with: "") + (cap.register("Address").map { "\nAddress: " + $0 } ?? "")
            case ("MSI-X", "MSI-X"): text = cap.title.replacingOccurrences(of: "MSI-X: ", with: "")
            default: text = cap.register(f.register)
            }
            guard let text, let theirs = LspciDevice.Capability.value(of: f.name, in: text) else { t.notPrinted += 1; continue }
            t.fields += 1
            #expect(f.value == theirs, "\(at) \(f.register) \(f.name): sluice '\(f.value)' lspci '\(theirs)'")
        }
    }

    private func compareExpressHeader(_ e: ExpressCapability, _ title: String, at: String, tally t: inout Tally) {
        guard let m = title.firstMatch(of: /^Express \(v(\d+)\) (.+?)(?: \(Slot([+-])\))?, (?:MSI|IntMsgNum) ([0-9a-f]+)$/) else {
            Issue.record("\(at) Express title not understood: '\(title)'"); return
        }
        t.fields += 3
        #expect(String(e.version) == String(m.1), "\(at) Express version")
        #expect((e.portType?.name ?? "Unknown type \(e.rawPortType)") == String(m.2), "\(at) Express type: sluice \(e.portType?.name ?? "?") lspci \(m.2)")
        #expect(hex(e.interruptMessageNumber, width: 2) == String(m.4), "\(at) Express MSI")
        if let slot = m.3 { t.fields += 1; #expect((e.slotImplemented ? "+" : "-") == String(slot), "\(at) Express Slot") }
    }

    /// lspci's capability titles (pciutils 3.9 ls-caps.c / ls-ecaps.c) to capability ids.
    private func lspciCapabilityIDs(_ title: String, extended: Bool) -> Set<UInt16>? {
        let standard: [(String, UInt16)] = [
            ("Power Management", 0x01), ("AGP", 0x02), ("Vital Product Data", 0x03), ("Slot ID", 0x04), ("MSI:", 0x05),
            ("CompactPCI hot-swap", 0x06), ("PCI-X", 0x07), ("HyperTransport", 0x08), ("Vendor Specific Information", 0x09),
            ("Debug port", 0x0a), ("CompactPCI central resource control", 0x0b), ("Hot-plug capable", 0x0c),
            ("Subsystem:", 0x0d), ("AGP3", 0x0e), ("Secure device", 0x0f), ("Express", 0x10), ("MSI-X", 0x11),
            ("SATA HBA", 0x12), ("PCI Advanced Features", 0x13), ("Enhanced Allocation", 0x14), ("Flattening Portal Bridge", 0x15),
        ]
        let ext: [(String, Set<UInt16>)] = [
            ("Advanced Error Reporting", [0x01]), ("Virtual Channel", [0x02, 0x09]), ("Device Serial Number", [0x03]),
            ("Power Budgeting", [0x04]), ("Root Complex Link", [0x05]), ("Root Complex Internal Link Control", [0x06]),
            ("Root Complex Event Collector", [0x07]), ("Multi-Function Virtual Channel", [0x08]), ("Root Complex Register Block", [0x0a]),
            ("Vendor Specific Information", [0x0b]), ("Access Control Services", [0x0d]), ("Alternative Routing-ID", [0x0e]),
            ("Address Translation Service", [0x0f]), ("Single Root I/O Virtualization", [0x10]), ("Multi-Root I/O", [0x11]),
            ("Multicast", [0x12]), ("Page Request Interface", [0x13]), ("Physical Resizable BAR", [0x15]),
            ("Dynamic Power Allocation", [0x16]), ("Transaction Processing Hints", [0x17]), ("Latency Tolerance Reporting", [0x18]),
            ("Secondary PCI Express", [0x19]), ("Protocol Multiplexing", [0x1a]), ("Process Address Space ID", [0x1b]),
            ("LN Requester", [0x1c]), ("Downstream Port Containment", [0x1d]), ("L1 PM Substates", [0x1e]),
            ("Precision Time Measurement", [0x1f]), ("Designated Vendor-Specific", [0x23]), ("VF Resizable BAR", [0x24]),
            ("Data Link Feature", [0x25]), ("Physical Layer 16.0 GT/s", [0x26]), ("Lane Margining at the Receiver", [0x27]),
            ("Physical Layer 32.0 GT/s", [0x2a]), ("Data Object Exchange", [0x2e]), ("Integrity & Data Encryption", [0x30]),
        ]
        if extended {
            if let m = title.firstMatch(of: /^Extended Capability ID 0x([0-9a-f]+)/) { return [UInt16(m.1, radix: 16)!] }
            return ext.first { title.hasPrefix($0.0) }.map { $0.1 }
        }
        if let m = title.firstMatch(of: /^Capability ID 0x([0-9a-f]+)|^#([0-9a-f]{2})/) {
            return [UInt16(m.1 ?? m.2!, radix: 16)!]
        }
        return standard.first { title.hasPrefix($0.0) }.map { [$0.1] }
    }
}
