/// A small streaming JSON writer over a byte buffer, for the outputs that can be large
/// (`list --json`, `audit --json` of thousands of devices): no Foundation, no intermediate
/// tree, keys in the order the caller writes them (callers write them sorted).
/// `pretty`: two-space indentation and `"key" : value`, as Foundation's pretty printer writes.
public struct JSONWriter: Sendable {
    private var out: ByteStorage
    private let pretty: Bool
    private var depth = 0
    /// A value was written at the current level (the next one needs a comma).
    private var needsComma = false
    /// A key was just written: its value follows on the same line.
    private var afterKey = false

    public init(pretty: Bool = false) {
        self.pretty = pretty
        out = ByteStorage(capacity: 1 << 16)
    }

    /// A writer for a run of elements inside an array opened elsewhere, `depth` levels deep;
    /// `continuing`: elements came before, so this run starts with a comma. Lets a long array
    /// be written in pieces on several threads and written out in order with `writeElements`.
    public init(pretty: Bool, elementsAtDepth depth: Int, continuing: Bool) {
        self.init(pretty: pretty)
        self.depth = depth
        needsComma = continuing
    }

    /// The bytes written so far.
    public var bytes: [UInt8] { Array(out.contents) }

    /// Writes a run of elements made by an `elementsAtDepth` writer for the array open here:
    /// what is pending first, then the run itself, straight to `sink` (megabytes of elements
    /// are not copied into this writer's buffer first).
    public mutating func writeElements(_ run: borrowing JSONWriter, into sink: (UnsafeRawBufferPointer) -> Void) {
        guard run.out.count > 0 else { return }
        drain(into: sink)
        sink(run.out.contents)
        needsComma = true
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    public mutating func key(_ k: StaticString) {
        separator()
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(UnsafeRawBufferPointer($0)) }
        // `" : ` or `":`: these run for every field of every element.
        if pretty { out.append(UInt8(ascii: "\""), 0x20, UInt8(ascii: ":"), 0x20) } else { out.append(UInt8(ascii: "\""), UInt8(ascii: ":")) }
        afterKey = true
    }

    public mutating func string(_ s: String) { separator(); quoted(s); needsComma = true }
    public mutating func strings(_ list: [String]) { beginArray(); for s in list { string(s) }; endArray() }
    public mutating func int(_ v: Int) { integer(negative: v < 0, magnitude: UInt64(v.magnitude)) }
    public mutating func int(_ v: UInt64) { integer(negative: false, magnitude: v) }
    public mutating func int(_ v: some BinaryInteger) {
        // Other widths through the two above (a generic body called across modules is not
        // specialised: every digit would go through witness tables).
        if let small = Int(exactly: v) { int(small) } else if let big = UInt64(exactly: v) { int(big) } else {
            separator()  // wider than 64 bits: through its own description, never truncated
            var text = String(v)
            text.withUTF8 { out.append(UnsafeRawBufferPointer($0)) }
            needsComma = true
        }
    }

