import CSluice
import SluiceSystem

/// A device that a bus (secondary bus) reset of this device also resets.
public struct DependentDevice: Sendable, Equatable, CustomStringConvertible {
    /// The IOMMU group (legacy) or, with the cdev flags, the iommufd device id.
    public var groupOrDeviceID: UInt32
    public var segment: UInt16
    public var bus: UInt8
    public var devfn: UInt8
    public var address: String {
        func hex(_ v: some BinaryInteger, _ w: Int) -> String {
            let s = String(v, radix: 16); return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(hex(segment, 4)):\(hex(bus, 2)):\(hex(devfn >> 3, 2)).\(devfn & 7)"
    }
    /// Whether `groupOrDeviceID` is an iommufd device id: the kernel says so (FLAG_DEV_ID) when
    /// the device was opened through its cdev.
    public var namedByDeviceID = false
    public var description: String {
        guard namedByDeviceID else { return "\(address) (group \(groupOrDeviceID))" }
        switch groupOrDeviceID {
        case 0: return "\(address) (owned: in a bound device's group, not bound itself)"   // VFIO_PCI_DEVID_OWNED
        case UInt32.max: return "\(address) (not owned by this iommufd)"                   // VFIO_PCI_DEVID_NOT_OWNED
        default: return "\(address) (iommufd device \(groupOrDeviceID))"
        }
    }
}

extension VFIODevice {
    /// VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: every device a hot reset would hit. The caller must own
    /// (hold open) the groups of all of them to be allowed to reset.
    public func hotResetDependents() throws(VFIOError) -> [DependentDevice] {
        var size = 12 + 8 * 8
        for _ in 0..<3 {
            var buf = [UInt8](repeating: 0, count: size)
            buf.putLE(UInt32(size), at: 0)
            let r: CInt = buf.withUnsafeMutableBytes {
                csluiceIoctl(fd.descriptor, CSLUICE_VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, $0.baseAddress)
            }
            let b = KernelBytes(buf)
            let count = Int(b.u32(8) ?? 0)
            let byDeviceID = (b.u32(4) ?? 0) & UInt32(CSLUICE_VFIO_PCI_HOT_RESET_FLAG_DEV_ID) != 0
            if r < 0 {
                let e = SystemError.current("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO \(name)")
                guard e.errno == .noSpace, count <= 4096 else { throw .system(e) }
                size = 12 + 8 * count   // the kernel told us how many there are
                continue
            }
            return try (0..<count).map { (i: Int) throws(VFIOError) -> DependentDevice in
                let o = 12 + 8 * i
                guard let g = b.u32(o), let s = b.u16(o + 4), let bus = b.u8(o + 6), let df = b.u8(o + 7) else {
                    throw .malformed("hot reset info entry \(i) of \(count) truncated")
                }
                return DependentDevice(groupOrDeviceID: g, segment: s, bus: bus, devfn: df, namedByDeviceID: byDeviceID)
            }
        }
        throw .malformed("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO kept growing")
    }

    /// VFIO_DEVICE_PCI_HOT_RESET, proving ownership with the fds of every affected group. A device
    /// opened through iommufd passes no group at all: the kernel then checks that every affected
    /// device is bound to the same iommufd (and refuses group fds with EINVAL).
    public func hotReset(groups: [VFIOGroup]) throws(VFIOError) {
        var buf = [UInt8](repeating: 0, count: 12 + 4 * groups.count)
        buf.putLE(UInt32(buf.count), at: 0)
        buf.putLE(UInt32(groups.count), at: 8)
        for (i, g) in groups.enumerated() { buf.putLE(g.fd.raw, at: 12 + 4 * i) }
        let r: CInt = buf.withUnsafeMutableBytes { csluiceIoctl(fd.descriptor, CSLUICE_VFIO_DEVICE_PCI_HOT_RESET, $0.baseAddress) }
        if r < 0 {
            let proof = groups.isEmpty ? "ownership through iommufd" : "\(groups.count) group fds"
            throw .system(SystemError.current("VFIO_DEVICE_PCI_HOT_RESET \(name) with \(proof)"))
        }
    }
}
