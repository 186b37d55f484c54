/// A sparse physical-memory image made of 4-KiB pages, read and written as little-endian qwords.
/// An address whose page is absent reads as nil: to the model that is an access error (the
/// hardware's "error accessing ..." faults), never a crash.
///
/// Pages live in one flat qword array; an open-addressing table maps frame numbers to pages, so a
/// lookup costs one multiply and (almost always) one probe on the translation hot path.
public final class PhysicalMemory {
    public static let pageSize: UInt64 = 4096
    static let wordsPerPage = 512

    // Accessed only from this class's own non-reentrant methods: no dynamic exclusivity checks
    // on the hot read path.
    @exclusivity(unchecked) private var keys: [UInt64]          // frame number + 1; 0 marks an empty slot
    @exclusivity(unchecked) private var slots: [Int32]          // page index into `words`
    @exclusivity(unchecked) private var words: [UInt64] = []
    private var frames: [UInt64] = []   // page index -> frame number
    @exclusivity(unchecked) private var mask: Int

    public init() {
        keys = Array(repeating: 0, count: 64)
        slots = Array(repeating: 0, count: 64)
        mask = 63
    }

    public var pageCount: Int { frames.count }
    /// Base addresses of the present pages, ascending.
    public var pageAddresses: [UInt64] { frames.map { $0 << 12 }.sorted() }

    @inline(__always) private func hashSlot(_ frame: UInt64) -> Int {
        Int(truncatingIfNeeded: (frame &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    @inline(__always) private func pageIndex(frame: UInt64) -> Int? {
        let key = frame &+ 1
        var i = hashSlot(frame)
        while true {
            let k = keys[i]
            if k == key { return Int(slots[i]) }
            if k == 0 { return nil }
            i = (i &+ 1) & mask
        }
    }

    public func contains(page address: UInt64) -> Bool { pageIndex(frame: address >> 12) != nil }

    /// The qword at `address` (must be 8-byte aligned), or nil if its page is absent.
    @inline(__always) public func qword(at address: UInt64) -> UInt64? {
        guard address & 7 == 0, let p = pageIndex(frame: address >> 12) else { return nil }
        return words[p &* PhysicalMemory.wordsPerPage &+ Int((address & 0xfff) >> 3)]
    }

    /// `count` consecutive qwords starting at `address`, all in one page, or nil.
    public func qwords(at address: UInt64, count: Int) -> [UInt64]? {
        guard address & 7 == 0, (address & 0xfff) + UInt64(count * 8) <= 4096,
              let p = pageIndex(frame: address >> 12) else { return nil }
        let base = p * PhysicalMemory.wordsPerPage + Int((address & 0xfff) >> 3)
        return Array(words[base..<base + count])
    }

    /// Writes a qword, creating a zero-filled page if needed.
    public func write(_ value: UInt64, at address: UInt64) {
        precondition(address & 7 == 0, "unaligned qword write")
        let p = ensurePage(frame: address >> 12)
        words[p * PhysicalMemory.wordsPerPage + Int((address & 0xfff) >> 3)] = value
    }

    /// The page at `address` (rounded down) as 512 qwords, or nil.
    public func page(at address: UInt64) -> [UInt64]? { qwords(at: address & ~0xfff, count: 512) }

    /// Installs a whole page from 4096 little-endian bytes.
    public func setPage(at address: UInt64, bytes: some Collection<UInt8>) {
        precondition(bytes.count == 4096)
        let p = ensurePage(frame: address >> 12)
        var i = p * PhysicalMemory.wordsPerPage
        var acc: UInt64 = 0
        var n = 0
        for b in bytes {
            acc |= UInt64(b) << UInt64(8 * n)
            n += 1
            if n == 8 { words[i] = acc; i += 1; acc = 0; n = 0 }
        }
    }

    /// The page at `address` as 4096 little-endian bytes, or nil.
    public func pageBytes(at address: UInt64) -> [UInt8]? {
        guard let q = page(at: address) else { return nil }
        var out = [UInt8](); out.reserveCapacity(4096)
        for w in q { for s in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * s))) } }
        return out
    }

    /// Makes a zero-filled page present at `address` (rounded down).
    public func addPage(at address: UInt64) { _ = ensurePage(frame: address >> 12) }

    public func removeAll() {
        keys = Array(repeating: 0, count: 64); slots = Array(repeating: 0, count: 64); mask = 63
        words = []; frames = []
    }

    private func ensurePage(frame: UInt64) -> Int {
        if let p = pageIndex(frame: frame) { return p }
        if (frames.count + 1) * 2 > keys.count { grow() }
        let p = frames.count
        frames.append(frame)
        words.append(contentsOf: repeatElement(0, count: PhysicalMemory.wordsPerPage))
        insert(frame: frame, page: p)
        return p
    }

    private func insert(frame: UInt64, page: Int) {
        var i = hashSlot(frame)
        while keys[i] != 0 { i = (i + 1) & mask }
        keys[i] = frame &+ 1
        slots[i] = Int32(page)
    }

    private func grow() {
        let size = keys.count * 2
        keys = Array(repeating: 0, count: size); slots = Array(repeating: 0, count: size); mask = size - 1
        for (p, f) in frames.enumerated() { insert(frame: f, page: p) }
    }
}
