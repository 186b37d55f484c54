import Foundation
import Testing
@testable import SluiceAudit

/// `sluice audit --json` is written by hand for speed; the schema is AuditReport's Codable form
/// (snake_case, absent optionals left out). The two must be the same document on every fixture.
@Suite struct AuditJSONTests {
    static func parsed(_ text: String) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSObject)
    }

    @Test(arguments: AuditFixtureTests.names)
    func handWrittenEqualsCodable(_ name: String) throws {
        let (_, report) = try AuditFixtureTests.audit(name)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let codable = String(decoding: try encoder.encode(report), as: UTF8.self)
        let hand = AuditJSON.render(report)
        #expect(try Self.parsed(hand) == Self.parsed(codable))
        #expect(hand.hasPrefix("{\n  \"checks\" : ["))
    }

    /// Long arrays are written in pieces on several threads: joined, they are the same document.
    @Test func longArraysWrittenInPiecesMatchCodable() throws {
        let devices = (0..<1300).map { i in
            DeviceVerdict(address: "0000:\(i / 32):\(i % 32).0", description: "device \(i)", driver: i % 3 == 0 ? nil : "vfio-pci",
                          group: i % 5 == 0 ? nil : i, verdict: i % 2 == 0 ? .assignable : .blocked, reasons: ["r\(i)"],
                          remedy: nil, groupPeers: i % 7 == 0 ? [] : ["peer"], hostCritical: [],
                          reset: ResetSummary(methods: ["flr"], functionLevelReset: true, pmResetWithoutSoftReset: false,
                                              busResetAlsoResets: []), exposure: [])
        }
        let groups = (0..<1030).map { i in
            GroupSummary(id: i, type: i % 2 == 0 ? "DMA" : nil, members: ["m\(i)"], viable: true, blockingMembers: [], why: [],
                         reservedRegions: [], predictionMatches: i % 3 == 0 ? nil : true)
        }
        let report = AuditReport(root: "/", kernelRulesVersion: "6.1", checks: [], units: [], groups: groups, devices: devices, problems: [])
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let codable = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(try Self.parsed(AuditJSON.render(report)) == Self.parsed(codable))
    }

    /// Escapes, empty containers and absent optionals, which the fixtures may not all show.
    @Test func edgeCasesMatchCodable() throws {
        var check = PlatformCheck("x.y", .warn, "quote \" backslash \\ tab \t nul \u{0} bell \u{7} é ✓")
        check.evidence = "line\nbreak\r"
        let report = AuditReport(root: "/", kernelRulesVersion: "6.1", checks: [check, PlatformCheck("a", .pass, "")],
                                 units: [RemappingUnitSummary(name: "dmar0", kind: "intel-vtd", features: [])],
                                 groups: [], devices: [], problems: ["p"])
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let codable = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(try Self.parsed(AuditJSON.render(report)) == Self.parsed(codable))
    }
}
