/// A small streaming JSON writer over a byte buffer, for the outputs that can be large
/// (`list --json`, `audit --json` of thousands of devices): no Foundation, no intermediate
/// tree, keys in the order the caller writes them (callers write them sorted).
/// `pretty`: two-space indentation and `"key" : value`, as Foundation's pretty printer writes.
public struct JSONWriter {
    private var out: [UInt8] = []
    private let pretty: Bool
    private var depth = 0
    /// A value was written at the current level (the next one needs a comma).
    private var needsComma = false
    /// A key was just written: its value follows on the same line.
    private var afterKey = false

    public init(pretty: Bool = false) {
        self.pretty = pretty
        out.reserveCapacity(1 << 16)
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
    public var bytes: [UInt8] { out }

    /// Writes a run of elements made by an `elementsAtDepth` writer for the array open here:
    /// what is pending first, then the run itself, straight to `sink` (megabytes of elements
    /// are not copied into this writer's buffer first).
    public mutating func writeElements(_ run: [UInt8], into sink: (UnsafeRawBufferPointer) -> Void) {
        guard !run.isEmpty else { return }
        drain(into: sink)
        run.withUnsafeBytes { sink($0) }
        needsComma = true
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    public mutating func key(_ k: StaticString) {
        separator()
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        // `" : ` or `":` in one copy: these run for every field of every element.
        (pretty ? Self.keyEnd : Self.keyEndCompact).withUnsafeBufferPointer { out.append(contentsOf: $0) }
        afterKey = true
    }

    private static let keyEnd: [UInt8] = Array("\" : ".utf8)
    private static let keyEndCompact: [UInt8] = Array("\":".utf8)
    /// A newline and enough indentation for any depth this writer reaches in practice.
    private static let indentation: [UInt8] = [0x0a] + [UInt8](repeating: 0x20, count: 256)

    public mutating func string(_ s: String) { separator(); quoted(s); needsComma = true }
    public mutating func strings(_ list: [String]) { beginArray(); for s in list { string(s) }; endArray() }
    public mutating func int(_ v: some BinaryInteger) {
        separator()
        // Digits straight into the output (no String per number).
        var magnitude = v.magnitude
        if v < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            var i = digits.count
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i...]))
        }
        needsComma = true
    }
    public mutating func bool(_ v: Bool) { separator(); out.append(contentsOf: (v ? "true" : "false").utf8); needsComma = true }
    public mutating func null() { separator(); out.append(contentsOf: "null".utf8); needsComma = true }
    public mutating func optionalString(_ s: String?) { if let s { string(s) } else { null() } }
    public mutating func optionalInt<T: BinaryInteger>(_ v: T?) { if let v { int(v) } else { null() } }
    public mutating func optionalBool(_ v: Bool?) { if let v { bool(v) } else { null() } }

    /// Bytes written and not yet drained.
    public var pending: Int { out.count }

    /// Hands the bytes written so far to `sink` and starts over (keeping the capacity).
    public mutating func drain(into sink: (UnsafeRawBufferPointer) -> Void) {
        out.withUnsafeBytes { sink($0) }
        out.removeAll(keepingCapacity: true)
    }

    private mutating func open(_ bracket: UInt8) {
        separator()
        out.append(bracket)
        depth += 1
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if pretty, needsComma { newline() }
        out.append(bracket)
        needsComma = true
    }

    private mutating func separator() {
        if afterKey { afterKey = false; return }
        if needsComma { out.append(UInt8(ascii: ",")) }
        if pretty, depth > 0 { newline() }
    }

    private mutating func newline() {
        let count = 1 + 2 * depth
        Self.indentation.withUnsafeBufferPointer { indent in
            if count <= indent.count { out.append(contentsOf: indent[..<count]) }
            else { out.append(0x0a); out.append(contentsOf: repeatElement(0x20, count: 2 * depth)) }
        }
    }

    private mutating func quoted(_ s: String) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy those in one go.
        var s = s
        let plain = s.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain { out.append(UInt8(ascii: "\"")); return }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5c, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        digits[Int(b >> 4)], digits[Int(b & 0xf)]])
            default: out.append(b)  // UTF-8 passes through unchanged
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
