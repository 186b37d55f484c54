import CSluice
import SluiceSystem
import SystemPackage

/// A VFIO group (/dev/vfio/N): the unit of isolation the kernel hands to user space.
/// Holds its container alive while attached; closing the group detaches it.
public final class VFIOGroup: @unchecked Sendable {
    public let number: Int
    public let fd: OwnedFD
    public private(set) var container: VFIOContainer?

    public struct Status: Sendable, Equatable {
        public var viable: Bool         // VFIO_GROUP_FLAGS_VIABLE
        public var containerSet: Bool   // VFIO_GROUP_FLAGS_CONTAINER_SET
    }

    public init(number: Int, devDirectory: String = "/dev/vfio") throws(VFIOError) {
        self.number = number
        let path = "\(devDirectory)/\(number)"
        fd = try VFIOError.wrap { () throws(SystemError) in try OwnedFD(path: path, mode: .readWrite) }
    }

    public func status() throws(VFIOError) -> Status {
        var s = vfio_group_status()
        s.argsz = UInt32(MemoryLayout<vfio_group_status>.size)
        try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_GROUP_GET_STATUS, "VFIO_GROUP_GET_STATUS", &s)
        }
        return Status(viable: s.flags & UInt32(VFIO_GROUP_FLAGS_VIABLE) != 0,
                      containerSet: s.flags & UInt32(VFIO_GROUP_FLAGS_CONTAINER_SET) != 0)
    }

    /// VFIO_GROUP_SET_CONTAINER; refuses a group that is not viable with the reason named.
    public func attach(to container: VFIOContainer) throws(VFIOError) {
        guard try status().viable else { throw .groupNotViable(group: number) }
        var raw = container.fd.raw
        try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_GROUP_SET_CONTAINER, "VFIO_GROUP_SET_CONTAINER", &raw)
        }
        self.container = container
    }

    public func detach() throws(VFIOError) {
        try VFIOError.wrap { () throws(SystemError) in
            try IOCTL.call(fd.descriptor, CSLUICE_VFIO_GROUP_UNSET_CONTAINER, "VFIO_GROUP_UNSET_CONTAINER")
        }
        container = nil
    }

    /// VFIO_GROUP_GET_DEVICE_FD. `vfToken` is the UUID shared with the PF's user when the VF's
    /// PF is itself on vfio-pci (SR-IOV).
    public func openDevice(_ address: String, vfToken: String? = nil) throws(VFIOError) -> VFIODevice {
        let name = vfToken.map { "\(address) vf_token=\($0)" } ?? address
        let raw: CInt = name.withCString { csluice_ioctl_ptr(fd.raw, CSLUICE_VFIO_GROUP_GET_DEVICE_FD, UnsafeMutableRawPointer(mutating: $0)) }
        guard raw >= 0 else { throw .system(SystemError.current("VFIO_GROUP_GET_DEVICE_FD \(address) in group \(number)")) }
        return VFIODevice(fd: OwnedFD(adopting: FileDescriptor(rawValue: raw)), name: address, owner: self)
    }
}
