/// Builds second-stage or first-stage page tables in a memory image with the fewest table pages:
/// each range is cut into the largest pages (1 GiB, 2 MiB, 4 KiB) that the alignment of both
/// addresses, the remaining length and the unit's large-page support allow, and a table page is
/// only created when a leaf needs it.
public struct PageTableBuilder {
    public enum Format: Sendable { case secondStage, firstStage }

    public enum BuildError: Error, Equatable {
        case unaligned(UInt64)
        case beyondAddressWidth(UInt64)
        case overlap(UInt64)
    }

    public let format: Format
    public let levels: Int
    public let root: UInt64
    public let memory: PhysicalMemory
    public var allocator: PageAllocator
    /// Page sizes leaves may use, largest first.
    public let pageShifts: [Int]
    public private(set) var tablePages = 1
    public private(set) var leafCount = 0

    /// - Parameters:
    ///   - largePages: SLLPS-style bits: bit 0 = 2 MiB, bit 1 = 1 GiB.
    public init(format: Format = .secondStage, levels: Int, memory: PhysicalMemory, allocator: PageAllocator,
                largePages: UInt64 = 0b11) {
        precondition((3...5).contains(levels) && (format == .secondStage || levels >= 4))
        self.format = format
        self.levels = levels
        self.memory = memory
        self.allocator = allocator
        var shifts = [Int]()
        if largePages.bit(1) { shifts.append(30) }
        if largePages.bit(0) { shifts.append(21) }
        shifts.append(12)
        pageShifts = shifts
        root = self.allocator.allocate(in: memory)
    }

    public var addressWidth: Int { format == .secondStage ? 12 + 9 * levels : (levels == 5 ? 57 : 48) }

    /// The largest page usable at `iova -> address` with `remaining` bytes left.
    func pageShift(iova: UInt64, address: UInt64, remaining: UInt64) -> Int {
        for s in pageShifts {
            let size: UInt64 = 1 << UInt64(s)
            if iova & (size - 1) == 0 && address & (size - 1) == 0 && remaining >= size { return s }
        }
        return 12
    }

    public mutating func map(iova: UInt64, to address: UInt64, size: UInt64, permissions: Permissions,
                             snoop: Bool = false) throws(BuildError) {
        guard iova & 0xfff == 0, address & 0xfff == 0, size & 0xfff == 0, size > 0 else { throw .unaligned(iova) }
        guard iova &+ size > iova, (iova + size - 1) >> UInt64(addressWidth) == 0 else { throw .beyondAddressWidth(iova) }
        var offset: UInt64 = 0
        while offset < size {
            let shift = pageShift(iova: iova + offset, address: address + offset, remaining: size - offset)
            try install(iova: iova + offset, address: address + offset, shift: shift, permissions: permissions, snoop: snoop)
            offset += 1 << UInt64(shift)
        }
    }

    private func leafEntry(_ address: UInt64, _ shift: Int, _ p: Permissions, _ snoop: Bool) -> UInt64 {
        switch format {
        case .secondStage:
            SecondStageEntry(page: address, pageSize: 1 << UInt64(shift), permissions: p, snoop: snoop).raw
        case .firstStage:
            FirstStageEntry(page: address, pageSize: 1 << UInt64(shift), writable: p.contains(.write),
                            executeDisable: !p.contains(.execute)).raw
        }
    }

    private func tableEntry(_ table: UInt64) -> UInt64 {
        format == .secondStage ? SecondStageEntry(table: table).raw : FirstStageEntry(table: table).raw
    }

    private func isPresent(_ raw: UInt64) -> Bool { format == .secondStage ? raw & 3 != 0 : raw & 1 != 0 }
    private func isLeaf(_ raw: UInt64, level: Int) -> Bool { level == 1 || raw.bit(7) }

    private mutating func install(iova: UInt64, address: UInt64, shift: Int, permissions: Permissions, snoop: Bool) throws(BuildError) {
        let leafLevel = (shift - 12) / 9 + 1
        var table = root
        var level = levels
        while true {
            let slot = table + ((iova >> UInt64(12 + 9 * (level - 1))) & 511) * 8
            let raw = memory.qword(at: slot)!
            if level == leafLevel {
                guard !isPresent(raw) else { throw .overlap(iova) }
                memory.write(leafEntry(address, shift, permissions, snoop), at: slot)
                leafCount += 1
                return
            }
            if isPresent(raw) {
                guard !isLeaf(raw, level: level) else { throw .overlap(iova) }
                table = raw & UInt64.mask(51, 12)
            } else {
                let next = allocator.allocate(in: memory)
                tablePages += 1
                memory.write(tableEntry(next), at: slot)
                table = next
            }
            level -= 1
        }
    }

    /// Removes the translations of `[iova, iova + size)`. A large page only partly inside the range
    /// is split into smaller pages first. Table pages are not freed (like hardware tables until
    /// software reclaims them).
    public mutating func unmap(iova: UInt64, size: UInt64) throws(BuildError) {
        guard iova & 0xfff == 0, size & 0xfff == 0 else { throw .unaligned(iova) }
        var at = iova
        let end = iova &+ size
        while at < end {
            at = unmapStep(at: at, end: end)
        }
    }

    /// Clears or splits the entry covering `at`; returns the next address to visit.
    private mutating func unmapStep(at: UInt64, end: UInt64) -> UInt64 {
        var table = root
        var level = levels
        while true {
            let shift = UInt64(12 + 9 * (level - 1))
            let span: UInt64 = 1 << shift
            let slot = table + ((at >> shift) & 511) * 8
            let raw = memory.qword(at: slot)!
            let start = at & ~(span - 1)
            if !isPresent(raw) { return start + span }
            if isLeaf(raw, level: level) {
                if start >= at && start + span <= end {
                    memory.write(0, at: slot)
                    leafCount -= 1
                    return start + span
                }
                // Partly covered large page: replace it by a table of pages one level down.
                let next = allocator.allocate(in: memory)
                tablePages += 1
                let childShift = Int(shift) - 9
                let base = raw & UInt64.mask(51, 12) & ~(span - 1)
                let p: Permissions = format == .secondStage ? SecondStageEntry(raw).permissions
                    : Permissions.read.union(raw.bit(1) ? .write : []).union(raw.bit(63) ? [] : .execute)
                let snoop = format == .secondStage && raw.bit(11)
                for i in 0..<512 {
                    memory.write(leafEntry(base + UInt64(i) << UInt64(childShift), childShift, p, snoop), at: next + UInt64(i) * 8)
                }
                leafCount += 511
                memory.write(tableEntry(next), at: slot)
                table = next
                level -= 1
                continue
            }
            table = raw & UInt64.mask(51, 12)
            level -= 1
        }
    }
}

/// Table pages the best possible table for one contiguous, suitably aligned range needs.
public func minimumTablePages(size: UInt64, levels: Int, pageShift: Int) -> Int {
    // Level l (1 = PTE) tables are needed to hold entries of level l; leaves sit at the level of pageShift.
    let leafLevel = (pageShift - 12) / 9 + 1
    var pages = 0
    for level in leafLevel...levels {
        let entrySpan: UInt64 = 1 << UInt64(12 + 9 * (level - 1))
        let tableSpan = entrySpan << 9
        pages += level == levels ? 1 : Int((size + tableSpan - 1) / tableSpan)
    }
    return pages
}
