/// A device on an I/O bus: sees accesses as offsets into its own range, 1 to 8 bytes.
public protocol BusDevice: AnyObject {
    func read(offset: UInt64, size: Int) -> UInt64
    func write(offset: UInt64, size: Int, value: UInt64)
}

/// An address-keyed bus (one for port I/O, one for MMIO), independent of the vCPU loop:
/// the loop hands it (address, size, value); tests drive it directly.
public final class IOBus {
    public enum BusError: Error, Equatable {
        case overlaps(GuestRange, existing: GuestRange)
        case empty
    }

    private struct Entry {
        let range: GuestRange
        let device: any BusDevice
    }

    /// Sorted by start, non-overlapping: lookups are a binary search, no allocation.
    private var entries: [Entry] = []
    public enum Kind: String, Sendable { case pio, mmio }
    public let kind: Kind
    let events: GuestEventLog

    public init(_ kind: Kind, events: GuestEventLog) {
        self.kind = kind
        self.events = events
    }

    public func register(_ device: any BusDevice, at base: UInt64, size: UInt64) throws(BusError) {
        guard size > 0, base <= UInt64.max - size else { throw .empty }
        let range = GuestRange(start: base, size: size)
        if let clash = entries.first(where: { $0.range.overlaps(range) }) {
            throw .overlaps(range, existing: clash.range)
        }
        let index = entries.firstIndex { $0.range.start > base } ?? entries.count
        entries.insert(Entry(range: range, device: device), at: index)
    }

    public func unregister(base: UInt64) { entries.removeAll { $0.range.start == base } }

    @inline(__always)
    private func find(_ address: UInt64, _ size: Int) -> Entry? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].range.end <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo < entries.count else { return nil }
        let e = entries[lo]
        // The whole access must fall inside one device: a straddling access goes nowhere.
        guard e.range.contains(address), UInt64(size) <= e.range.end - address else { return nil }
        return e
    }

    /// A read; unclaimed addresses read as all ones (floating bus) and are reported.
    public func read(_ address: UInt64, size: Int) -> UInt64 {
        guard size >= 1, size <= 8 else {
            events.record(.malformedAccess(what: "\(kind.rawValue) read of \(size) bytes"))
            return ~0
        }
        guard let e = find(address, size) else {
            report(address, size, isWrite: false)
            return size == 8 ? ~0 : (1 << (8 * UInt64(size))) - 1
        }
        return e.device.read(offset: address - e.range.start, size: size)
    }

    public func write(_ address: UInt64, size: Int, value: UInt64) {
        guard size >= 1, size <= 8 else {
            events.record(.malformedAccess(what: "\(kind.rawValue) write of \(size) bytes"))
            return
        }
        guard let e = find(address, size) else { return report(address, size, isWrite: true) }
        let masked = size == 8 ? value : value & ((1 << (8 * UInt64(size))) - 1)
        e.device.write(offset: address - e.range.start, size: size, value: masked)
    }

    private func report(_ address: UInt64, _ size: Int, isWrite: Bool) {
        if kind == .pio {
            events.record(.unclaimedPort(port: UInt16(truncatingIfNeeded: address), size: size, isWrite: isWrite))
        } else {
            events.record(.unclaimedMMIO(address: address, size: size, isWrite: isWrite))
        }
    }
}
