import Foundation
import Testing
@testable import SluicePCI

/// Sluice's pci.ids reader must give libpci's strings, entry for entry.
@Suite struct NamesTests {
    @Test func everyPciIdsEntryMatchesLibpci() throws {
        let ours = try PCIIDsFile(vendors: nil)
        let lib = try #require(LibPCINames(idsPath: PCIIDsFile.defaultPath, useHwdb: false))
        var compared = 0
        for v in ours.allVendorKeys {
            #expect(ours.vendor(v) == lib.vendor(v), "vendor \(hex(v, width: 4))"); compared += 1
        }
        for (v, d) in ours.allDeviceKeys {
            #expect(ours.device(v, d) == lib.device(v, d), "device \(hex(v, width: 4)):\(hex(d, width: 4))"); compared += 1
        }
        for (v, d, sv, sd) in ours.allSubsystemKeys {
            #expect(ours.subsystem(v, d, sv, sd) == lib.subsystem(v, d, sv, sd),
                    "subsystem \(hex(v, width: 4)):\(hex(d, width: 4)) \(hex(sv, width: 4)):\(hex(sd, width: 4))")
            compared += 1
        }
        for c in 0..<0x10000 {
            let code = UInt32(c) << 8
            let expected = ours.className(code).map { $0.subclassKnown ? $0.name : $0.name + " [" + hex(c, width: 4) + "]" }
            #expect(expected == lib.className(code), "class \(hex(c, width: 4))"); compared += 1
        }
        for p in ours.allProgIfKeys {
            #expect(ours.progIf(p) == lib.progIf(p), "prog-if \(hex(p, width: 6))"); compared += 1
        }
        // A parse that lost entries would still "agree" on the rest: count them independently.
        let counts = try independentCounts(PCIIDsFile.defaultPath)
        #expect(ours.allVendorKeys.count == counts.vendors)
        #expect(ours.allDeviceKeys.count == counts.devices)
        #expect(ours.allSubsystemKeys.count == counts.subsystems)
        // Ids pci.ids does not have: both say nothing, or the same thing.
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20000 {
            let v = UInt16(truncatingIfNeeded: rng.next()), d = UInt16(truncatingIfNeeded: rng.next())
            #expect(ours.device(v, d) == lib.device(v, d), "random device \(hex(v, width: 4)):\(hex(d, width: 4))")
        }
        print("names: \(compared) pci.ids entries compared with libpci")
    }

    /// Distinct ids by plain line shape, outside the code under test.
    private func independentCounts(_ path: String) throws -> (vendors: Int, devices: Int, subsystems: Int) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var vendors = Set<Substring>(), devices = Set<String>(), subsystems = Set<String>()
        var vendor: Substring = "", device: Substring = "", inVendors = true
        func isHex(_ s: Substring) -> Bool { s.allSatisfy { $0.isHexDigit } }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("C ") { inVendors = false }
            guard inVendors, !line.hasPrefix("#") else { continue }
            if line.count > 6, isHex(line.prefix(4)), line.dropFirst(4).hasPrefix("  ") {
                vendor = line.prefix(4); vendors.insert(vendor)
            } else if line.hasPrefix("\t\t"), line.count > 12, isHex(line.dropFirst(2).prefix(4)), isHex(line.dropFirst(7).prefix(4)) {
                subsystems.insert("\(vendor)\(device)\(line.dropFirst(2).prefix(9))")
            } else if line.hasPrefix("\t"), line.count > 7, isHex(line.dropFirst(1).prefix(4)) {
                device = line.dropFirst(1).prefix(4); devices.insert("\(vendor)\(device)")
            }
        }
        return (vendors.count, devices.count, subsystems.count)
    }

    /// Only the vendors asked for are parsed, and they come out the same.
    @Test func partialLoadMatchesFullLoad() throws {
        let full = try PCIIDsFile(vendors: nil)
        let part = try PCIIDsFile(vendors: [0x8086, 0x1af4, 0x10de])
        #expect(part.allVendorKeys.count == 3)
        for (v, d) in full.allDeviceKeys where [0x8086, 0x1af4, 0x10de].contains(v) {
            #expect(part.device(v, d) == full.device(v, d))
        }
        #expect(part.device(0x1002, 0x67df) == nil)

        // With a device list, only those devices and their subsystems are kept, unchanged.
        let few = try PCIIDsFile(vendors: [0x8086], devices: [0x8086_10d3])
        #expect(few.allDeviceKeys.count == 1 && few.device(0x8086, 0x10d3) == full.device(0x8086, 0x10d3))
        let subs = full.allSubsystemKeys.filter { $0.0 == 0x8086 && $0.1 == 0x10d3 }
        #expect(!subs.isEmpty && few.allSubsystemKeys.count == subs.count)
        for (v, d, sv, sd) in subs { #expect(few.subsystem(v, d, sv, sd) == full.subsystem(v, d, sv, sd)) }
    }

    /// Binary search over the real pci.ids finds every vendor's block, entry for entry as the
    /// one-pass parse, and finds nothing for ids the file does not have.
    @Test func indexedLookupMatchesOnePassForEveryVendor() throws {
        let fd = open(PCIIDsFile.defaultPath, O_RDONLY)
        try #require(fd >= 0)
        var text = [UInt8](repeating: 0, count: 4 << 20)
        let n = read(fd, &text, text.count)
        close(fd)
        text.removeLast(text.count - n)
        let full = PCIIDsFile(text: text, vendors: nil)
        let vendors = full.allVendorKeys.sorted()
        #expect(vendors.count > 2000)
        // Every vendor alone, against the full parse's entries of that vendor.
        var devicesOf: [UInt16: [UInt16]] = [:], subsystemCount: [UInt16: Int] = [:]
        for (v, d) in full.allDeviceKeys { devicesOf[v, default: []].append(d) }
        for key in full.allSubsystemKeys { subsystemCount[key.0, default: 0] += 1 }
        for v in vendors {
            let indexed = PCIIDsFile(text: text, vendors: [v], indexed: true)
            #expect(indexed.allVendorKeys == [v] && indexed.vendor(v) == full.vendor(v), "\(hex(v, width: 4))")
            #expect(indexed.allDeviceKeys.count == devicesOf[v, default: []].count, "\(hex(v, width: 4))")
            #expect(indexed.allSubsystemKeys.count == subsystemCount[v, default: 0], "\(hex(v, width: 4))")
            for d in devicesOf[v, default: []] where indexed.device(v, d) != full.device(v, d) {
                Issue.record("\(hex(v, width: 4)):\(hex(d, width: 4)) differs")
            }
        }
        // Absent ids, and random groups against the one-pass parse of the same group.
        var sets: [Set<UInt16>] = [[0x0000], [0xfffc], [0x8087, 0x1af5]]
        var rng = SplitMix64(seed: 5)
        for _ in 0..<20 { sets.append(Set((0..<8).map { _ in vendors[Int(rng.next() % UInt64(vendors.count))] })) }
        for wanted in sets {
            let indexed = PCIIDsFile(text: text, vendors: wanted, indexed: true)
            let onePass = PCIIDsFile(text: text, vendors: wanted)
            #expect(indexed.allVendorKeys.sorted() == onePass.allVendorKeys.sorted(), "\(wanted)")
            #expect(indexed.allDeviceKeys.count == onePass.allDeviceKeys.count, "\(wanted)")
            #expect(indexed.allSubsystemKeys.count == onePass.allSubsystemKeys.count, "\(wanted)")
            #expect(indexed.allClassKeys.count == onePass.allClassKeys.count && indexed.allProgIfKeys.count == onePass.allProgIfKeys.count)
        }
    }

    /// A hand-edited pci.ids out of vendor order: the binary search notices and the whole file
    /// is parsed, so every vendor is still found.
    @Test func unsortedPciIdsFallsBackToOnePass() throws {
        var text = ""
        for v in stride(from: 0x1000, to: 0x1000 + 600, by: 1) { text += "\(hex(v, width: 4))  Vendor \(v)\n\t0001  Device of \(v)\n" }
        text += "0005  Misplaced vendor\n\t0002  Misplaced device\n"   // after 0x1257: out of order
        for v in stride(from: 0x2000, to: 0x2000 + 600, by: 1) { text += "\(hex(v, width: 4))  Vendor \(v)\n" }
        text += "C 02  Network controller\n\t00  Ethernet controller\n"
        let bytes = Array(text.utf8)
        for wanted: Set<UInt16> in [[0x0005], [0x0005, 0x1100, 0x2100], [0x1001], [0x2256]] {
            let indexed = PCIIDsFile(text: bytes, vendors: wanted, indexed: true)
            let onePass = PCIIDsFile(text: bytes, vendors: wanted)
            #expect(indexed.allVendorKeys.sorted() == onePass.allVendorKeys.sorted(), "\(wanted)")
            #expect(indexed.allDeviceKeys.count == onePass.allDeviceKeys.count, "\(wanted)")
        }
        #expect(PCIIDsFile(text: bytes, vendors: [0x0005], indexed: true).device(0x0005, 0x0002) == "Misplaced device")
    }

    /// pci.ids text that is not well formed: no trap, the good entries kept.
    @Test func malformedPciIds() {
        let text = "# comment\n8086  Intel\n\t10d3  82574L\n\t\t8086 a01f  Gigabit CT\n\t\tzzzz\n\tbad\nC 02  Network\n\t00  Ethernet\n\t\t\n\t\t01 \nffff\n\t\t\t\tx\n1af4 \t Red Hat  \r\n"
        let db = PCIIDsFile(text: Array(text.utf8), vendors: nil)
        #expect(db.vendor(0x8086) == "Intel" && db.device(0x8086, 0x10d3) == "82574L")
        #expect(db.subsystem(0x8086, 0x10d3, 0x8086, 0xa01f) == "Gigabit CT")
        #expect(db.className(0x020000)?.name == "Ethernet" && db.vendor(0x1af4) == "Red Hat")
        var rng = SplitMix64(seed: 7)
        let base = Array(text.utf8)
        for _ in 0..<2000 {
            var b = base
            for _ in 0..<8 { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            _ = PCIIDsFile(text: b, vendors: nil).vendor(0x8086)
            _ = PCIIDsFile(text: b, vendors: [0x8086, 0x1af4, 0xffff], indexed: true).vendor(0x8086)
        }
        // Texts without a class section at the end, or with nothing but classes: still no trap.
        for t in ["", "\n", "C", "C 02  Network\n", "8086  Intel\n", "\t\t\n#\n", "C 02\n8086  Intel\nC 03  Display"] {
            _ = PCIIDsFile(text: Array(t.utf8), vendors: [0x8086], indexed: true).vendor(0x8086)
        }
    }

    /// Every device of every fixture and of the live host gets libpci's names (hwdb included,
    /// as lspci does).
    @Test func deviceNamesMatchLibpciOnEveryTree() throws {
        let lib = try #require(LibPCINames(idsPath: nil, useHwdb: true))
        var devices = 0
        for root in TestSupport.fixtureRoots + ["/"] {
            let r = try PCIScanner(root: root, options: .init(fullConfig: false)).scan()
            for d in r.devices {
                let at = "\(root) \(d.address)"
                #expect(d.vendorName == lib.vendor(d.vendorID), "\(at) vendor name")
                #expect(d.deviceName == lib.device(d.vendorID, d.deviceID), "\(at) device name")
                if let sv = d.subsystemVendorID, let sd = d.subsystemDeviceID {
                    #expect(d.subsystemVendorName == lib.vendor(sv), "\(at) subsystem vendor name")
                    #expect(d.subsystemName == lib.subsystem(d.vendorID, d.deviceID, sv, sd), "\(at) subsystem name")
                }
                let cls = d.className.map { d.classNameIsBaseClassOnly ? $0 + " [" + hex(d.classCode >> 8, width: 4) + "]" : $0 }
                #expect(cls == lib.className(d.classCode), "\(at) class name")
                #expect(d.progIfName == lib.progIf(d.classCode), "\(at) prog-if name")
                devices += 1
            }
        }
        #expect(devices > 0)
    }
}
