import CSluice
import SluiceSystem
import SystemPackage

/// /dev/iommu: the iommufd context. Objects inside it (IOAS, bound devices) die with it; a bound
/// device holds the context open in the kernel, so closing this fd first loses nothing.
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

    /// IOMMU_DESTROY. EBUSY while a device is still attached to the object: the kernel then
    /// frees it when the context closes, so a failure here leaks nothing beyond this fd's life.
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
        public var isIntelVTd: Bool { type == UInt32(CSLUICE_IOMMU_HW_INFO_TYPE_INTEL_VTD) }
        public var dirtyTracking: Bool { capabilities & UInt64(CSLUICE_IOMMU_HW_CAP_DIRTY_TRACKING) != 0 }
    }
}
