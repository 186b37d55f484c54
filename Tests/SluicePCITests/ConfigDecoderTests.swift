import Testing
@testable import SluicePCI

@Suite struct ConfigDecoderTests {
    @Test func headerOfType0AndType1() {
        var c = ConfigBuilder(vendor: 0x8086, device: 0x2922, classCode: 0x010601)
        c.put8(0x08, 0x02)
        let h = ConfigHeader(ConfigSpace(c.bytes))!
        #expect(h.vendorID == 0x8086 && h.deviceID == 0x2922 && h.classCode == 0x010601 && h.revision == 2)
        guard case .endpoint(let sv, _, _, _, _) = h.layout else { Issue.record("not type 0"); return }
        #expect(sv == 0x8086)

        var b = ConfigBuilder(classCode: 0x060400, headerType: 0x81)
        b.put8(0x18, 0); b.put8(0x19, 1); b.put8(0x1a, 3)
        b.put16(0x20, 0xfe00); b.put16(0x22, 0xfe10)
        let bh = ConfigHeader(ConfigSpace(b.bytes))!
        #expect(bh.isMultiFunction)
        guard case .bridge(let br) = bh.layout else { Issue.record("not type 1"); return }
        #expect(br.secondaryBus == 1 && br.subordinateBus == 3)
        #expect(br.memoryBase == 0xfe00_0000 && br.memoryLimit == 0xfe1f_ffff)
    }

    @Test func shortConfigHasNoHeader() {
        let d = DecodedConfig(ConfigSpace([0x86, 0x80]))
        #expect(d.header == nil)
        #expect(d.problems.first?.contains("shorter than the 64-byte header") == true)
    }

    @Test func capabilityLoopIsReportedNotFollowed() {
        var c = ConfigBuilder()
        c.cap(0x40, id: 0x01, next: 0x50)
        c.cap(0x50, id: 0x05, next: 0x40)  // back to 0x40
        let d = DecodedConfig(ConfigSpace(c.bytes))
        #expect(d.capabilities!.standard.map(\.offset) == [0x40, 0x50])
        #expect(d.problems.contains { $0.contains("loops back to 0x40") })
    }

    @Test func pointerPastConfigAndIntoHeader() {
        var c = ConfigBuilder(size: 256)
        c.cap(0x40, id: 0x01, next: 0xfc)  // 0xfc: only 4 bytes left, fine; next from there
        c.put8(0xfc, 0x09); c.put8(0xfd, 0x10)  // points into the header
        let d = DecodedConfig(ConfigSpace(c.bytes))
        #expect(d.capabilities!.standard.map(\.offset) == [0x40, 0xfc, 0x10])
        #expect(d.problems.contains { $0.contains("points into the standard header") })

        // A truncated (64-byte) read: the list head points beyond what was read.
        let t = DecodedConfig(ConfigSpace(Array(c.bytes.prefix(64))))
        #expect(t.capabilities!.unreadable)
        #expect(t.problems.contains { $0.contains("past the 64 bytes") })
    }

    @Test func extendedLoopAndBelow0x100() {
        var c = ConfigBuilder(size: 4096)
        c.cap(0x40, id: 0x10, next: 0)
        c.put16(0x42, 0x0002)
        c.extCap(0x100, id: 0x0d, next: 0x200)
        c.extCap(0x200, id: 0x01, next: 0x100)
        let d = DecodedConfig(ConfigSpace(c.bytes))
        #expect(d.capabilities!.extended.map(\.offset) == [0x100, 0x200])
        #expect(d.problems.contains { $0.contains("extended capability list loops back to 0x100") })
    }

    @Test func capabilityCutOffIsAProblem() {
        var c = ConfigBuilder(size: 256)
        c.cap(0xf8, id: 0x11, next: 0)  // MSI-X needs 12 bytes; 8 remain
        let d = DecodedConfig(ConfigSpace(c.bytes))
        #expect(d.msix == nil)
        #expect(d.problems.contains { $0.contains("MSI-X at 0xf8 runs past") })
    }

