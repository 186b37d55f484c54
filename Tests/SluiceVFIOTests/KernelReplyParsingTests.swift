import SluiceTestSupport
import Testing
@testable import SluiceVFIO

/// Builds kernel replies byte by byte, as vfio_iommu_type1 and vfio-pci lay them out.
struct ReplyBuilder {
    var bytes: [UInt8]
    init(size: Int) { bytes = [UInt8](repeating: 0, count: size) }
    mutating func u16(_ v: UInt16, _ o: Int) { bytes.putLE(v, at: o) }
    mutating func u32(_ v: UInt32, _ o: Int) { bytes.putLE(v, at: o) }
    mutating func u64(_ v: UInt64, _ o: Int) { bytes.putLE(v, at: o) }
    mutating func cap(id: UInt16, at o: Int, next: UInt32) { u16(id, o); u16(1, o + 2); u32(next, o + 4) }
}

@Suite struct KernelReplyParsing {
    /// The e1000e's type1 info as the lab's 6.1 kernel reports it (NOTES.md): two IOVA ranges
    /// around the MSI window, 4K|2M|1G pages, 65535 mappings.
    func labIOMMUInfo() -> ReplyBuilder {
        var r = ReplyBuilder(size: 96)
        r.u32(96, 0); r.u32(3, 4); r.u64(0x4020_1000, 8); r.u32(24, 16)
        r.cap(id: 1, at: 24, next: 72)
        r.u32(2, 32)
        r.u64(0, 40); r.u64(0xfedf_ffff, 48)
        r.u64(0xfef0_0000, 56); r.u64(0x7f_ffff_ffff, 64)
        r.cap(id: 3, at: 72, next: 0); r.u32(65535, 80)
        return r
    }

    @Test func iommuInfoWithCapabilities() throws {
        let info = try IOMMUInfo.parse(KernelBytes(labIOMMUInfo().bytes))
        #expect(info.pageSizes == [4096, 2 << 20, 1 << 30])
        #expect(info.iovaRanges == [0...0xfedf_ffff, 0xfef0_0000...0x7f_ffff_ffff])
        #expect(info.dmaMappingsAvailable == 65535)
        #expect(info.smallestPage == 4096)
    }

    @Test func rejectedMapsAreExplained() throws {
        let info = try IOMMUInfo.parse(KernelBytes(labIOMMUInfo().bytes))
        #expect(IOMMUInfo.explainRejectedMap(info, iova: 0x1000, size: 0x2000) == nil)
        #expect(IOMMUInfo.explainRejectedMap(info, iova: 0x1001, size: 0x1000)?.contains("multiples") == true)
        #expect(IOMMUInfo.explainRejectedMap(info, iova: 0xfee0_0000, size: 0x1000)?.contains("MSI window") == true)
        #expect(IOMMUInfo.explainRejectedMap(info, iova: 0xfed0_0000, size: 0x20_0000)?.contains("not inside") == true)
        #expect(IOMMUInfo.explainRejectedMap(info, iova: 0xffff_ffff_ffff_f000, size: 0x2000)?.contains("overflows") == true)
    }

    /// iommufd reports its own IOVA alignment (IOMMU_IOAS_IOVA_RANGES out_iova_alignment): the
    /// same explanation applies with that alignment instead of type1's smallest page.
    @Test func rejectedIOASMapsAreExplainedWithTheReportedAlignment() {
        let ranges: [ClosedRange<UInt64>] = [0...0xfedf_ffff, 0xfef0_0000...0x7f_ffff_ffff]
        #expect(IOMMUInfo.explainRejectedMap(ranges: ranges, alignment: 2 << 20, iova: 0x20_0000, size: 0x20_0000) == nil)
        #expect(IOMMUInfo.explainRejectedMap(ranges: ranges, alignment: 2 << 20, iova: 0x1000, size: 0x20_0000)?.contains("(0x200000)") == true)
        #expect(IOMMUInfo.explainRejectedMap(ranges: ranges, alignment: 4096, iova: 0xfee0_0000, size: 0x1000)?.contains("MSI window") == true)
        #expect(IOMMUInfo.explainRejectedMap(ranges: ranges, alignment: 4096, iova: 0x80_0000_0000, size: 0x1000)?.contains("not inside") == true)
        #expect(IOMMUInfo.explainRejectedMap(ranges: ranges, alignment: 4096, iova: 0x1000, size: 0) == "size is 0")
    }

    @Test func capabilityLoopIsAnErrorNotAHang() {
        var r = labIOMMUInfo()
        r.u32(24, 76)   // the DMA-available cap points back to the first one
        #expect(throws: VFIOError.self) { try IOMMUInfo.parse(KernelBytes(r.bytes)) }
    }

    @Test func capabilityOverrunningTheReplyIsRejected() {
        var r = labIOMMUInfo()
        r.u32(2000, 2 + 24 + 2)   // next of cap 1 -> far outside
        r.u32(9000, 28)
        #expect(throws: VFIOError.self) { try IOMMUInfo.parse(KernelBytes(r.bytes)) }
        var n = labIOMMUInfo()
        n.u32(1_000_000, 32)    // nr_iovas larger than the reply
        #expect(throws: VFIOError.self) { try IOMMUInfo.parse(KernelBytes(n.bytes)) }
    }

