/// A half-open guest-physical range [start, end).
public struct GuestRange: Hashable, Sendable, CustomStringConvertible {
    public let start: UInt64
    public let end: UInt64

    public init(start: UInt64, end: UInt64) {
        precondition(start <= end)
        self.start = start
        self.end = end
    }

    public init(start: UInt64, size: UInt64) { self.init(start: start, end: start + size) }

    public var size: UInt64 { end - start }
    public func contains(_ a: UInt64) -> Bool { a >= start && a < end }
    public func overlaps(_ o: GuestRange) -> Bool { start < o.end && o.start < end }
    public var description: String { "[0x\(String(start, radix: 16)), 0x\(String(end, radix: 16)))" }
}

/// One stretch of guest RAM: where the guest sees it and where it lies in the VMM's mapping.
public struct RAMRegion: Hashable, Sendable {
    public let guest: GuestRange
    public let hostOffset: Int
}

/// Where guest RAM goes in guest-physical space. RAM never overlaps the MMIO hole below 4 GiB
/// (ECAM, BARs, IOAPIC, LAPIC) or any range the IOMMU reserves (with VFIO, IOVA = guest-physical,
/// so guest RAM in the IOMMU's MSI window could never be DMA-mapped).
public struct GuestMemoryLayout: Equatable, Sendable {
    public static let mmioHole = GuestRange(start: 0xC000_0000, end: 0x1_0000_0000)
    public let regions: [RAMRegion]
    /// The holes RAM skipped, merged and sorted.
    public let reserved: [GuestRange]

    public var totalSize: Int { regions.reduce(0) { $0 + Int($1.guest.size) } }

    public enum LayoutError: Error, Equatable { case sizeNotPageAligned(Int), tooLarge(Int) }

    /// Lays out `ramSize` bytes from guest-physical 0 upward, skipping the MMIO hole and `reserved`.
    public init(ramSize: Int, reserved extra: [GuestRange] = []) throws(LayoutError) {
        guard ramSize > 0, ramSize % 4096 == 0 else { throw .sizeNotPageAligned(ramSize) }
        guard ramSize <= 1 << 46 else { throw .tooLarge(ramSize) }
        let holes = Self.merge(extra.map { Self.pageAligned($0) } + [Self.mmioHole])
        var regions: [RAMRegion] = []
        var remaining = UInt64(ramSize)
        var cursor: UInt64 = 0
        var offset = 0
        for hole in holes + [GuestRange(start: UInt64.max, end: UInt64.max)] where remaining > 0 {
            if hole.end <= cursor { continue }
            if hole.start > cursor {
                let size = min(hole.start - cursor, remaining)
                regions.append(RAMRegion(guest: GuestRange(start: cursor, size: size), hostOffset: offset))
                offset += Int(size)
                remaining -= size
            }
            cursor = max(cursor, hole.end)
        }
        self.regions = regions
        self.reserved = holes
    }

    static func pageAligned(_ r: GuestRange) -> GuestRange {
        let end = r.end > UInt64.max - 0xfff ? UInt64.max & ~0xfff : (r.end + 0xfff) & ~0xfff
        return GuestRange(start: r.start & ~0xfff, end: max(end, r.start & ~0xfff))
    }

    static func merge(_ ranges: [GuestRange]) -> [GuestRange] {
        var merged: [GuestRange] = []
        for r in ranges.filter({ $0.size > 0 }).sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, r.start <= last.end {
                merged[merged.count - 1] = GuestRange(start: last.start, end: max(last.end, r.end))
            } else {
                merged.append(r)
            }
        }
        return merged
    }
}