    @Test func decodesMSIXExpressACSAndSRIOV() {
        var c = ConfigBuilder(size: 4096)
        c.cap(0x70, id: 0x11, next: 0xa0)
        c.put16(0x72, 0x8000 | 4)            // enabled, 5 vectors
        c.put32(0x74, 0x0000_2000 | 3)       // table in BAR3 at 0x2000
        c.put32(0x78, 0x0000_3000 | 3)
        c.cap(0xa0, id: 0x10, next: 0)
        c.put16(0xa2, 0x0002)                // v2 endpoint
        c.put32(0xa4, 1 << 28 | 1)           // FLR, MPS 256
        c.put32(0xac, 0x0000_0041 | 1 << 4 * 1)
        c.extCap(0x100, id: 0x0d, next: 0x140)
        c.put16(0x104, 0x001f); c.put16(0x106, 0x001d)
        c.extCap(0x140, id: 0x10, next: 0)
        c.put16(0x14e, 7); c.put16(0x150, 2); c.put16(0x154, 0x80); c.put16(0x156, 1); c.put16(0x15a, 0x10ed)
        let d = DecodedConfig(ConfigSpace(c.bytes))
        #expect(d.problems.isEmpty)
        let m = d.msix!
        #expect(m.enabled && m.tableSize == 5 && m.tableBAR == 3 && m.tableOffset == 0x2000 && m.pbaOffset == 0x3000)
        let e = d.express!
        #expect(e.portType == .endpoint && e.supportsFLR && e.maxPayloadSupported == 256)
        let acs = d.acs!
        #expect(acs.capability.contains(.requestRedirect) && !acs.control.contains(.translationBlocking))
        let s = d.sriov!
        #expect(s.totalVFs == 7 && s.numVFs == 2 && s.firstVFOffset == 0x80 && s.vfDeviceID == 0x10ed)
    }

    /// Deterministic fuzz: random bytes, random lengths, and random but plausible capability
    /// chains. The decoder must never trap, must terminate, and must only report entries that
    /// lie inside the bytes it was given.
    @Test func fuzzDecoderNeverTraps() {
        var rng = SplitMix64(seed: 0x5eed_0001)
        for round in 0..<20_000 {
            let size = [0, 1, 63, 64, 65, 128, 255, 256, 257, 1024, 4096][Int(rng.next() % 11)]
            var bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if round % 2 == 0, size >= 256 {
                bytes[6] |= 0x10
                bytes[0x34] = [0x40, 0x00, 0xff, 0x3c, 0xfc, 0x10][Int(rng.next() % 6)]
                if size > 0x104, round % 4 == 0 {
                    bytes[0x40] = 0x10; bytes[0x41] = 0
                    bytes[0x34] = 0x40
                }
            }
            let d = DecodedConfig(ConfigSpace(bytes))
            for item in d.items {
                #expect(item.entry.offset >= 0 && item.entry.offset + 4 <= size)
                _ = item.decoded?.fields
            }
            #expect(d.items.count <= 64 + 1024)
        }
    }

    /// A 4 KiB extended space is kept without its trailing zeros; every accessor still reads
    /// what the full bytes hold, and the size stays what was read.
    @Test func extendedSpaceWithoutItsTrailingZerosReadsTheSame() {
        var raw = [UInt8](repeating: 0, count: 4096)
        for i in 0..<0x12f { raw[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 1) | 1 }
        let c = ConfigSpace(raw)
        #expect(c.count == 4096 && !c.isTruncatedHeader && c.bytes == raw)
        func le(_ o: Int, _ n: Int) -> UInt64? {
            guard o >= 0, o + n <= raw.count else { return nil }
            return (0..<n).reduce(UInt64(0)) { $0 | UInt64(raw[o + $1]) << (8 * $1) }
        }
        for o in -2...4100 {
            #expect(c.u8(o).map(UInt64.init) == le(o, 1), "u8 at \(o)")
            #expect(c.u16(o).map(UInt64.init) == le(o, 2), "u16 at \(o)")
            #expect(c.u32(o).map(UInt64.init) == le(o, 4), "u32 at \(o)")
            #expect(c.u64(o) == le(o, 8), "u64 at \(o)")
            #expect(c.has(o, 4) == (o >= 0 && o + 4 <= 4096))
        }
        #expect(c == ConfigSpace(raw))
        #expect(c != ConfigSpace(Array(raw.prefix(256))))
        var other = raw; other[4095] = 1
        #expect(c != ConfigSpace(other))
    }
}
