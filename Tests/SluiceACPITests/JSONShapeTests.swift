import Foundation
import Testing
import SluiceACPI

/// The JSON the CLI and the audit emit: 64-bit values as hex strings (so jq and
/// JavaScript readers cannot round them), kinds and flags by name.
@Suite struct JSONShapeTests {
    private func object(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func dmarShape() throws {
        let json = try object(DMARTable(bytes: DMARParserTests.sample()))
        #expect(json["hostAddressWidth"] as? Int == 39)
        #expect(json["flagNames"] as? [String] == ["INTR_REMAP", "DMA_CTRL_PLATFORM_OPT_IN"])
        let structures = try #require(json["structures"] as? [[String: Any]])
        #expect(structures.compactMap { $0["kind"] as? String }
            == ["DRHD", "DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP"])
        let drhd = try #require(structures[0]["structure"] as? [String: Any])
        #expect(drhd["registerBaseAddress"] as? String == "0x00000000FED90000")
        let scope = try #require((drhd["deviceScopes"] as? [[String: Any]])?.first)
        #expect(scope["kind"] as? String == "PCI endpoint")
        #expect(scope["target"] as? String == "00:02.0")
        #expect(scope["path"] as? [String] == ["02.0"])
        let rmrr = try #require(structures[2]["structure"] as? [String: Any])
        #expect(rmrr["limitAddress"] as? String == "0x000000009E01FFFF")
    }

    @Test func ivrsShape() throws {
        let json = try object(IVRSTable(bytes: IVRSParserTests.sample()))
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        #expect(blocks.compactMap { $0["kind"] as? String } == ["IVHD", "IVHD", "IVHD", "IVMD", "IVMD", "IVMD"])
        let ivhd = try #require(blocks[2]["block"] as? [String: Any])
        #expect(ivhd["baseAddress"] as? String == "0x00000000FD100000")
        let efr = try #require(ivhd["extendedFeatures"] as? [String: Any])
        #expect(efr["raw"] as? String == "0x004F77EF22294ADA")
        let entries = try #require(ivhd["entries"] as? [[String: Any]])
        #expect(entries.compactMap { $0["kind"] as? String }.contains("acpiDevice"))
        #expect(entries.first { $0["kind"] as? String == "acpiDevice" }?["uid"] as? String == "\\_SB.FUR0")
        let ivmd = try #require(blocks[5]["block"] as? [String: Any])
        #expect(ivmd["scope"] as? String == "range")
        #expect(ivmd["devices"] as? [String] == ["04:00.0", "04:1f.7"])
    }

    @Test func everyFixtureEncodes() throws {
        for fixture in Fixtures.dmar { _ = try object(DMARTable(bytes: fixture.bytes)) }
        for fixture in Fixtures.ivrs { _ = try object(IVRSTable(bytes: fixture.bytes)) }
    }
}
