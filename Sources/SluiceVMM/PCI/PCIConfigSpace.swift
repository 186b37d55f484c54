/// An emulated configuration space: the bytes, which bits the guest may write, and which are
/// write-1-to-clear. Writes to read-only bits are dropped; writes to the identity fields are
/// reported (nothing legitimate writes them).
public struct PCIConfigSpace: Sendable {
    public private(set) var bytes: [UInt8]
    private var writable: [UInt8]
    private var writeOneToClear: [UInt8]

    public init(size: Int = 256) {
        precondition(size == 256 || size == 4096)
        bytes = .init(repeating: 0, count: size)
        writable = .init(repeating: 0, count: size)
        writeOneToClear = .init(repeating: 0, count: size)
    }

    public var size: Int { bytes.count }

    /// Type-0 header fields.
    public static let vendorID = 0x00, command = 0x04, status = 0x06, revision = 0x08
    public static let classCode = 0x09, headerType = 0x0e, bar0 = 0x10, subsystemVendorID = 0x2c
    public static let romBAR = 0x30, capabilitiesPointer = 0x34, interruptLine = 0x3c, interruptPin = 0x3d

    /// Sets a field (VMM side: no masks apply).
    public mutating func set(_ offset: Int, size: Int, _ value: UInt32) {
        for i in 0..<size where offset + i < bytes.count {
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))
        }
    }

    public mutating func setWritable(_ offset: Int, size: Int, mask: UInt32) {
        for i in 0..<size where offset + i < bytes.count {
            writable[offset + i] = UInt8(truncatingIfNeeded: mask >> (8 * UInt32(i)))
        }
    }

    public mutating func setWriteOneToClear(_ offset: Int, size: Int, mask: UInt32) {
        for i in 0..<size where offset + i < bytes.count {
            writeOneToClear[offset + i] = UInt8(truncatingIfNeeded: mask >> (8 * UInt32(i)))
        }
    }

    public func read(_ offset: Int, size: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<size where offset + i < bytes.count { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        return v
    }

    /// Applies a guest write through the masks; returns true when it tried to change read-only bits.
    @discardableResult
    public mutating func guestWrite(_ offset: Int, size: Int, _ value: UInt32) -> Bool {
        var touchedReadOnly = false
        for i in 0..<size where offset + i < bytes.count {
            let o = offset + i
            let b = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))
            let w = writable[o], c = writeOneToClear[o]
            if (b ^ bytes[o]) & ~w & ~c != 0 { touchedReadOnly = true }
            bytes[o] = (bytes[o] & ~w & ~(b & c)) | (b & w)
        }
        return touchedReadOnly
    }

    /// True when [offset, offset+size) overlaps a header identity field (IDs, revision, class, header type).
    public static func isIdentityField(_ offset: Int, size: Int) -> Bool {
        let r = offset..<(offset + size)
        return r.overlaps(0..<4) || r.overlaps(8..<12) || r.overlaps(0x0e..<0x0f)
    }
}
