/// Bounds-checked little-endian reads over a table's bytes.
///
/// Every read is checked against `end`, so a lying length field can never
/// make the parser touch memory outside the table: it gets `nil` instead.
/// Offsets are absolute positions in the table, which is what diagnostics
/// and `iasl -d` report.
struct ByteReader: Sendable {
    let bytes: [UInt8]
    /// One past the last byte this reader may touch (≤ bytes.count).
    let end: Int

    init(_ bytes: [UInt8], end: Int? = nil) {
        self.bytes = bytes
        self.end = min(end ?? bytes.count, bytes.count)
    }

    /// A reader limited to `[0, newEnd)`, never wider than this one.
    func limited(to newEnd: Int) -> ByteReader {
        ByteReader(bytes, end: min(newEnd, end))
    }

    func contains(_ offset: Int, count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= end && count <= end - offset
    }

    func u8(_ offset: Int) -> UInt8? {
        contains(offset, count: 1) ? bytes[offset] : nil
    }

    func u16(_ offset: Int) -> UInt16? {
        guard contains(offset, count: 2) else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) -> UInt32? {
        guard contains(offset, count: 4) else { return nil }
        var value: UInt32 = 0
        for i in (0..<4).reversed() { value = value << 8 | UInt32(bytes[offset + i]) }
        return value
    }

    func u64(_ offset: Int) -> UInt64? {
        guard contains(offset, count: 8) else { return nil }
        var value: UInt64 = 0
        for i in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }

    func slice(_ offset: Int, count: Int) -> [UInt8]? {
        contains(offset, count: count) ? Array(bytes[offset..<offset + count]) : nil
    }

    /// Bytes from `offset` to the end of this reader (empty when past it).
    func rest(from offset: Int) -> [UInt8] {
        offset < end && offset >= 0 ? Array(bytes[offset..<end]) : []
    }

    /// A fixed-size, NUL-padded ASCII field (signature, OEM ID): the text before
    /// the first NUL, with bytes outside printable ASCII spelled `\xNN` so
    /// nothing the firmware wrote is hidden.
    func ascii(_ offset: Int, count: Int) -> String? {
        slice(offset, count: count).map { ACPIText.escaped(ACPIText.nulTerminated($0)) }
    }
}

/// Text fields in ACPI tables are bytes, not UTF-8: render them visibly.
public enum ACPIText {
    public static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + hex(byte, width: 2)
            }
        }
        return text
    }

    /// A NUL-terminated name in a fixed field: the bytes before the first NUL.
    public static func nulTerminated(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix { $0 != 0 })
    }
}

extension ACPIText {
    /// Uppercase hex, zero-padded: the spelling firmware documents and iasl use.
    public static func hex(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
