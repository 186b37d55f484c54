import SluiceSystem

/// Which kernel interface a device is opened through.
public enum VFIOBackend: String, Sendable, CaseIterable {
    /// /dev/vfio/vfio container + /dev/vfio/N group (vfio_iommu_type1).
    case legacy
    /// /dev/iommu + /dev/vfio/devices/vfioN (iommufd, VFIO_DEVICE_CDEV).
    case iommufd
}

/// A device opened for user-space driving: the device fd, the address space its DMA goes through
/// and, on the legacy backend, the group it was opened through.
public struct VFIOSession: @unchecked Sendable {
    public let device: VFIODevice
    public let dma: any DMAMapper
    public let backend: VFIOBackend
    /// The group (legacy backend only; an iommufd session has none).
    public let group: VFIOGroup?

    public init(device: VFIODevice, dma: any DMAMapper, backend: VFIOBackend, group: VFIOGroup? = nil) {
        self.device = device
        self.dma = dma
        self.backend = backend
        self.group = group
    }

    /// The file KVM's KVM-VFIO device is told about (KVM_DEV_VFIO_FILE_ADD, formerly GROUP_ADD):
    /// the group fd on the legacy backend; the device cdev fd on iommufd, which kernels accept
    /// from 6.6 (KVM_DEV_VFIO_FILE) and older ones refuse, having no cdev either.
    public var kvmFile: CInt { group?.fd.raw ?? device.fd.raw }
}

public enum VFIO {
    /// The iommufd backend is usable for `address` when /dev/iommu exists and the device has a
    /// VFIO cdev (sysfs .../vfio-dev/vfioN). Returns the cdev path.
    public static func cdevPath(for address: String, root: String = "") -> String? {
        guard Files.exists(root + "/dev/iommu") else { return nil }
        let dir = "\(root)/sys/bus/pci/devices/\(address)/vfio-dev"
        guard let name = (try? Files.list(dir))?.first(where: { $0.hasPrefix("vfio") }) else { return nil }
        return "\(root)/dev/vfio/devices/\(name)"
    }

    /// The IOMMU group number of `address`, from its sysfs iommu_group link.
    public static func groupNumber(of address: String, root: String = "") throws(VFIOError) -> Int {
        let link = "\(root)/sys/bus/pci/devices/\(address)/iommu_group"
        guard let target = Files.readLink(link), let n = Int(target.split(separator: "/").last ?? "") else {
            throw .unsupported("\(address) has no IOMMU group (\(link)): is the IOMMU enabled (intel_iommu=on / amd_iommu) and the device present?")
        }
        return n
    }

    /// Opens `address` through iommufd when the kernel offers it (or `prefer` says so), else
    /// through the legacy container; sets up the IOMMU so the caller can map DMA at once.
    public static func open(_ address: String, prefer: VFIOBackend? = nil, vfToken: String? = nil) throws(VFIOError) -> VFIOSession {
        let cdev = cdevPath(for: address)
        let useIOMMUFD = prefer == .iommufd || (prefer == nil && cdev != nil)
        if useIOMMUFD {
            guard let cdev else { throw .unsupported("iommufd/VFIO cdev for \(address) (no /dev/iommu or no vfio-dev entry: kernel needs CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV)") }
            let iommufd = try IOMMUFD()
            let ioas = try iommufd.allocateIOAS()
            let device = try IOMMUFDBinding.open(cdevPath: cdev, name: address, iommufd: iommufd, ioas: ioas)
            return VFIOSession(device: device, dma: ioas, backend: .iommufd)
        }
        let container = try VFIOContainer()
        let group = try VFIOGroup(number: groupNumber(of: address))
        try group.attach(to: container)
        try container.setType1v2()
        let device = try group.openDevice(address, vfToken: vfToken)
        return VFIOSession(device: device, dma: container, backend: .legacy, group: group)
    }
}
