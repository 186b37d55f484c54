import SluiceTestSupport
import Testing
@testable import SluiceACPI

/// Deterministic mutation fuzzing over the real fixture tables: bit flips,
/// truncations, length-field rewrites, type rewrites, splices. Every mutant
/// must decode (or be rejected with a typed error) without crashing or
/// hanging, and the result must satisfy the parsers' structural invariants.
@Suite struct FuzzTests {
    typealias SplitMix64 = SluiceTestSupport.SplitMix64

    static let casesPerTableKind = 10_000

    @Test func dmarMutants() throws {
        let seeds = Fixtures.dmar.map(\.bytes) + [DMARParserTests.sample()]
        try fuzz(seeds, seed: 0xD3A2) { bytes in
            let table = try DMARTable(bytes: bytes)
            check(table, bytes)
            return table.diagnostics
        }
    }

    @Test func ivrsMutants() throws {
        let seeds = Fixtures.ivrs.map(\.bytes) + [IVRSParserTests.sample()]
        try fuzz(seeds, seed: 0x1E25) { bytes in
            let table = try IVRSTable(bytes: bytes)
            check(table, bytes)
            return table.diagnostics
        }
    }

    /// A single flipped bit inside the table always breaks the checksum, and is noticed.
    @Test func everySingleBitFlipIsCaughtByTheChecksum() throws {
        var rng = SplitMix64(state: 7)
        for fixture in Fixtures.dmar.prefix(60) + Fixtures.ivrs.prefix(60) {
            var bytes = fixture.bytes
            let bit = Int.random(in: 0..<(bytes.count * 8), using: &rng)
            // Flipping the signature rejects the table, flipping the length changes what the checksum covers.
            guard bit >= 64 else { continue }
            bytes[bit / 8] ^= 1 << (bit % 8)
            let ok = fixture.signature == "DMAR"
                ? try DMARTable(bytes: bytes).checksumIsValid
                : try IVRSTable(bytes: bytes).checksumIsValid
            #expect(!ok, "\(fixture.testDescription) bit \(bit)")
        }
    }

    private func fuzz(_ seeds: [[UInt8]], seed: UInt64, _ decode: ([UInt8]) throws -> [ACPIDiagnostic]) throws {
        var rng = SplitMix64(state: seed)
        var rejected = 0, withErrors = 0
        for _ in 0..<Self.casesPerTableKind {
            let original = seeds.randomElement(using: &rng)!
            let mutant = mutate(original, &rng)
            do {
                if try decode(mutant).contains(where: { $0.severity == .error }) { withErrors += 1 }
            } catch is ACPITableError { rejected += 1 }
        }
        // A fuzzer that only hits the reject path, or never a structural error, tests little.
        #expect(rejected < Self.casesPerTableKind / 4)
        #expect(withErrors > Self.casesPerTableKind / 5)
    }

    private func mutate(_ original: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = original
        for _ in 0...Int.random(in: 0..<3, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0:  // bit flips
                bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1:  // truncation, often inside the header
                bytes = Array(bytes.prefix(Bool.random(using: &rng) ? at : Int.random(in: 0..<60, using: &rng)))
            case 2, 3:  // rewrite a 16-bit length-like field at a structure/entry boundary to a hostile value
                let value: UInt16 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0xFFFF, UInt16(bytes.count), UInt16.random(in: 0...0xFFFF, using: &rng)]
                    .randomElement(using: &rng)!
                if at + 1 < bytes.count { bytes[at] = UInt8(value & 0xFF); bytes[at + 1] = UInt8(value >> 8) }
            case 4:  // 8-bit length (device scope, ACPI HID UID length) or type byte
                bytes[at] = [0, 1, 5, 6, 7, 0x40, 0x48, 0xF0, 0xFF, UInt8.random(in: 0...0xFF, using: &rng)].randomElement(using: &rng)!
            case 5:  // table length field
                let value = [0, 36, 47, 48, UInt32(bytes.count + 1), UInt32.max, UInt32.random(in: 0...4096, using: &rng)]
                    .randomElement(using: &rng)!
                if bytes.count >= 8 { for i in 0..<4 { bytes[4 + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) } }
            case 6:  // splice: duplicate or drop a run of bytes
                let count = min(Int.random(in: 1...16, using: &rng), bytes.count - at)
                if Bool.random(using: &rng) { bytes.insert(contentsOf: bytes[at..<at + count], at: at) }
                else { bytes.removeSubrange(at..<at + count) }
            default:  // random garbage run
                for i in at..<min(at + 8, bytes.count) { bytes[i] = UInt8.random(in: 0...0xFF, using: &rng) }
            }
        }
        return bytes
    }

    private func checkFrame(_ count: Int, _ diagnostics: [ACPIDiagnostic], _ offsets: [Int]) {
        #expect(diagnostics.allSatisfy { (0...count).contains($0.offset) })
        #expect(zip(offsets, offsets.dropFirst()).allSatisfy { $0 < $1 }, "structures out of order")
        #expect(offsets.allSatisfy { $0 >= 48 && $0 < count })
        // Each structure is at least 4 bytes, so a bounded count proves progress (no loop on length 0).
        #expect(offsets.count <= max(0, count - 48) / 4 + 1)
    }

    private func check(_ table: DMARTable, _ bytes: [UInt8]) {
        checkFrame(bytes.count, table.diagnostics, table.structures.map(\.offset))
        for structure in table.structures {
            switch structure {
            case let .unknown(raw):
                #expect(Array(bytes[raw.offset..<raw.offset + raw.bytes.count]) == raw.bytes, "raw bytes lost")
            default:
                for scope in structure.deviceScopes {
                    #expect(scope.length >= 6 && scope.path.count == (Int(scope.length) - 6) / 2)
                    #expect(scope.offset + Int(scope.length) <= bytes.count)
                }
            }
        }
        #expect((try? DMARTable(bytes: bytes)) == table, "decoding is deterministic")
    }

    private func check(_ table: IVRSTable, _ bytes: [UInt8]) {
        checkFrame(bytes.count, table.diagnostics, table.blocks.map(\.offset))
        for block in table.blocks {
            switch block {
            case let .unknown(raw):
                #expect(Array(bytes[raw.offset..<raw.offset + raw.bytes.count]) == raw.bytes, "raw bytes lost")
            case let .hardware(ivhd):
                let end = ivhd.offset + Int(ivhd.length)
                #expect(end <= bytes.count)
                for entry in ivhd.entries {
                    #expect(entry.offset + entry.length <= end && entry.bytes.count == entry.length)
                    #expect(Array(bytes[entry.offset..<entry.offset + entry.length]) == entry.bytes)
                }
                #expect(ivhd.deviceRanges.allSatisfy { $0.first <= $0.last })
            case let .memory(ivmd):
                #expect(ivmd.offset + Int(ivmd.length) <= bytes.count && ivmd.length >= 32)
            }
        }
        #expect((try? IVRSTable(bytes: bytes)) == table, "decoding is deterministic")
    }
}
