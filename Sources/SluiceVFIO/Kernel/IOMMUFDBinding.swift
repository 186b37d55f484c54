import CSluice
import SluiceSystem
import Synchronization
import SystemPackage

/// A VFIO device opened through its cdev (/dev/vfio/devices/vfioN) and bound to an iommufd.
/// It keeps the IOAS it is attached to alive; the kernel undoes the binding when the device fd closes.
public final class IOMMUFDBinding: Sendable {
    public let iommufd: IOMMUFD
    /// The device's id inside the iommufd (VFIO_DEVICE_BIND_IOMMUFD out_devid).
    public let deviceID: UInt32
    private let attached: Mutex<IOAS?>

    init(iommufd: IOMMUFD, deviceID: UInt32) {
        self.iommufd = iommufd
        self.deviceID = deviceID
        attached = Mutex(nil)
    }

    /// The IOAS the device's DMA goes through now; nil when detached (DMA is blocked).
    public var ioas: IOAS? { attached.withLock { $0 } }

    /// Opens `cdevPath`, VFIO_DEVICE_BIND_IOMMUFD, then VFIO_DEVICE_ATTACH_IOMMUFD_PT to `ioas`.
    public static func open(cdevPath: String, name: String, iommufd: IOMMUFD, ioas: IOAS) throws(VFIOError) -> VFIODevice {
        let fd = try VFIOError.wrap { () throws(SystemError) in try OwnedFD(path: cdevPath, mode: .readWrite) }
        var b = csluice_vfio_device_bind_iommufd()
        b.argsz = UInt32(MemoryLayout<csluice_vfio_device_bind_iommufd>.size)
        b.iommufd = iommufd.fd.raw
        do {
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD", &b)
        } catch {
            throw .system(SystemError(error.errno, "VFIO_DEVICE_BIND_IOMMUFD \(name) (\(cdevPath))"))
        }
        let device = VFIODevice(fd: fd, name: name, owner: IOMMUFDBinding(iommufd: iommufd, deviceID: b.out_devid))
        try device.attach(to: ioas)
        return device
    }
}

extension VFIODevice {
    /// The iommufd binding when this device was opened through its cdev.
    public var iommufdBinding: IOMMUFDBinding? { owner as? IOMMUFDBinding }
    public var group: VFIOGroup? { owner as? VFIOGroup }

    /// VFIO_DEVICE_ATTACH_IOMMUFD_PT: the device's DMA goes through `ioas` from now on (the
    /// kernel replaces an earlier attachment). Only for a device opened through its cdev.
    public func attach(to ioas: IOAS) throws(VFIOError) {
        let binding = try requireBinding("VFIO_DEVICE_ATTACH_IOMMUFD_PT")
        guard ioas.iommufd === binding.iommufd else {
            throw .invalidArgument("IOAS \(ioas.id) belongs to another iommufd than \(name)'s binding")
        }
        var a = csluice_vfio_device_attach_iommufd_pt()
        a.argsz = UInt32(MemoryLayout<csluice_vfio_device_attach_iommufd_pt>.size)
        a.pt_id = ioas.id
        do {
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", &a)
        } catch {
            throw .system(SystemError(error.errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT \(name) to IOAS \(ioas.id)"))
        }
        binding.setAttached(ioas)
    }

    /// VFIO_DEVICE_DETACH_IOMMUFD_PT: the device is left with no address space (its DMA is blocked).
    public func detachFromIOAS() throws(VFIOError) {
        let binding = try requireBinding("VFIO_DEVICE_DETACH_IOMMUFD_PT")
        var d = csluice_vfio_device_detach_iommufd_pt()
        d.argsz = UInt32(MemoryLayout<csluice_vfio_device_detach_iommufd_pt>.size)
        do {
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_DEVICE_DETACH_IOMMUFD_PT, "VFIO_DEVICE_DETACH_IOMMUFD_PT", &d)
        } catch {
            throw .system(SystemError(error.errno, "VFIO_DEVICE_DETACH_IOMMUFD_PT \(name)"))
        }
        binding.setAttached(nil)
    }

    private func requireBinding(_ what: String) throws(VFIOError) -> IOMMUFDBinding {
        guard let binding = iommufdBinding else {
            throw .invalidArgument("\(what): \(name) was opened through its VFIO group, not through iommufd")
        }
        return binding
    }
}

extension IOMMUFDBinding {
    fileprivate func setAttached(_ ioas: IOAS?) { attached.withLock { $0 = ioas } }
}
