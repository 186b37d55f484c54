/// A function's configuration space as read (64, 256 or 4096 bytes; anything for a hostile capture).
/// Every accessor is bounds-checked and returns nil past the bytes that were read.
public struct ConfigSpace: Sendable, Equatable {
    /// The bytes read, less a long run of trailing zeros: a 4 KiB extended space is mostly
    /// zeros past its last capability, and a scan of thousands of functions would otherwise
    /// keep megabytes of them (each fresh page a fault).
    private let stored: [UInt8]
    /// How many bytes were read.
    public let count: Int

    public init(_ bytes: [UInt8]) {
        // Eight bytes at a time: most of a 4 KiB space is the zeros being looked for.
        let end = bytes.withUnsafeBytes { raw -> Int in
            var end = raw.count
            while end >= 8, raw.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) == 0 { end -= 8 }
            while end > 0, raw[end - 1] == 0 { end -= 1 }
            return end
        }
        stored = bytes.count - end >= Self.trimThreshold ? Array(bytes[..<end]) : bytes
        count = bytes.count
    }

    /// Trailing zeros worth dropping (shorter runs are not worth a copy).
    static let trimThreshold = 1024

    /// Every byte read, trailing zeros included.
    public var bytes: [UInt8] {
        stored.count == count ? stored : stored + [UInt8](repeating: 0, count: count - stored.count)
    }

    /// Non-root readers get only the standard 64-byte header from sysfs.
    public var isTruncatedHeader: Bool { count < 256 }

    public func u8(_ offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return offset < stored.count ? stored[offset] : 0
    }

    public func u16(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= count else { return nil }
        guard offset + 2 <= stored.count else { return UInt16(u8(offset)!) | UInt16(u8(offset + 1)!) << 8 }
        return UInt16(stored[offset]) | UInt16(stored[offset + 1]) << 8
    }

    public func u32(_ offset: Int) -> UInt32? {
        guard let lo = u16(offset), let hi = u16(offset + 2) else { return nil }
        return UInt32(hi) << 16 | UInt32(lo)
    }

    public func u64(_ offset: Int) -> UInt64? {
        guard let lo = u32(offset), let hi = u32(offset + 4) else { return nil }
        return UInt64(hi) << 32 | UInt64(lo)
    }

    /// True when `length` bytes from `offset` were read.
    public func has(_ offset: Int, _ length: Int) -> Bool { offset >= 0 && offset + length <= count }

    public static func == (a: ConfigSpace, b: ConfigSpace) -> Bool { a.count == b.count && a.bytes == b.bytes }
}

@inline(__always) func bit(_ value: some BinaryInteger, _ n: Int) -> Bool { (value >> n) & 1 == 1 }
@inline(__always) func bits<T: BinaryInteger>(_ value: T, _ lo: Int, _ count: Int) -> T {
    (value >> lo) & ((1 << count) - 1)
}
