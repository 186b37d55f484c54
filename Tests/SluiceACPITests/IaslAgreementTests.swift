import Testing
import SluiceACPI

/// Every fixture table decoded by the parser and by `iasl -d` (acpica-tools):
/// every field iasl prints must exist in the parser's decoding with the same
/// value, and inside the structures iasl fully decodes the parser must not
/// decode fields iasl does not have.
///
/// iasl 20200925 (Debian 12) knows neither DMAR SATC (type 5) and SIDP (type 6)
/// nor IVHD type 40h: it prints their common header only (and stops decoding a
/// DMAR table there).
/// For those the comparison covers what iasl prints and no more; the parser's
/// decoding of them is checked by the unit tests and, for 40h, by IVHD40Tests.
@Suite(.enabled(if: Iasl.path != nil,
                "iasl not found: install acpica-tools to compare the DMAR/IVRS parser with iasl -d"))
struct IaslAgreementTests {
    /// Fields on which iasl is wrong, each with the reason, keyed
    /// "SIGNATURE/table@offset field name". Each listed disagreement must still
    /// occur (so the list cannot go stale); every other field must agree.
    static let iaslIsWrong: [String: String] = [
        "DMAR/80665014dc56@28 Asl Compiler ID":
            "bytes D2 04 00 00 (HP ProLiant DL360 G7) are not ASCII; iasl's AcpiUtCheckAndRepairAscii prints each"
            + " non-printable byte as a space, so it shows \"  \"; the parser keeps the bytes as \"\\xD2\\x04\"",
    ]

    @Test("DMAR fixture agrees with iasl -d", arguments: Fixtures.dmar)
    func dmar(_ fixture: Fixtures.Table) throws {
        let table = try DMARTable(bytes: fixture.bytes)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        try compare(IaslRendering(table), fixture)
    }

    @Test("IVRS fixture agrees with iasl -d", arguments: Fixtures.ivrs)
    func ivrs(_ fixture: Fixtures.Table) throws {
        let table = try IVRSTable(bytes: fixture.bytes)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        try compare(IaslRendering(table), fixture)
    }

    /// The unit tests' tables use entry kinds no fixture has (extended select/range, ATSR, RHSA).
    @Test func syntheticTablesAgree() throws {
        let dmar = Fixtures.Table(signature: "DMAR", name: "synthetic", bytes: DMARParserTests.sample())
        try compare(IaslRendering(DMARTable(bytes: dmar.bytes)), dmar)
        let ivrs = Fixtures.Table(signature: "IVRS", name: "synthetic", bytes: IVRSParserTests.sample())
        try compare(IaslRendering(IVRSTable(bytes: ivrs.bytes)), ivrs)
    }


    private func compare(_ rendering: IaslRendering, _ fixture: Fixtures.Table) throws {
        let iasl = try Iasl.disassemble(fixture.bytes, name: fixture.name).fields
        #expect(iasl.count > 10, "iasl decoded almost nothing")
        let ours = Dictionary(rendering.fields.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(ours.count == rendering.fields.count, "parser rendering has two fields at one offset")
        var disagreements: [String] = []
        var knownIaslErrorsSeen: Set<String> = []
        for field in iasl {
            guard let mine = ours[field.key] else {
                disagreements.append("iasl decodes \(field), the parser has no such field")
                continue
            }
            if case let .exact(value) = mine.value, value != field.value {
                let known = "\(fixture.testDescription)@\(field.offset) \(field.name)"
                if Self.iaslIsWrong[known] != nil {
                    knownIaslErrorsSeen.insert(known)
                    continue
                }
                disagreements.append("\(field.name) at 0x\(ACPIText.hex(field.offset, width: 3)): iasl \(field.value), parser \(value)")
            }
        }
        let iaslKeys = Set(iasl.map(\.key))
        for field in rendering.fields where !iaslKeys.contains(field.key)
            && rendering.fullyDecodedRanges.contains(where: { $0.contains(field.offset) }) {
            disagreements.append("parser decodes \(field.name) at 0x\(ACPIText.hex(field.offset, width: 3)), iasl does not")
        }
        for known in Self.iaslIsWrong.keys where known.hasPrefix(fixture.testDescription + "@") {
            #expect(knownIaslErrorsSeen.contains(known), "listed iasl error \(known) no longer occurs")
        }
        let summary = "\(fixture.testDescription): \(disagreements.count) disagreements:\n"
            + disagreements.prefix(20).joined(separator: "\n")
        #expect(disagreements.isEmpty, "\(summary)")
    }
}