    private mutating func integer(negative: Bool, magnitude: UInt64) {
        separator()
        // Digits straight into the output (no String per number).
        var magnitude = magnitude
        if negative { out.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits in
            var i = digits.count
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            out.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[i...]))
        }
        needsComma = true
    }
    public mutating func bool(_ v: Bool) { separator(); literal(v ? "true" : "false"); needsComma = true }
    public mutating func null() { separator(); literal("null"); needsComma = true }
    public mutating func optionalString(_ s: String?) { if let s { string(s) } else { null() } }
    public mutating func optionalInt<T: BinaryInteger>(_ v: T?) { if let v { int(v) } else { null() } }
    public mutating func optionalBool(_ v: Bool?) { if let v { bool(v) } else { null() } }

    /// Bytes written and not yet drained.
    public var pending: Int { out.count }

    /// Hands the bytes written so far to `sink` and starts over (keeping the capacity).
    public mutating func drain(into sink: (UnsafeRawBufferPointer) -> Void) {
        sink(out.contents)
        makeUnique()
        out.count = 0
    }

    /// Every write starts here (through `separator` or `close`): a writer copied from another
    /// gets storage of its own before its first write, so copies stay values.
    @inline(__always) private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&out) { out = out.copy() }
    }

    private mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { out.append(UnsafeRawBufferPointer($0)) }
    }

    private mutating func open(_ bracket: UInt8) {
        separator()
        out.append(bracket)
        depth += 1
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        makeUnique()
        depth -= 1
        if pretty, needsComma { newline() }
        out.append(bracket)
        needsComma = true
    }

    private mutating func separator() {
        makeUnique()
        if afterKey { afterKey = false; return }
        if needsComma { out.append(UInt8(ascii: ",")) }
        if pretty, depth > 0 { newline() }
    }

    private mutating func newline() {
        out.append(0x0a)
        out.append(repeating: 0x20, count: 2 * depth)
    }

    private mutating func quoted(_ s: String) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy those in one go.
        let plain: Bool? = s.utf8.withContiguousStorageIfAvailable { bytes in
            guard !JSONEscapes.needed(in: bytes) else { return false }
            out.append(UnsafeRawBufferPointer(bytes))
            return true
        }
        if plain == true { out.append(UInt8(ascii: "\"")); return }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(0x5c, 0x22)
            case UInt8(ascii: "\\"): out.append(0x5c, 0x5c)
            case 0x0a: out.append(0x5c, UInt8(ascii: "n"))
            case 0x0d: out.append(0x5c, UInt8(ascii: "r"))
            case 0x09: out.append(0x5c, UInt8(ascii: "t"))
            case 0..<0x20:
                let digits: StaticString = "0123456789abcdef"
                digits.withUTF8Buffer { d in
                    out.append(0x5c, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"))
                    out.append(d[Int(b >> 4)], d[Int(b & 0xf)])
                }
            default: out.append(b)  // UTF-8 passes through unchanged
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Whether a string needs escaping in JSON: a control byte, `"` or `\\`. Eight bytes at a time
/// (megabytes of output are mostly plain strings).
enum JSONEscapes {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    static func needed(in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var i = 0
        while i + 8 <= bytes.count {
            if needed(inWord: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { return true }
            i += 8
        }
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return true }
            i += 1
        }
        return false
    }

    /// A byte of `w` below 0x20, or equal to 0x22 or 0x5c (exact: each test sees only bytes
    /// below 0x80, and a byte at or above 0x80 is never one of these).
    static func needed(inWord w: UInt64) -> Bool {
        let ascii = ~w & highs                       // 0x80 in each byte below 0x80
        let low = w & ~highs                          // each byte's low seven bits: no borrows
        let below20 = (low &+ (0x80 - 0x20) &* ones) ^ highs   // 0x80 where byte < 0x20
        let quote = low ^ (0x22 &* ones), backslash = low ^ (0x5c &* ones)
        let isQuote = ~((quote &+ 0x7f &* ones) | quote) & highs       // 0x80 where byte == 0x22
        let isBackslash = ~((backslash &+ 0x7f &* ones) | backslash) & highs
        return (below20 | isQuote | isBackslash) & ascii & highs != 0
    }
}

/// A growable byte buffer with no generic machinery between a writer and `memcpy`: the writer
/// appends a few bytes at a time, megabytes of them, and each append is a bounds check and a
/// copy. Owned by one writer at a time (`JSONWriter.makeUnique` copies a shared one first).
final class ByteStorage: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 1)
    }
    deinit { base.deallocate() }

    var contents: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func copy() -> ByteStorage {
        let c = ByteStorage(capacity: capacity)
        c.append(contents)
        return c
    }

    @inline(__always) private func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    private func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func append(_ b: UInt8) {
        reserve(1)
        base.storeBytes(of: b, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    func append(_ a: UInt8, _ b: UInt8) { append(a); append(b) }
    func append(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { append(a); append(b); append(c); append(d) }

    func append(repeating byte: UInt8, count n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).initializeMemory(as: UInt8.self, repeating: byte, count: n)
        count += n
    }
}
