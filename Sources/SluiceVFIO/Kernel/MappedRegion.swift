import CSluice
import SluiceSystem

/// A device region with its mmappable parts mapped. Register reads and writes are single
/// volatile accesses of the given width; offsets outside the mapped areas (an MSI-X table the
/// kernel keeps trapped) go through the device fd instead, so no access bypasses vfio-pci's checks.
public final class MappedRegion: @unchecked Sendable {
    public let info: RegionInfo
    let device: VFIODevice
    let areas: [Area]

    struct Area {
        let offset: UInt64
        let mapping: MemoryMapping
    }

    init(device: VFIODevice, info: RegionInfo, areas: [Area]) {
        self.device = device
        self.info = info
        self.areas = areas
    }

    /// The mapped bytes of [offset, offset+width) or nil when not inside one mmapped area.
    public func pointer(at offset: UInt64, width: Int) -> UnsafeMutableRawPointer? {
        for a in areas where offset >= a.offset {
            let rel = offset - a.offset
            if rel <= UInt64(Int.max), a.mapping.contains(offset: Int(rel), count: width), Int(rel) % width == 0 {
                return a.mapping.base + Int(rel)
            }
        }
        return nil
    }

    public var mappedBytes: UInt64 { areas.reduce(0) { $0 + UInt64($1.mapping.size) } }

    public func read32(_ offset: UInt64) throws(VFIOError) -> UInt32 {
        if let p = pointer(at: offset, width: 4) { return csluice_mmio_read32(p) }
        let b = try device.read(region: info, offset: offset, count: 4)
        guard b.count == 4 else { throw .malformed("short read of region \(info.index) at 0x\(String(offset, radix: 16))") }
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    public func write32(_ offset: UInt64, _ value: UInt32) throws(VFIOError) {
        if let p = pointer(at: offset, width: 4) { csluice_mmio_write32(p, value); return }
        try device.write(region: info, offset: offset, bytes: (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }
}
