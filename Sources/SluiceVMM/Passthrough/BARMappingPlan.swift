/// How one BAR is installed: page-aligned pieces mapped directly into the guest (KVM memory
/// slots over the device's mmap: no exit) and pieces trapped (MMIO exits to the VMM), such as the
/// pages holding the MSI-X table and PBA, or a BAR VFIO will not let us mmap.
public struct BARMappingPlan: Equatable, Sendable {
    public struct Piece: Equatable, Sendable {
        public let offset: UInt64
        public let size: UInt64
        public let direct: Bool
    }
    public let pieces: [Piece]

    public static let page: UInt64 = 4096

    /// `mmappable`: the areas of the BAR VFIO allows to mmap (whole BAR, sparse areas, or none);
    /// `trapped`: ranges that must exit (widened to pages).
    public init(size: UInt64, mmappable: [GuestRange], trapped: [GuestRange]) {
        let page = Self.page
        // Ranges come from the device's capability (untrusted): clamp them to the BAR.
        let traps = GuestMemoryLayout.merge(trapped.compactMap { t -> GuestRange? in
            let start = min(size, t.start & ~(page - 1))
            let end = t.end > UInt64.max - page ? size : min(size, (t.end + page - 1) & ~(page - 1))
            return start < end ? GuestRange(start: start, end: end) : nil
        })
        // Direct = inside an mmappable area, page-aligned, and outside every trap.
        var direct: [GuestRange] = []
        for area in mmappable {
            let start = area.start > size ? size : min(size, (area.start + page - 1) & ~(page - 1))
            let end = min(size, area.end & ~(page - 1))
            guard start < end else { continue }
            let a = GuestRange(start: start, end: end)
            var cursor = a.start
            for t in traps where t.end > cursor && t.start < a.end {
                if t.start > cursor { direct.append(GuestRange(start: cursor, end: t.start)) }
                cursor = max(cursor, t.end)
            }
            if cursor < a.end { direct.append(GuestRange(start: cursor, end: a.end)) }
        }
        direct = GuestMemoryLayout.merge(direct)
        var pieces: [Piece] = []
        var cursor: UInt64 = 0
        for d in direct {
            if d.start > cursor { pieces.append(Piece(offset: cursor, size: d.start - cursor, direct: false)) }
            pieces.append(Piece(offset: d.start, size: d.size, direct: true))
            cursor = d.end
        }
        if cursor < size { pieces.append(Piece(offset: cursor, size: size - cursor, direct: false)) }
        self.pieces = pieces
    }
}
