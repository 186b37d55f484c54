#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// An mmap(2)ed region this value owns (guest RAM, a BAR, a KVM run structure).
/// All access to it is bounds-checked here; this is the one place that touches its raw pointer.
public final class MemoryMapping: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let size: Int

    /// Anonymous, private, zero-filled memory (e.g. guest RAM).
    public init(anonymousSize size: Int, hugePages: Bool = false) throws(SystemError) {
        precondition(size > 0)
        var flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
        if hugePages { flags |= MAP_HUGETLB }
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, flags, -1, 0), p != MAP_FAILED else {
            throw SystemError.current("mmap \(size) bytes of anonymous memory")
        }
        base = p
        self.size = size
    }

    /// A shared mapping of `size` bytes of `fd` at `offset` (a VFIO region, the KVM run structure).
    public init(file fd: FileDescriptor, offset: Int64, size: Int, writable: Bool,
                what: String) throws(SystemError) {
        precondition(size > 0)
        let prot = writable ? (PROT_READ | PROT_WRITE) : PROT_READ
        guard let p = mmap(nil, size, prot, MAP_SHARED, fd.rawValue, off_t(offset)), p != MAP_FAILED else {
            throw SystemError.current("mmap \(what)")
        }
        base = p
        self.size = size
    }

    deinit { munmap(base, size) }

    /// True when `count` bytes at `offset` lie inside the mapping (overflow-safe).
    @inline(__always)
    public func contains(offset: Int, count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= size && count <= size - offset
    }

    public func load<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T? {
        guard contains(offset: offset, count: MemoryLayout<T>.size) else { return nil }
        return base.loadUnaligned(fromByteOffset: offset, as: T.self)
    }

    @discardableResult
    public func store<T: FixedWidthInteger>(_ value: T, at offset: Int) -> Bool {
        guard contains(offset: offset, count: MemoryLayout<T>.size) else { return false }
        base.storeBytes(of: value, toByteOffset: offset, as: T.self)
        return true
    }

    /// Copies bytes in; false (and nothing written) when the range is outside the mapping.
    @discardableResult
    public func write(_ bytes: some Collection<UInt8>, at offset: Int) -> Bool {
        guard contains(offset: offset, count: bytes.count) else { return false }
        var o = offset
        for b in bytes { base.storeBytes(of: b, toByteOffset: o, as: UInt8.self); o += 1 }
        return true
    }

    public func read(count: Int, at offset: Int) -> [UInt8]? {
        guard contains(offset: offset, count: count) else { return nil }
        return Array(UnsafeRawBufferPointer(start: base + offset, count: count))
    }
}
