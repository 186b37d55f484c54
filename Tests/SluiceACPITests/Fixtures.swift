import Foundation
import Testing

/// The real firmware tables in Tests/Fixtures/acpi (see its README for their origin).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/acpi")

    struct Table: Sendable, CustomTestStringConvertible {
        let signature: String
        let name: String
        let bytes: [UInt8]
        var testDescription: String { "\(signature)/\(name)" }
    }

    static func tables(_ signature: String) -> [Table] {
        let folder = directory.appendingPathComponent(signature)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".dat") }.sorted().map {
            Table(signature: signature, name: String($0.dropLast(4)),
                  bytes: (try? [UInt8](Data(contentsOf: folder.appendingPathComponent($0)))) ?? [])
        }
    }

    static let dmar = tables("DMAR")
    static let ivrs = tables("IVRS")
}

@Suite struct FixtureInventoryTests {
    @Test func everyFixtureIsPresent() {
        // Real firmware tables plus the QEMU lab's (qemu72-*).
        #expect(Fixtures.dmar.filter { !$0.name.hasPrefix("qemu") }.count == 212)
        #expect(Fixtures.ivrs.filter { !$0.name.hasPrefix("qemu") }.count == 77)
        #expect(Fixtures.dmar.filter { $0.name.hasPrefix("qemu") }.count == 3)
        #expect(Fixtures.ivrs.filter { $0.name.hasPrefix("qemu") }.count == 1)
    }
}
