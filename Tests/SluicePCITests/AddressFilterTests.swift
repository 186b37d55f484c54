import Foundation
import Testing
@testable import SluicePCI

@Suite struct AddressFilterTests {
    @Test func parsesAndPrintsAddresses() {
        #expect(PCIAddress("0000:3b:00.1")?.description == "0000:3b:00.1")
        #expect(PCIAddress("3b:1f.7")?.description == "0000:3b:1f.7")
        #expect(PCIAddress("10000:01:00.0")?.domain == 0x10000)   // Intel VMD domain
        for bad in ["", "0000:3b:20.0", "0000:3b:00.8", "3b:00", "x:00:00.0", "0000:100:00.0", "0000:3b:00.0 "] {
            #expect(PCIAddress(bad) == nil, "\(bad)")
        }
        #expect(PCIAddress("0000:00:02.0")! < PCIAddress("0000:00:10.0")!)
        #expect(PCIAddress("0001:00:00.0")!.lspciDescription(alwaysDomain: false) == "0001:00:00.0")
        #expect(PCIAddress("0000:00:1f.3")!.lspciDescription(alwaysDomain: false) == "00:1f.3")
    }

    /// The one-pass parser against the obvious split-based one, on random near-addresses.
    @Test func parserAgreesWithSplitReference() {
        func reference(_ text: String) -> PCIAddress? {
            let colon = text.split(separator: ":", omittingEmptySubsequences: false)
            guard colon.count == 2 || colon.count == 3 else { return nil }
            let dot = colon.last!.split(separator: ".", omittingEmptySubsequences: false)
            func hex(_ s: Substring, _ max: Int) -> UInt64? {
                guard !s.isEmpty, s.count <= max, s.allSatisfy(\.isHexDigit) else { return nil }
                return UInt64(s, radix: 16)
            }
            guard dot.count == 2, let bus = hex(colon[colon.count - 2], 2), let dev = hex(dot[0], 2), let fn = hex(dot[1], 1)
            else { return nil }
            let domain = colon.count == 3 ? hex(colon[0], 8) : 0
            guard let domain else { return nil }
            return PCIAddress(domain: UInt32(domain), bus: UInt8(bus), device: UInt8(truncatingIfNeeded: dev),
                              function: UInt8(truncatingIfNeeded: fn))
        }
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("0123456789abcdefABCDEF:.x ")
        let seeds = ["0000:00:1f.3", "3b:00.1", "10000:01:00.0", "ffffffff:ff:1f.7"]
        for i in 0..<20_000 {
            var chars = Array(seeds[i % seeds.count])
            for _ in 0..<(rng.next() % 3) {
                let at = Int(rng.next() % UInt64(chars.count + 1))
                switch rng.next() % 3 {
                case 0: chars.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                case 1: if at < chars.count { chars.remove(at: at) }
                default: if at < chars.count { chars[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                }
            }
            let text = String(chars)
            #expect(PCIAddress(text) == reference(text), "\(text)")
        }
    }

    @Test func hexFormatting() {
        #expect(hex(0, width: 4) == "0000" && hex(0xabc, width: 2) == "abc" && hex(UInt8(7), width: 1) == "7")
        #expect(hex(UInt64.max, width: 1) == "ffffffffffffffff" && hex(UInt64.max, width: 20) == "0000ffffffffffffffff")
        #expect(hex(-1, width: 2) == "-1")
        var rng = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let v = rng.next() >> (rng.next() % 64), w = Int(rng.next() % 20)
            let digits = String(v, radix: 16)
            #expect(hex(v, width: w) == String(repeating: "0", count: max(0, w - digits.count)) + digits)
        }
        #expect(PCIAddress(domain: 0x7fff_ffff, bus: 0xff, device: 0x1f, function: 7)?.description == "7fffffff:ff:1f.7")
    }

    @Test func filterErrors() throws {
        #expect(throws: FilterError.self) { try SlotFilter(parsing: "0:20.0") }
        #expect(throws: FilterError.self) { try SlotFilter(parsing: "0:0.8") }
        #expect(throws: FilterError.self) { try IDFilter(parsing: "8086") }
        #expect(throws: FilterError.self) { try IDFilter(parsing: "10000:") }
        #expect(throws: FilterError.self) { try ClassFilter(parsing: "2") }
        #expect(try ClassFilter(parsing: "0c03").matches(classCode: 0x0c0330))
        #expect(try ClassFilter(parsing: "02").matches(classCode: 0x020000))
        #expect(try !ClassFilter(parsing: "0c0320").matches(classCode: 0x0c0330))
        #expect(try ClassFilter(parsing: "0cx3").matches(classCode: 0x0c0330))
    }

    /// The same -s / -d strings given to lspci and to Sluice select the same functions, on a
    /// tree with several domains, buses and functions.
    @Test func selectionAgreesWithLspci() throws {
        let tree = TreeBuilder("filters")
        defer { tree.remove() }
        let specs: [(String, UInt16, UInt16, UInt32)] = [
            ("0000:00:00.0", 0x8086, 0x29c0, 0x060000), ("0000:00:1f.0", 0x8086, 0x2918, 0x060100),
            ("0000:00:1f.2", 0x8086, 0x2922, 0x010601), ("0000:00:1f.3", 0x8086, 0x2930, 0x0c0500),
            ("0000:01:00.0", 0x8086, 0x10d3, 0x020000), ("0000:02:00.0", 0x1af4, 0x1041, 0x020000),
            ("0001:00:00.0", 0x1b36, 0x000b, 0x060000), ("0001:03:02.4", 0x1b36, 0x0010, 0x010802),
            ("10000:00:01.0", 0x8086, 0x0a54, 0x010802),
        ]
        for (a, v, d, c) in specs {
            tree.add(.init(address: a, config: ConfigBuilder(size: 64, vendor: v, device: d, classCode: c).bytes))
        }
        let result = try PCIScanner(root: tree.root, options: .init(fullConfig: false, names: false)).scan()
        #expect(result.devices.count == specs.count)
        let slots = ["0:", "0", "1f", "1f.2", ".4", "*:*.*", "1:3:2.4", "0001:", "1:", "10000:0:1", "*:1f.*", ":", "", "2:0.0",
                     "00:1f.3", "0x1f", "0x1:", "20", "0:0.8", "1:2:3:4", "g:", "100:"]
        let idSpecs = ["8086:", ":10d3", "1af4:1041", "::0200", "::02xx", "::0c05", ":*:0108", "::0108:02", "*:*", "8086::01xx",
                       "1b36:0010:0108:02", "::xx00", "0x8086:", "8086", "10000:", "::10000", "::0108:100", ":g"]
        for s in slots {
            let theirs = try lspciSelection(tree.root, ["-s", s])
            guard let f = try? SlotFilter(parsing: s) else {
                #expect(theirs == nil, "-s \(s): Sluice refuses it, lspci selects \(theirs ?? [])")
                continue
            }
            let ours = result.devices.filter { f.matches($0.address) }.map { $0.address.description }
            #expect(ours == theirs, "-s \(s)")
        }
        for s in idSpecs {
            let theirs = try lspciSelection(tree.root, ["-d", s])
            guard let f = try? IDFilter(parsing: s) else {
                #expect(theirs == nil, "-d \(s): Sluice refuses it, lspci selects \(theirs ?? [])")
                continue
            }
            let ours = result.devices.filter { f.matches(vendor: $0.vendorID, device: $0.deviceID, classCode: $0.classCode) }
                .map { $0.address.description }
            #expect(ours == theirs, "-d \(s)")
        }
    }

    /// The addresses lspci selects, or nil when lspci refuses the filter.
    private func lspciSelection(_ root: String, _ args: [String]) throws -> [String]? {
        let r = try TestSupport.run("/usr/bin/lspci", ["-D", "-A", "linux-sysfs", "-O", "sysfs.path=\(root)/sys/bus/pci"] + args)
        if r.status != 0 { return nil }
        return r.out.split(separator: "\n").map { String($0.prefix { $0 != " " }) }
    }
}
