/// What the type1 IOMMU backend reports (VFIO_IOMMU_GET_INFO and its capability chain).
public struct IOMMUInfo: Sendable, Equatable {
    /// Supported IOMMU page sizes, as a bitmap (bit n set: 2^n bytes).
    public var pageSizeBitmap: UInt64
    /// IOVA ranges a mapping may use (inclusive); the MSI window and reserved regions are outside.
    public var iovaRanges: [ClosedRange<UInt64>]
    /// How many more DMA mappings this container accepts (vfio_iommu_type1 dma_entry_limit).
    public var dmaMappingsAvailable: UInt32?
    /// Dirty-page tracking (migration capability): page sizes and the largest bitmap in bytes.
    public var dirtyTracking: DirtyTracking?

    public struct DirtyTracking: Sendable, Equatable {
        public var pageSizeBitmap: UInt64
        public var maxBitmapBytes: UInt64
    }

    public var pageSizes: [UInt64] { (0..<64).filter { pageSizeBitmap >> $0 & 1 == 1 }.map { 1 << $0 } }
    public var smallestPage: UInt64 { pageSizeBitmap == 0 ? 4096 : 1 << UInt64(pageSizeBitmap.trailingZeroBitCount) }

    /// Why the type1 backend would refuse this mapping (alignment, an IOVA outside the usable
    /// ranges such as the MSI window), or nil when none of those applies.
    static func explainRejectedMap(_ info: IOMMUInfo, iova: UInt64, size: UInt64) -> String? {
        explainRejectedMap(ranges: info.iovaRanges, alignment: info.smallestPage, iova: iova, size: size)
    }

    /// The same checks for any IOMMU API that reports usable ranges and an IOVA alignment
    /// (type1's smallest page, iommufd's out_iova_alignment).
    static func explainRejectedMap(ranges: [ClosedRange<UInt64>], alignment page: UInt64, iova: UInt64, size: UInt64) -> String? {
        if size == 0 { return "size is 0" }
        if iova % page != 0 || size % page != 0 {
            return "iova and size must be multiples of the smallest IOMMU page (0x\(String(page, radix: 16)))"
        }
        let (last, overflow) = iova.addingReportingOverflow(size - 1)
        if overflow { return "iova + size overflows 64 bits" }
        if !ranges.isEmpty, !ranges.contains(where: { $0.contains(iova) && $0.contains(last) }) {
            let ranges = ranges.map { "0x\(String($0.lowerBound, radix: 16))-0x\(String($0.upperBound, radix: 16))" }
            return "[0x\(String(iova, radix: 16)), 0x\(String(last, radix: 16))] is not inside one usable IOVA range (\(ranges.joined(separator: ", "))); reserved regions such as the MSI window cannot be mapped"
        }
        return nil
    }

    /// Parses struct vfio_iommu_type1_info (argsz, flags, iova_pgsizes, cap_offset) and its caps.
    static func parse(_ b: KernelBytes) throws(VFIOError) -> IOMMUInfo {
        guard let flags = b.u32(4), let pgsizes = b.u64(8) else {
            throw .malformed("VFIO_IOMMU_GET_INFO reply of \(b.bytes.count) bytes")
        }
        var info = IOMMUInfo(pageSizeBitmap: flags & 1 != 0 ? pgsizes : 0, iovaRanges: [],
                             dmaMappingsAvailable: nil, dirtyTracking: nil)
        guard flags & 2 != 0, let capOffset = b.u32(16) else { return info }
        for cap in try parseCapabilityChain(b, first: capOffset) {
            let p = cap.offset + 8
            switch cap.id {
            case 1: // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: u32 nr_iovas, u32 reserved, {u64 start, u64 end}[]
                guard let n = b.u32(p) else { throw .malformed("IOVA range capability truncated") }
                for i in 0..<Int(min(n, 4096)) {
                    guard let s = b.u64(p + 8 + 16 * i), let e = b.u64(p + 16 + 16 * i), s <= e else {
                        throw .malformed("IOVA range \(i) of \(n) truncated or reversed")
                    }
                    info.iovaRanges.append(s...e)
                }
            case 2: // VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION: u32 flags, u64 pgsize_bitmap, u64 max_dirty_bitmap_size
                guard let pg = b.u64(p + 8), let max = b.u64(p + 16) else { throw .malformed("migration capability truncated") }
                info.dirtyTracking = DirtyTracking(pageSizeBitmap: pg, maxBitmapBytes: max)
            case 3: // VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: u32 avail
                guard let avail = b.u32(p) else { throw .malformed("DMA-available capability truncated") }
                info.dmaMappingsAvailable = avail
            default: break // unknown capabilities are skipped, as the uapi allows
            }
        }
        return info
    }
}