    @Test func regionWithSparseAreasAndMSIXMappable() throws {
        var r = ReplyBuilder(size: 88)
        r.u32(88, 0); r.u32(0b1111, 4); r.u32(3, 8); r.u32(32, 12)
        r.u64(0x4000, 16); r.u64(3 << 40, 24)
        r.cap(id: 1, at: 32, next: 72)
        r.u32(2, 40)
        r.u64(0, 48); r.u64(0x1000, 56)
        r.u64(0x3000, 64)
        // the second area's size is at 72, which overlaps the next cap: move that cap further.
        var s = ReplyBuilder(size: 104)
        s.bytes.replaceSubrange(0..<72, with: r.bytes[0..<72])
        s.u32(104, 0); s.u32(88, 36)
        s.u64(0x1000, 72)
        s.cap(id: 3, at: 88, next: 0)
        let info = try RegionInfo.parse(KernelBytes(s.bytes))
        #expect(info.index == 3)
        #expect(info.size == 0x4000)
        #expect(info.offset == 3 << 40)
        #expect(info.sparseAreas == [.init(offset: 0, size: 0x1000), .init(offset: 0x3000, size: 0x1000)])
        #expect(info.msixMappable)
        #expect(info.mmappableAreas.count == 2)
    }

    @Test func sparseAreaOutsideTheRegionIsRejected() {
        var r = ReplyBuilder(size: 72)
        r.u32(72, 0); r.u32(0b1111, 4); r.u32(0, 8); r.u32(32, 12); r.u64(0x1000, 16)
        r.cap(id: 1, at: 32, next: 0); r.u32(1, 40); r.u64(0x800, 48); r.u64(0x1000, 56)
        #expect(throws: VFIOError.self) { try RegionInfo.parse(KernelBytes(r.bytes)) }
    }

    @Test func regionWithoutCapsIsWhollyMappableOnlyWithTheMmapFlag() throws {
        var r = ReplyBuilder(size: 32)
        r.u32(32, 0); r.u32(0b111, 4); r.u64(0x20000, 16)
        #expect(try RegionInfo.parse(KernelBytes(r.bytes)).mmappableAreas == [.init(offset: 0, size: 0x20000)])
        r.u32(0b011, 4)
        #expect(try RegionInfo.parse(KernelBytes(r.bytes)).mmappableAreas.isEmpty)
    }

    /// Deterministic random replies: the parsers either parse or throw, never trap or hang.
    @Test func randomRepliesNeverCrash() {
        var rng = SplitMix(seed: 0x5eed)
        var parsed = 0
        for i in 0..<20_000 {
            let n = Int(rng.next() % 160)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n >= 24, i % 2 == 0 { bytes.putLE(UInt32(8 * (rng.next() % UInt64(n / 8))), at: i % 4 == 0 ? 16 : 12) }
            if (try? IOMMUInfo.parse(KernelBytes(bytes))) != nil { parsed += 1 }
            if (try? RegionInfo.parse(KernelBytes(bytes))) != nil { parsed += 1 }
            _ = try? DeviceInfo.parse(KernelBytes(bytes))
        }
        #expect(parsed > 0)
    }

    @Test func memlockShortfallNamesTheExactNumber() {
        let s = MemlockShortfall.diagnose(request: 1 << 30, limit: 8 << 20, locked: 4096)
        #expect(s?.requiredBytes == (1 << 30) + 4096)
        #expect(s?.description.contains("\((1 << 30) + 4096) bytes") == true)
        #expect(s?.description.contains("ulimit -l \(((1 << 30) + 4096) / 1024)") == true)
        #expect(MemlockShortfall.diagnose(request: 4096, limit: .max, locked: 0) == nil)
        #expect(MemlockShortfall.diagnose(request: 4096, limit: 8192, locked: 4096) == nil)
    }

    @Test func procStatusFields() {
        let status = "Name:\tx\nVmLck:\t     132 kB\nVmPin:\t       0 kB\n"
        #expect(ProcStatus.kilobyteField("VmLck", in: status) == 132 * 1024)
        #expect(ProcStatus.kilobyteField("VmPin", in: status) == 0)
        #expect(ProcStatus.kilobyteField("VmHWM", in: status) == nil)
        // A name that only starts another field's name, and a value too large in bytes.
        #expect(ProcStatus.kilobyteField("Vm", in: status) == nil)
        #expect(ProcStatus.kilobyteField("VmLck", in: "VmLck:\t18446744073709551615 kB\n") == nil)
    }

    @Test func dependentDeviceAddress() {
        #expect(DependentDevice(groupOrDeviceID: 9, segment: 0, bus: 1, devfn: 0x08 | 1).address == "0000:01:01.1")
        #expect(DependentDevice(groupOrDeviceID: 9, segment: 0, bus: 1, devfn: 0).description == "0000:01:00.0 (group 9)")
        #expect(DependentDevice(groupOrDeviceID: 2, segment: 0, bus: 1, devfn: 0, namedByDeviceID: true).description == "0000:01:00.0 (iommufd device 2)")
        #expect(DependentDevice(groupOrDeviceID: .max, segment: 0, bus: 1, devfn: 0, namedByDeviceID: true).description.contains("not owned"))
    }
}

/// The shared generator (Tests/SluiceTestSupport), visible to every file of this target.
typealias SplitMix = SluiceTestSupport.SplitMix64
