/// Builds small DMAR/IVRS tables byte by byte for unit tests, with correct
/// length and checksum unless a test breaks them on purpose.
struct TableBuilder {
    var bytes: [UInt8] = []

    init(signature: String, revision: UInt8 = 1) {
        bytes = Array(signature.utf8)
        u32(0)                                  // length, patched by `build`
        u8(revision); u8(0)                     // revision, checksum
        bytes += Array("SLUICE".utf8)           // OEM ID
        bytes += Array("TESTTBL\0".utf8)        // OEM table ID (NUL-padded)
        u32(1); bytes += Array("SLCE".utf8); u32(2)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func zeros(_ n: Int) { bytes += [UInt8](repeating: 0, count: n) }
    mutating func raw(_ b: [UInt8]) { bytes += b }

    /// Length and checksum fixed up.
    func build() -> [UInt8] {
        var out = bytes
        let n = UInt32(out.count)
        for i in 0..<4 { out[4 + i] = UInt8(truncatingIfNeeded: n >> (8 * i)) }
        out[9] = 0
        out[9] = 0 &- out.reduce(0, &+)
        return out
    }

    /// A DMAR device scope entry.
    static func scope(type: UInt8, enumerationID: UInt8 = 0, bus: UInt8, path: [(UInt8, UInt8)]) -> [UInt8] {
        [type, UInt8(6 + 2 * path.count), 0, 0, enumerationID, bus] + path.flatMap { [$0.0, $0.1] }
    }
}

extension Array where Element == UInt8 {
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}
