import CSluice
import SluiceSystem
import SystemPackage

/// A VFIO device fd: regions, config space, interrupts, reset. It keeps whatever it was opened
/// through (the group, or the iommufd binding) alive for as long as it lives.
public final class VFIODevice: @unchecked Sendable {
    public let fd: OwnedFD
    public let name: String
    let owner: AnyObject

    init(fd: consuming OwnedFD, name: String, owner: AnyObject) {
        self.fd = fd
        self.name = name
        self.owner = owner
    }

    public func info() throws(VFIOError) -> DeviceInfo {
        try DeviceInfo.parse(argszQuery(fd.descriptor, CSLUICE_VFIO_DEVICE_GET_INFO, "VFIO_DEVICE_GET_INFO",
                                        initialSize: 24))
    }

    public func region(_ index: UInt32) throws(VFIOError) -> RegionInfo {
        try RegionInfo.parse(argszQuery(fd.descriptor, CSLUICE_VFIO_DEVICE_GET_REGION_INFO,
                                        "VFIO_DEVICE_GET_REGION_INFO", initialSize: 32) { $0.putLE(index, at: 8) })
    }

    public func irq(_ index: UInt32) throws(VFIOError) -> IRQInfo {
        var i = vfio_irq_info()
        i.argsz = UInt32(MemoryLayout<vfio_irq_info>.size)
        i.index = index
        try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_DEVICE_GET_IRQ_INFO, "VFIO_DEVICE_GET_IRQ_INFO", &i)
        }
        return IRQInfo(index: i.index, count: i.count, flags: i.flags)
    }

    /// VFIO_DEVICE_RESET (function-level: FLR, PM or a device-specific method).
    public func reset() throws(VFIOError) {
        if csluiceIoctl(fd.descriptor, CSLUICE_VFIO_DEVICE_RESET, nil) < 0 {
            throw .system(SystemError.current("VFIO_DEVICE_RESET \(name)"))
        }
    }
}

/// Region and IRQ indices of a vfio-pci device.
public enum VFIOPCI {
    public static func bar(_ n: UInt32) -> UInt32 { n }
    public static let romRegion: UInt32 = 6
    public static let configRegion: UInt32 = 7
    public static let vgaRegion: UInt32 = 8
    public static let intx: UInt32 = 0
    public static let msi: UInt32 = 1
    public static let msix: UInt32 = 2
    public static let err: UInt32 = 3
    public static let req: UInt32 = 4
}

extension VFIODevice {
    /// Every region the device reports. vfio-pci answers EINVAL for the VGA region of a device
    /// that is not VGA: such indices are left out instead of failing the whole listing.
    public func regions() throws(VFIOError) -> [RegionInfo] {
        var out: [RegionInfo] = []
        for i in 0..<(try info().regionCount) {
            do { out.append(try region(i)) } catch {
                if case .system(let e) = error, e.errno == .invalidArgument { continue }
                throw error
            }
        }
        return out
    }

    /// Every IRQ index the device reports. vfio-pci answers EINVAL for the ERR index of a device
    /// that is not PCI Express (seen on the lab's virtio-net): such indices are left out.
    public func irqs() throws(VFIOError) -> [IRQInfo] {
        var out: [IRQInfo] = []
        for i in 0..<(try info().irqCount) {
            do { out.append(try irq(i)) } catch {
                if case .system(let e) = error, e.errno == .invalidArgument { continue }
                throw error
            }
        }
        return out
    }
}
