/// A function's configuration space as read (64, 256 or 4096 bytes; anything for a hostile capture).
/// Every accessor is bounds-checked and returns nil past the bytes that were read.
public struct ConfigSpace: Sendable, Equatable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int { bytes.count }
    /// Non-root readers get only the standard 64-byte header from sysfs.
    public var isTruncatedHeader: Bool { bytes.count < 256 }

    public func u8(_ offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    public func u16(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public func u32(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    public func u64(_ offset: Int) -> UInt64? {
        guard let lo = u32(offset), let hi = u32(offset + 4) else { return nil }
        return UInt64(hi) << 32 | UInt64(lo)
    }

    /// True when `length` bytes from `offset` were read.
    public func has(_ offset: Int, _ length: Int) -> Bool { offset >= 0 && offset + length <= bytes.count }
}

@inline(__always) func bit(_ value: some BinaryInteger, _ n: Int) -> Bool { (value >> n) & 1 == 1 }
@inline(__always) func bits<T: BinaryInteger>(_ value: T, _ lo: Int, _ count: Int) -> T {
    (value >> lo) & ((1 << count) - 1)
}
