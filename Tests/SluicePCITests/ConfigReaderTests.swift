import Foundation
import Testing
@testable import SluicePCI

/// The live-host reader fetches only header, standard capabilities and each extended
/// capability's window; everything decoded from it must equal decoding all 4 KiB.
@Suite struct ConfigReaderTests {
    @Test func sparseReadDecodesLikeFullRead() throws {
        var rng = SplitMix64(seed: 0x5a5e_0001)
        let dir = TestSupport.tempDir("sparse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for round in 0..<300 {
            var c = ConfigBuilder(size: 4096)
            for o in stride(from: 0x40, to: 4096, by: 4) { c.put32(o, UInt32(truncatingIfNeeded: rng.next())) }
            // A standard chain of random kinds at random offsets, sometimes looping or broken.
            var std = (0..<Int(rng.next() % 6)).map { _ in 0x40 + Int(rng.next() % 0xbc) & ~3 }
            std.insert(0x40, at: 0)
            std = Array(Set(std)).sorted()
            let kinds: [UInt8] = [0x01, 0x05, 0x09, 0x11, 0x0d, 0x10]
            for (i, o) in std.enumerated() {
                let next = i + 1 < std.count ? std[i + 1] : (round % 5 == 0 ? 0x40 : 0)
                c.cap(o, id: i == 0 ? 0x10 : kinds[Int(rng.next() % 6)], next: UInt8(next))
            }
            c.put16(0x42, 0x0002)
            // A chain of extended capabilities at random offsets, sometimes looping or broken.
            var offsets = (0..<Int(rng.next() % 8)).map { _ in 0x100 + Int(rng.next() % 0xe00) & ~3 }
            offsets.insert(0x100, at: 0)
            for (i, o) in offsets.enumerated() {
                let next = i + 1 < offsets.count ? offsets[i + 1] : (round % 7 == 0 ? 0x100 : 0)
                let id: UInt16 = [0x01, 0x03, 0x0d, 0x0f, 0x10, 0x13, 0x15, 0x1b, 0x0b][Int(rng.next() % 9)]
                c.extCap(o, id: id, next: next)
            }
            let path = dir + "/config"
            FileManager.default.createFile(atPath: path, contents: Data(c.bytes))
            let fd = open(path, O_RDONLY)
            let sparse = ConfigReader.readSparse(fd)
            close(fd)
            let full = DecodedConfig(ConfigSpace(c.bytes)), part = DecodedConfig(ConfigSpace(sparse))
            #expect(full.items.map(\.entry) == part.items.map(\.entry), "round \(round)")
            #expect(full.items.map { $0.decoded?.fields ?? [] } == part.items.map { $0.decoded?.fields ?? [] }, "round \(round)")
            #expect(full.problems == part.problems, "round \(round)")
        }
    }
}
