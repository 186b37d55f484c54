import CSluice
import SluiceSystem
import SystemPackage

/// A VFIO container (/dev/vfio/vfio): the legacy IOMMU context that groups attach to.
/// Closing it (when the last reference goes) unmaps everything and unpins the pages.
public final class VFIOContainer: @unchecked Sendable {
    public let fd: OwnedFD
    public private(set) var iommuSet = false

    /// VFIO_API_VERSION from <linux/vfio.h>: the only version ever defined.
    public static let expectedAPIVersion: CInt = 0
    public static let type1v2: UInt = 3      // VFIO_TYPE1v2_IOMMU
    public static let noIOMMU: UInt = 8      // VFIO_NOIOMMU_IOMMU (unsafe; Sluice never sets it)

    public init(path: String = "/dev/vfio/vfio") throws(VFIOError) {
        fd = try VFIOError.wrap { () throws(SystemError) in try OwnedFD(path: path, mode: .readWrite) }
        let version = try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_GET_API_VERSION, "VFIO_GET_API_VERSION")
        }
        guard version == Self.expectedAPIVersion else {
            throw .unsupported("VFIO API version \(version) (Sluice speaks \(Self.expectedAPIVersion))")
        }
    }

    /// VFIO_CHECK_EXTENSION: whether the kernel offers an IOMMU type or extension.
    public func hasExtension(_ ext: UInt) -> Bool {
        (try? IOCTL.call(fd.descriptor, CSLUICE_VFIO_CHECK_EXTENSION, "VFIO_CHECK_EXTENSION", value: ext)) ?? 0 > 0
    }

    /// VFIO_SET_IOMMU type1v2; needs at least one group attached first.
    public func setType1v2() throws(VFIOError) {
        guard hasExtension(Self.type1v2) else {
            throw .unsupported("VFIO_TYPE1v2_IOMMU (is vfio_iommu_type1 loaded?)")
        }
        try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_SET_IOMMU, "VFIO_SET_IOMMU TYPE1v2", value: Self.type1v2)
        }
        iommuSet = true
    }

    /// VFIO_IOMMU_GET_INFO with its capabilities (IOVA ranges, DMA mapping limit, dirty tracking).
    public func iommuInfo() throws(VFIOError) -> IOMMUInfo {
        try IOMMUInfo.parse(argszQuery(fd.descriptor, CSLUICE_VFIO_IOMMU_GET_INFO, "VFIO_IOMMU_GET_INFO",
                                       initialSize: 256))
    }
}

/// Flags of VFIO_IOMMU_MAP_DMA / UNMAP_DMA, named as in the uapi.
public enum DMAFlags {
    public static let mapRead: UInt32 = 1 << 0               // VFIO_DMA_MAP_FLAG_READ
    public static let mapWrite: UInt32 = 1 << 1              // VFIO_DMA_MAP_FLAG_WRITE
    public static let mapVaddr: UInt32 = 1 << 2              // VFIO_DMA_MAP_FLAG_VADDR
    public static let unmapGetDirtyBitmap: UInt32 = 1 << 0   // VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP
    public static let unmapAll: UInt32 = 1 << 1              // VFIO_DMA_UNMAP_FLAG_ALL
    public static let unmapVaddr: UInt32 = 1 << 2            // VFIO_DMA_UNMAP_FLAG_VADDR
}

extension VFIOContainer: DMAMapper {
    public func map(vaddr: UInt64, iova: UInt64, size: UInt64, access: DMAAccess) throws(VFIOError) {
        var m = vfio_iommu_type1_dma_map()
        m.argsz = UInt32(MemoryLayout<vfio_iommu_type1_dma_map>.size)
        m.flags = (access.contains(.read) ? DMAFlags.mapRead : 0) | (access.contains(.write) ? DMAFlags.mapWrite : 0)
        m.vaddr = vaddr
        m.iova = iova
        m.size = size
        do {
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_IOMMU_MAP_DMA, "VFIO_IOMMU_MAP_DMA", &m)
        } catch {
            if error.errno == .noMemory, let s = MemlockShortfall.diagnose(
                request: size, limit: MemlockShortfall.currentLimit(), locked: ProcStatus.lockedBytes) {
                throw .memlockLimit(s)
            }
            if error.errno == .invalidArgument, let why = try? explainRejectedMap(iova: iova, size: size) {
                throw .invalidArgument("VFIO_IOMMU_MAP_DMA iova 0x\(String(iova, radix: 16)) size 0x\(String(size, radix: 16)): \(why)")
            }
            if error.errno == .fileExists {
                throw .invalidArgument("VFIO_IOMMU_MAP_DMA iova 0x\(String(iova, radix: 16)) size 0x\(String(size, radix: 16)): overlaps an existing mapping (EEXIST)")
            }
            throw .system(SystemError(error.errno, "VFIO_IOMMU_MAP_DMA iova 0x\(String(iova, radix: 16)) size 0x\(String(size, radix: 16))"))
        }
    }

    /// After an EINVAL from MAP_DMA: the usual causes, checked against what the IOMMU reported.
    func explainRejectedMap(iova: UInt64, size: UInt64) throws(VFIOError) -> String? {
        let info = try iommuInfo()
        return IOMMUInfo.explainRejectedMap(info, iova: iova, size: size)
    }

    @discardableResult
    public func unmap(iova: UInt64, size: UInt64) throws(VFIOError) -> UInt64 {
        var u = vfio_iommu_type1_dma_unmap()
        u.argsz = UInt32(MemoryLayout<vfio_iommu_type1_dma_unmap>.size)
        u.iova = iova
        u.size = size
        do {
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_IOMMU_UNMAP_DMA, "VFIO_IOMMU_UNMAP_DMA", &u)
        } catch {
            throw .system(SystemError(error.errno, "VFIO_IOMMU_UNMAP_DMA iova 0x\(String(iova, radix: 16)) size 0x\(String(size, radix: 16))"))
        }
        return u.size
    }

    public func iovaRanges() throws(VFIOError) -> [ClosedRange<UInt64>] { try iommuInfo().iovaRanges }
}
