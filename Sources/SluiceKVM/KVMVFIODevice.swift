import CSluice
import SluiceSystem
import SystemPackage

/// The KVM-VFIO pseudo-device (KVM_DEV_TYPE_VFIO): tells KVM which VFIO groups the VM uses,
/// so KVM can honour their coherency (no-snoop) and the kernel links the two for interrupts.
public struct KVMVFIODevice: ~Copyable {
    let fd: OwnedFD

    init(fd: consuming OwnedFD) { self.fd = fd }

    /// Adds the VFIO group whose fd is `groupFD` (the group is not owned by this device).
    public func addGroup(fd groupFD: CInt) throws(KVMError) {
        try setGroup(groupFD, attribute: CSLUICE_KVM_DEV_VFIO_GROUP_ADD, name: "KVM_SET_DEVICE_ATTR VFIO_GROUP_ADD")
    }

    public func removeGroup(fd groupFD: CInt) throws(KVMError) {
        try setGroup(groupFD, attribute: CSLUICE_KVM_DEV_VFIO_GROUP_DEL, name: "KVM_SET_DEVICE_ATTR VFIO_GROUP_DEL")
    }

    private func setGroup(_ groupFD: CInt, attribute: UInt32, name: StaticString) throws(KVMError) {
        var value = Int32(groupFD)
        let d = fd.descriptor
        try kvmCall { () throws(SystemError) in
            try withUnsafeMutablePointer(to: &value) { (p) throws(SystemError) in
                var attr = kvm_device_attr(flags: 0, group: CSLUICE_KVM_DEV_VFIO_GROUP, attr: UInt64(attribute),
                                           addr: UInt64(UInt(bitPattern: p)))
                try IOCTL.call(d, CSLUICE_KVM_SET_DEVICE_ATTR, name, &attr)
            }
        }
    }
}

extension VirtualMachine {
    /// Creates the VM's KVM-VFIO device (requires the kvm module built with VFIO support).
    public func createVFIODevice() throws(KVMError) -> KVMVFIODevice {
        var create = kvm_create_device(type: CSLUICE_KVM_DEV_TYPE_VFIO, fd: 0, flags: 0)
        let d = descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_CREATE_DEVICE, "KVM_CREATE_DEVICE VFIO", &create) }
        return KVMVFIODevice(fd: OwnedFD(adopting: FileDescriptor(rawValue: CInt(create.fd))))
    }
}
