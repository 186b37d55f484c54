import CSluice
import SluiceSystem
import SystemPackage

/// /dev/iommu: the iommufd context. Objects inside it (IOAS, bound devices) die with it.
public final class IOMMUFD: @unchecked Sendable {
    public let fd: OwnedFD
    public init(path: String = "/dev/iommu") throws(VFIOError) {
        fd = try VFIOError.wrap { () throws(SystemError) in try OwnedFD(path: path, mode: .readWrite) }
    }

    /// IOMMU_IOAS_ALLOC: a new, empty IO address space.
    public func allocateIOAS() throws(VFIOError) -> IOAS {
        var a = csluice_iommu_ioas_alloc()
        a.size = UInt32(MemoryLayout<csluice_iommu_ioas_alloc>.size)
        try VFIOError.wrap { () throws(SystemError) in try IOCTL.call(fd.descriptor, CSLUICE_IOMMU_IOAS_ALLOC, "IOMMU_IOAS_ALLOC", &a) }
        return IOAS(iommufd: self, id: a.out_ioas_id)
    }

    func destroy(_ id: UInt32) {
        var d = csluice_iommu_destroy(size: UInt32(MemoryLayout<csluice_iommu_destroy>.size), id: id)
        _ = try? IOCTL.call(fd.descriptor, CSLUICE_IOMMU_DESTROY, "IOMMU_DESTROY", &d)
    }

    /// IOMMU_GET_HW_INFO for a bound device: the IOMMU's type and, for VT-d, CAP and ECAP.
    public func hardwareInfo(deviceID: UInt32) throws(VFIOError) -> HardwareInfo {
        var vtd = csluice_iommu_hw_info_vtd()
        var h = csluice_iommu_hw_info()
        h.size = UInt32(MemoryLayout<csluice_iommu_hw_info>.size)
        h.dev_id = deviceID
        h.data_len = UInt32(MemoryLayout<csluice_iommu_hw_info_vtd>.size)
        try withUnsafeMutablePointer(to: &vtd) { (p) throws(VFIOError) in
            h.data_uptr = UInt64(UInt(bitPattern: p))
            try VFIOError.wrap { () throws(SystemError) in try IOCTL.call(fd.descriptor, CSLUICE_IOMMU_GET_HW_INFO, "IOMMU_GET_HW_INFO", &h) }
        }
        let isVTd = h.out_data_type == UInt32(CSLUICE_IOMMU_HW_INFO_TYPE_INTEL_VTD)
        return HardwareInfo(type: h.out_data_type, capabilities: h.out_capabilities, maxPASIDLog2: h.out_max_pasid_log2,
                            vtdCap: isVTd ? vtd.cap_reg : nil, vtdEcap: isVTd ? vtd.ecap_reg : nil)
    }

    public struct HardwareInfo: Sendable, Equatable {
        public var type: UInt32
        public var capabilities: UInt64
        public var maxPASIDLog2: UInt8
        public var vtdCap: UInt64?
        public var vtdEcap: UInt64?
        public var dirtyTracking: Bool { capabilities & 1 != 0 }
    }
}

/// An IO address space inside an iommufd; destroyed when this value goes.
public final class IOAS: DMAMapper, @unchecked Sendable {
    public let iommufd: IOMMUFD
    public let id: UInt32
    init(iommufd: IOMMUFD, id: UInt32) { self.iommufd = iommufd; self.id = id }
    deinit { iommufd.destroy(id) }

    public func map(vaddr: UInt64, iova: UInt64, size: UInt64, access: DMAAccess) throws(VFIOError) {
        var m = csluice_iommu_ioas_map()
        m.size = UInt32(MemoryLayout<csluice_iommu_ioas_map>.size)
        m.flags = UInt32(CSLUICE_IOMMU_IOAS_MAP_FIXED_IOVA)
            | (access.contains(.read) ? UInt32(CSLUICE_IOMMU_IOAS_MAP_READABLE) : 0)
            | (access.contains(.write) ? UInt32(CSLUICE_IOMMU_IOAS_MAP_WRITEABLE) : 0)
        m.ioas_id = id
        m.user_va = vaddr
        m.length = size
        m.iova = iova
        do {
            try IOCTL.call(iommufd.fd.descriptor, CSLUICE_IOMMU_IOAS_MAP, "IOMMU_IOAS_MAP", &m)
        } catch {
            if error.errno == .noMemory, let s = MemlockShortfall.diagnose(
                request: size, limit: MemlockShortfall.currentLimit(), locked: ProcStatus.lockedBytes) {
                throw .memlockLimit(s)
            }
            throw .system(SystemError(error.errno, "IOMMU_IOAS_MAP ioas \(id) iova 0x\(String(iova, radix: 16)) size 0x\(String(size, radix: 16))"))
        }
    }

