/// One VFIO region of a device (VFIO_DEVICE_GET_REGION_INFO and its capabilities).
public struct RegionInfo: Sendable, Equatable {
    public var index: UInt32
    public var flags: Flags
    public var size: UInt64
    /// Offset of the region in the device fd (for pread/pwrite/mmap).
    public var offset: UInt64
    /// Mmappable parts when the region is only partly mmappable (e.g. a BAR holding the MSI-X table).
    /// nil: no sparse capability, so the whole region is mmappable when `flags.mmap` says so.
    public var sparseAreas: [SparseArea]?
    /// The MSI-X table in this BAR may be mmapped (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE).
    public var msixMappable: Bool
    /// VFIO_REGION_INFO_CAP_TYPE (device-specific regions): type and subtype.
    public var type: (type: UInt32, subtype: UInt32)?

    public struct Flags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let read = Flags(rawValue: 1 << 0)
        public static let write = Flags(rawValue: 1 << 1)
        public static let mmap = Flags(rawValue: 1 << 2)
        public static let caps = Flags(rawValue: 1 << 3)
    }

    public struct SparseArea: Sendable, Equatable {
        public var offset: UInt64
        public var size: UInt64
    }

    /// The ranges of the region that may be mmapped (empty when none).
    public var mmappableAreas: [SparseArea] {
        guard flags.contains(.mmap), size > 0 else { return [] }
        return sparseAreas ?? [SparseArea(offset: 0, size: size)]
    }

    public static func == (a: RegionInfo, b: RegionInfo) -> Bool {
        a.index == b.index && a.flags == b.flags && a.size == b.size && a.offset == b.offset
            && a.sparseAreas == b.sparseAreas && a.msixMappable == b.msixMappable
            && a.type?.type == b.type?.type && a.type?.subtype == b.type?.subtype
    }

    /// Parses struct vfio_region_info (argsz, flags, index, cap_offset, u64 size, u64 offset).
    static func parse(_ b: KernelBytes) throws(VFIOError) -> RegionInfo {
        guard let flags = b.u32(4), let index = b.u32(8), let capOffset = b.u32(12),
              let size = b.u64(16), let offset = b.u64(24) else {
            throw .malformed("VFIO_DEVICE_GET_REGION_INFO reply of \(b.bytes.count) bytes")
        }
        var r = RegionInfo(index: index, flags: Flags(rawValue: flags), size: size, offset: offset,
                           sparseAreas: nil, msixMappable: false, type: nil)
        guard r.flags.contains(.caps) else { return r }
        for cap in try parseCapabilityChain(b, first: capOffset) {
            let p = cap.offset + 8
            switch cap.id {
            case 1: // SPARSE_MMAP: u32 nr_areas, u32 reserved, {u64 offset, u64 size}[]
                guard let n = b.u32(p) else { throw .malformed("sparse-mmap capability truncated") }
                var areas: [SparseArea] = []
                for i in 0..<Int(min(n, 4096)) {
                    guard let o = b.u64(p + 8 + 16 * i), let s = b.u64(p + 16 + 16 * i) else {
                        throw .malformed("sparse area \(i) of \(n) truncated")
                    }
                    guard o <= size, s <= size - o else {
                        throw .malformed("sparse area \(i) [\(o), +\(s)) outside region \(index) of \(size) bytes")
                    }
                    if s > 0 { areas.append(SparseArea(offset: o, size: s)) }
                }
                r.sparseAreas = areas
            case 2: // TYPE: u32 type, u32 subtype
                guard let t = b.u32(p), let s = b.u32(p + 4) else { throw .malformed("region type capability truncated") }
                r.type = (t, s)
            case 3: r.msixMappable = true
            default: break
            }
        }
        return r
    }
}

/// VFIO_DEVICE_GET_INFO.
public struct DeviceInfo: Sendable, Equatable {
    public var flags: UInt32
    public var regionCount: UInt32
    public var irqCount: UInt32
    public var supportsReset: Bool { flags & 1 != 0 }   // VFIO_DEVICE_FLAGS_RESET
    public var isPCI: Bool { flags & 2 != 0 }           // VFIO_DEVICE_FLAGS_PCI

    static func parse(_ b: KernelBytes) throws(VFIOError) -> DeviceInfo {
        guard let f = b.u32(4), let r = b.u32(8), let i = b.u32(12) else {
            throw .malformed("VFIO_DEVICE_GET_INFO reply of \(b.bytes.count) bytes")
        }
        return DeviceInfo(flags: f, regionCount: r, irqCount: i)
    }
}

/// VFIO_DEVICE_GET_IRQ_INFO.
public struct IRQInfo: Sendable, Equatable {
    public var index: UInt32
    public var count: UInt32
    public var flags: UInt32
    public var eventfd: Bool { flags & 1 != 0 }
    public var maskable: Bool { flags & 2 != 0 }
    public var automasked: Bool { flags & 4 != 0 }
    public var noResize: Bool { flags & 8 != 0 }
}
