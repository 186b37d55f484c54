/// Hands out zeroed 4-KiB pages from a region of a `PhysicalMemory` for building tables.
public struct PageAllocator {
    public private(set) var next: UInt64
    public let limit: UInt64
    public private(set) var allocated: Int = 0

    public init(base: UInt64, limit: UInt64 = .max) {
        next = base & ~0xfff
        self.limit = limit
    }

    public mutating func allocate(in memory: PhysicalMemory) -> UInt64 {
        precondition(next < limit, "page allocator exhausted")
        let page = next
        next += PhysicalMemory.pageSize
        memory.addPage(at: page)
        allocated += 1
        return page
    }
}