    @discardableResult
    public func unmap(iova: UInt64, size: UInt64) throws(VFIOError) -> UInt64 {
        var u = csluice_iommu_ioas_unmap()
        u.size = UInt32(MemoryLayout<csluice_iommu_ioas_unmap>.size)
        u.ioas_id = id
        u.iova = iova
        u.length = size
        do {
            try IOCTL.call(iommufd.fd.descriptor, CSLUICE_IOMMU_IOAS_UNMAP, "IOMMU_IOAS_UNMAP", &u)
        } catch {
            throw .system(SystemError(error.errno, "IOMMU_IOAS_UNMAP ioas \(id) iova 0x\(String(iova, radix: 16))"))
        }
        return u.length
    }

    public func iovaRanges() throws(VFIOError) -> [ClosedRange<UInt64>] {
        var ranges = [csluice_iommu_iova_range](repeating: .init(), count: 16)
        var r = csluice_iommu_ioas_iova_ranges()
        r.size = UInt32(MemoryLayout<csluice_iommu_ioas_iova_ranges>.size)
        r.ioas_id = id
        r.num_iovas = UInt32(ranges.count)
        try ranges.withUnsafeMutableBufferPointer { (p) throws(VFIOError) in
            r.allowed_iovas = UInt64(UInt(bitPattern: p.baseAddress))
            try VFIOError.wrap { () throws(SystemError) in
                try IOCTL.call(iommufd.fd.descriptor, CSLUICE_IOMMU_IOAS_IOVA_RANGES, "IOMMU_IOAS_IOVA_RANGES", &r)
            }
        }
        return ranges.prefix(Int(min(r.num_iovas, 16))).filter { $0.start <= $0.last }.map { $0.start...$0.last }
    }
}

/// A VFIO device opened through its cdev (/dev/vfio/devices/vfioN), bound to an iommufd and
/// attached to an IOAS. The binding is undone by the kernel when the device fd closes.
public final class IOMMUFDBinding: @unchecked Sendable {
    public let iommufd: IOMMUFD
    public let ioas: IOAS
    public let deviceID: UInt32
    init(iommufd: IOMMUFD, ioas: IOAS, deviceID: UInt32) { self.iommufd = iommufd; self.ioas = ioas; self.deviceID = deviceID }

    /// Opens `cdevPath`, VFIO_DEVICE_BIND_IOMMUFD, then VFIO_DEVICE_ATTACH_IOMMUFD_PT to `ioas`.
    public static func open(cdevPath: String, name: String, iommufd: IOMMUFD, ioas: IOAS) throws(VFIOError) -> VFIODevice {
        let fd = try VFIOError.wrap { () throws(SystemError) in try OwnedFD(path: cdevPath, mode: .readWrite) }
        var b = csluice_vfio_device_bind_iommufd()
        b.argsz = UInt32(MemoryLayout<csluice_vfio_device_bind_iommufd>.size)
        b.iommufd = iommufd.fd.raw
        try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD", &b)
        }
        var a = csluice_vfio_device_attach_iommufd_pt()
        a.argsz = UInt32(MemoryLayout<csluice_vfio_device_attach_iommufd_pt>.size)
        a.pt_id = ioas.id
        try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", &a)
        }
        return VFIODevice(fd: fd, name: name, owner: IOMMUFDBinding(iommufd: iommufd, ioas: ioas, deviceID: b.out_devid))
    }
}

extension VFIODevice {
    /// The iommufd binding when this device was opened through its cdev.
    public var iommufdBinding: IOMMUFDBinding? { owner as? IOMMUFDBinding }
    public var group: VFIOGroup? { owner as? VFIOGroup }
}
