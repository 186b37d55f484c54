/// Bounds-checked little-endian reads over bytes the kernel returned. Every read that
/// would overrun yields nil, so a short or lying reply can never be read past its end.
struct KernelBytes: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u8(_ o: Int) -> UInt8? { o >= 0 && o < bytes.count ? bytes[o] : nil }
    func u16(_ o: Int) -> UInt16? { int(o, 2).map { UInt16(truncatingIfNeeded: $0) } }
    func u32(_ o: Int) -> UInt32? { int(o, 4).map { UInt32(truncatingIfNeeded: $0) } }
    func u64(_ o: Int) -> UInt64? { int(o, 8) }

    private func int(_ o: Int, _ n: Int) -> UInt64? {
        guard o >= 0, n <= bytes.count, o <= bytes.count - n else { return nil }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[o + i]) << (8 * i) }
        return v
    }
}

extension Array where Element == UInt8 {
    mutating func putLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { src in
            for i in 0..<src.count { self[offset + i] = src[i] }
        }
    }
}
