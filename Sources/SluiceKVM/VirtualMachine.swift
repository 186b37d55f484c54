import CSluice
import SluiceSystem
import SystemPackage

/// A KVM virtual machine (the fd KVM_CREATE_VM returned). It keeps every mapping installed
/// as a memory slot alive for as long as the slot exists, so the guest never sees freed memory.
public struct VirtualMachine: ~Copyable {
    let fd: OwnedFD
    let vcpuMapSize: Int
    /// Installed slots, searched in order (a few dozen at most). Not a Dictionary: its first use
    /// costs the Swift runtime a scan of every protocol conformance in the binary, at start-up.
    private var slots: [MemorySlot] = []

    init(fd: consuming OwnedFD, vcpuMapSize: Int) {
        self.fd = fd
        self.vcpuMapSize = vcpuMapSize
    }

    var descriptor: FileDescriptor { fd.descriptor }

    // MARK: Memory

    /// Installs `size` bytes of `mapping` from `offset` at guest-physical `guestAddress`.
    public mutating func setMemorySlot(_ slot: UInt32, guestAddress: UInt64, mapping: MemoryMapping,
                                       offset: Int = 0, size: Int? = nil, readOnly: Bool = false) throws(KVMError) {
        let length = size ?? (mapping.size - offset)
        guard mapping.contains(offset: offset, count: length), length > 0 else {
            throw .invalidArgument("slot \(slot): \(length) bytes at offset \(offset) exceed the \(mapping.size)-byte mapping")
        }
        guard length % 4096 == 0, guestAddress % 4096 == 0, offset % 4096 == 0 else {
            throw .invalidArgument("slot \(slot): guest address, offset and size must be page aligned")
        }
        guard guestAddress.addingReportingOverflow(UInt64(length)).overflow == false else {
            throw .invalidArgument("slot \(slot): guest range overflows")
        }
        var region = kvm_userspace_memory_region(
            slot: slot, flags: readOnly ? CSLUICE_KVM_MEM_READONLY : 0, guest_phys_addr: guestAddress,
            memory_size: UInt64(length), userspace_addr: UInt64(UInt(bitPattern: mapping.base + offset)))
        let d = descriptor
        try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION", &region)
        }
        slots.removeAll { $0.slot == slot }
        slots.append(MemorySlot(slot: slot, guestAddress: guestAddress, size: length, mapping: mapping))
    }

    /// Deletes a slot (size 0), after which its mapping may be released.
    public mutating func removeMemorySlot(_ slot: UInt32) throws(KVMError) {
        guard let existing = slots.first(where: { $0.slot == slot }) else { return }
        var region = kvm_userspace_memory_region(slot: slot, flags: 0, guest_phys_addr: existing.guestAddress,
                                                 memory_size: 0, userspace_addr: 0)
        let d = descriptor
        try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION (delete)", &region)
        }
        slots.removeAll { $0.slot == slot }
    }

    public var memorySlots: [UInt32: MemorySlot] {
        Dictionary(uniqueKeysWithValues: slots.map { ($0.slot, $0) })
    }

    /// The real-mode TSS (three pages) and EPT identity map page must sit in guest-physical
    /// space outside RAM; KVM requires this on Intel and ignores it on AMD.
    public func setTSSAddress(_ address: UInt64) throws(KVMError) {
        let d = descriptor
        try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_SET_TSS_ADDR, "KVM_SET_TSS_ADDR", value: UInt(address))
        }
    }

    public func setIdentityMapAddress(_ address: UInt64) throws(KVMError) {
        var a = address
        let d = descriptor
        try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_SET_IDENTITY_MAP_ADDR, "KVM_SET_IDENTITY_MAP_ADDR", &a)
        }
    }

    // MARK: vCPUs

    /// A vCPU with `cpuid` (typically `KVM.supportedCPUID()`), or with KVM's default when nil:
    /// an empty table, so the guest's CPUID instruction reports no features.
    public func createVCPU(id: UInt32, cpuid: CPUIDTable? = nil) throws(KVMError) -> VCPU {
        let d = descriptor
        let raw = try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_CREATE_VCPU, "KVM_CREATE_VCPU", value: UInt(id))
        }
        let vcpuFD = OwnedFD(adopting: FileDescriptor(rawValue: raw))
        let size = vcpuMapSize
        let run: MemoryMapping
        do throws(SystemError) {
            run = try MemoryMapping(file: vcpuFD.descriptor, offset: 0, size: size, writable: true, what: "kvm_run")
        } catch {
            // The id is formatted only on failure: on success that would be work (and pages of
            // string code) before the guest's first instruction.
            throw .system(SystemError(error.errno, error.operation + " of vCPU \(id)"))
        }
        let vcpu = try VCPU(fd: vcpuFD, id: id, run: run)
        if let cpuid { try vcpu.setCPUID(cpuid) }
        return vcpu
    }
}

/// One installed memory slot.
public struct MemorySlot: Sendable {
    public let slot: UInt32
    public let guestAddress: UInt64
    public let size: Int
    let mapping: MemoryMapping
}
