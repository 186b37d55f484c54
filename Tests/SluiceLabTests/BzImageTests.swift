import Testing
import SluiceSystem
@testable import SluiceLab

private func fakeBzImage(setupSectors: UInt8, payloadOffset: Int, payload: [UInt8], protocolVersion: UInt16 = 0x20f) -> [UInt8] {
    let start = ((setupSectors == 0 ? 4 : Int(setupSectors)) + 1) * 512
    var image = [UInt8](repeating: 0, count: start + payloadOffset + payload.count + 4)
    image[0x1f1] = setupSectors
    image[0x202...0x205] = [0x48, 0x64, 0x72, 0x53][...]
    image[0x206] = UInt8(protocolVersion & 0xff)
    image[0x207] = UInt8(protocolVersion >> 8)
    for i in 0..<4 {
        image[0x248 + i] = UInt8((payloadOffset >> (8 * i)) & 0xff)
        image[0x24c + i] = UInt8((payload.count >> (8 * i)) & 0xff)
    }
    image.replaceSubrange(start + payloadOffset..<start + payloadOffset + payload.count, with: payload)
    return image
}

@Suite struct BzImageTests {
    @Test func findsThePayloadThroughTheHeader() throws {
        let xz: [UInt8] = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]
        let p = try BzImage.payload(of: fakeBzImage(setupSectors: 27, payloadOffset: 0x3a0, payload: xz))
        #expect(p == BzImagePayload(offset: 28 * 512 + 0x3a0, length: 9, compression: .xz))
        let gz = try BzImage.payload(of: fakeBzImage(setupSectors: 0, payloadOffset: 16, payload: [0x1f, 0x8b, 8, 0]))
        #expect(gz.offset == 5 * 512 + 16) // setup_sects 0 means 4
        #expect(gz.compression == .gzip)
        #expect(try BzImage.payload(of: fakeBzImage(setupSectors: 1, payloadOffset: 0, payload: [0x28, 0xb5, 0x2f, 0xfd])).compression == .zstd)
    }

    @Test func rejectsWhatIsNotABzImage() {
        #expect(throws: BzImageError.self) { try BzImage.payload(of: [UInt8](repeating: 0, count: 4096)) }
        #expect(throws: BzImageError.self) { try BzImage.payload(of: [1, 2, 3]) }
        #expect(throws: BzImageError.self) {
            try BzImage.payload(of: fakeBzImage(setupSectors: 1, payloadOffset: 0, payload: [0x1f, 0x8b], protocolVersion: 0x207))
        }
        #expect(throws: BzImageError.unknownCompression) {
            try BzImage.payload(of: fakeBzImage(setupSectors: 1, payloadOffset: 0, payload: [9, 9, 9, 9]))
        }
        var lying = fakeBzImage(setupSectors: 1, payloadOffset: 0, payload: [0x1f, 0x8b])
        lying[0x24f] = 0x7f // length far beyond the file
        #expect(throws: BzImageError.self) { try BzImage.payload(of: lying) }
    }

    /// Random headers and lengths never crash the parser (deterministic seed).
    @Test func randomHeadersNeverCrash() {
        var rng = SplitMix64(state: 0x5_1ce)
        let base = fakeBzImage(setupSectors: 3, payloadOffset: 64, payload: [0x1f, 0x8b, 8, 0, 1, 2, 3, 4])
        for _ in 0..<5000 {
            var image = base
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0x1f0..<0x260, using: &rng)
                image[at] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { image.removeLast(Int.random(in: 0..<image.count, using: &rng)) }
            if let p = try? BzImage.payload(of: image) {
                #expect(p.offset + p.length <= image.count)
            }
        }
    }

    /// The real Debian kernel, when the lab cache holds one.
    @Test(.enabled(if: realKernel() != nil)) func realDebianKernel() throws {
        let path = realKernel()!
        let image = readFile(path)!
        let p = try BzImage.payload(of: image)
        #expect(p.compression == .xz)
        #expect(p.length > 1 << 20)
    }
}

private func realKernel() -> String? {
    let cache = environment("SLUICE_LAB_CACHE") ?? "/var/cache/sluice/lab"
    guard let out = try? Subprocess.run(["sh", "-c", "ls \"$1\"/kernels/*/boot/vmlinuz-* 2>/dev/null | head -1", "sh", cache]) else { return nil }
    let path = out.text.split(separator: "\n").first.map(String.init)
    return path?.isEmpty == false ? path : nil
}
