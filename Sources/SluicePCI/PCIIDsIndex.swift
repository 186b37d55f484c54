import Glibc

/// Finding places in pci.ids text without reading all of it: vendor lines (`vvvv  Name` at
/// column 0) are sorted by id, and the class section (`C xx  Name`) comes last. Offsets are
/// byte offsets of line starts; nothing here allocates.
struct PCIIDsIndex {
    let buf: UnsafeBufferPointer<UInt8>

    init(_ buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

    /// Start of the first `C ` line after the last vendor line, found by walking lines back
    /// from the end (the class section is the file's last ~10 KB). nil when the text ends
    /// otherwise.
    func classSectionStart() -> Int? {
        var lineEnd = buf.count
        var first: Int? = nil
        while lineEnd > 0 {
            let start = lineStart(before: lineEnd)
            if start < lineEnd {
                switch buf[start] {
                case UInt8(ascii: "C"): first = start
                case UInt8(ascii: "#"), 0x09, 0x0a, 0x0d: break
                default: return first   // a vendor or another top-level line: classes end here
                }
            }
            lineEnd = start > 0 ? start - 1 : 0
        }
        return first
    }

    /// Start of the line for vendor `v`, searching lines that start before `limit`. Every
    /// vendor line looked at is added to `seen`, so a caller can check the order it relied on.
    func vendorLine(_ v: UInt16, before limit: Int, seen: inout [(start: Int, id: UInt16)]) -> Int? {
        var lo = 0, hi = limit
        // Invariant: v's line, if present, starts in [lo, hi).
        while hi - lo > 8192 {
            let mid = lo + (hi - lo) / 2
            guard let (start, id) = firstVendorLine(atOrAfter: mid, before: hi) else { hi = mid; continue }
            seen.append((start, id))
            if id == v { return start }
            if id < v { lo = start + 1 } else { hi = mid }
        }
        var at = lineStart(atOrAfter: lo)
        while at < hi, let (start, id) = firstVendorLine(atOrAfter: at, before: hi) {
            seen.append((start, id))
            if id == v { return start }
            if id > v { return nil }
            at = start + 1
        }
        return nil
    }

    /// The first vendor line starting at or after `offset` and before `limit`.
    func firstVendorLine(atOrAfter offset: Int, before limit: Int) -> (start: Int, id: UInt16)? {
        var at = lineStart(atOrAfter: offset)
        while at < limit {
            if let id = vendorID(at) { return (at, id) }
            at = lineStart(atOrAfter: at + 1)
        }
        return nil
    }

    /// `vvvv` followed by a space or tab at column 0.
    private func vendorID(_ start: Int) -> UInt16? {
        guard start + 4 < buf.count, buf[start + 4] == 0x20 || buf[start + 4] == 0x09 else { return nil }
        var v: UInt16 = 0
        for i in start..<start + 4 {
            guard let d = hexDigitValue(buf[i]) else { return nil }
            v = v << 4 | UInt16(d)
        }
        return v
    }

    /// `offset` if it starts a line, else the start of the next line (buf.count at the end).
    private func lineStart(atOrAfter offset: Int) -> Int {
        guard offset > 0 else { return 0 }
        guard offset <= buf.count else { return buf.count }
        if buf[offset - 1] == 0x0a { return offset }
        guard let nl = memchr(buf.baseAddress! + offset, 0x0a, buf.count - offset) else { return buf.count }
        return buf.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
    }

    /// Start of the line that ends at `end` (exclusive, not counting its newline).
    private func lineStart(before end: Int) -> Int {
        var i = end
        while i > 0, buf[i - 1] != 0x0a { i -= 1 }
        return i
    }
}
