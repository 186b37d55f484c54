#if canImport(Glibc)
import Glibc
#endif
import SluiceSystem

/// Guest RAM: one anonymous mapping laid out in guest-physical space by a `GuestMemoryLayout`.
/// Every guest-physical access is translated and bounds-checked here; an access that is not
/// wholly inside one RAM region fails instead of touching anything.
public final class GuestMemory: @unchecked Sendable {
    public let layout: GuestMemoryLayout
    public let mapping: MemoryMapping

    public init(layout: GuestMemoryLayout) throws(SystemError) {
        self.layout = layout
        mapping = try MemoryMapping(anonymousSize: layout.totalSize)
    }

    /// The mapping offset of `count` bytes at `address`, or nil unless they lie in one region.
    public func offset(of address: UInt64, count: Int) -> Int? {
        guard count >= 0 else { return nil }
        for r in layout.regions where r.guest.contains(address) {
            let within = address - r.guest.start
            guard UInt64(count) <= r.guest.size - within else { return nil }
            return r.hostOffset + Int(within)
        }
        return count == 0 && layout.regions.contains { $0.guest.end == address } ? 0 : nil
    }

    public func contains(_ address: UInt64, count: Int) -> Bool { offset(of: address, count: count) != nil }

    @discardableResult
    public func write(_ bytes: some Collection<UInt8>, at address: UInt64) -> Bool {
        guard let o = offset(of: address, count: bytes.count) else { return false }
        // Contiguous bytes (payloads, kernels) are copied at once: a byte loop is slow for a
        // kernel, and the generic path costs the runtime a conformance scan at start-up.
        let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
            if let from = source.baseAddress { (mapping.base + o).copyMemory(from: from, byteCount: source.count) }
        }
        return copied != nil || mapping.write(bytes, at: o)
    }

    public func read(count: Int, at address: UInt64) -> [UInt8]? {
        guard let o = offset(of: address, count: count) else { return nil }
        return mapping.read(count: count, at: o)
    }

    @discardableResult
    public func store<T: FixedWidthInteger>(_ value: T, at address: UInt64) -> Bool {
        guard let o = offset(of: address, count: MemoryLayout<T>.size) else { return false }
        return mapping.store(value.littleEndian, at: o)
    }

    public func load<T: FixedWidthInteger>(_: T.Type = T.self, at address: UInt64) -> T? {
        guard let o = offset(of: address, count: MemoryLayout<T>.size),
              let v: T = mapping.load(at: o) else { return nil }
        return T(littleEndian: v)
    }

    /// Pages of guest RAM currently resident (mincore), for memory accounting.
    public var residentBytes: Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (mapping.size + page - 1) / page)
        guard mincore(mapping.base, mapping.size, &vector) == 0 else { return 0 }
        return vector.reduce(0) { $0 + Int($1 & 1) } * page
    }
}
