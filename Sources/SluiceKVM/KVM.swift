import CSluice
import SluiceSystem
import SystemPackage

/// /dev/kvm: the system handle. Checks the API version and the capabilities a caller
/// needs once, at start, so a missing feature fails here, named, not later in a guest.
public struct KVM: ~Copyable {
    public static let stableAPIVersion: CInt = 12
    let fd: OwnedFD
    /// Size of each vCPU's shared run structure (kvm_run plus the PIO data page).
    public let vcpuMapSize: Int

    public init(path: String = "/dev/kvm",
                requiring required: [KVMCapability] = KVMCapability.requiredByVMM) throws(KVMError) {
        let owned = try kvmCall { () throws(SystemError) in try OwnedFD(path: path, mode: .readWrite) }
        let d = owned.descriptor
        let version = try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_GET_API_VERSION, "KVM_GET_API_VERSION")
        }
        guard version == KVM.stableAPIVersion else { throw .unsupportedAPIVersion(version) }
        for capability in required where try Self.check(d, capability) == 0 {
            throw .missingCapability(capability)
        }
        vcpuMapSize = Int(try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_GET_VCPU_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE")
        })
        fd = owned
    }

    /// KVM_CHECK_EXTENSION: 0 when absent, otherwise a capability-specific positive value.
    public func check(_ capability: KVMCapability) throws(KVMError) -> Int {
        try Self.check(fd.descriptor, capability)
    }

    private static func check(_ d: FileDescriptor, _ capability: KVMCapability) throws(KVMError) -> Int {
        Int(try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION", value: UInt(capability.rawValue))
        })
    }

    public func has(_ capability: KVMCapability) -> Bool { ((try? check(capability)) ?? 0) > 0 }

    public func createVM() throws(KVMError) -> VirtualMachine {
        let d = fd.descriptor
        let raw = try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_CREATE_VM, "KVM_CREATE_VM", value: 0)
        }
        return VirtualMachine(fd: OwnedFD(adopting: FileDescriptor(rawValue: raw)), vcpuMapSize: vcpuMapSize)
    }

    /// KVM_GET_SUPPORTED_CPUID: what the host can expose, for `VirtualMachine.createVCPU(id:cpuid:)`.
    /// Without it the guest's CPUID reports no features (no LM, no APIC), which 64-bit guests
    /// check; the call is slow under nested KVM (about 0.4 ms here), so it is asked for only
    /// when the guest needs it.
    public func supportedCPUID() throws(KVMError) -> CPUIDTable {
        var capacity = 128
        while true {
            let table = CPUIDTable(capacity: capacity)
            let p = table.buffer.baseAddress!.assumingMemoryBound(to: kvm_cpuid2.self)
            p.pointee.nent = UInt32(capacity)
            do throws(SystemError) {
                try IOCTL.call(fd.descriptor, CSLUICE_KVM_GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID",
                               bytes: table.buffer.baseAddress)
                return table
            } catch where error.errno == .argListTooLong && capacity < 4096 {
                capacity *= 2
            } catch {
                throw .system(error)
            }
        }
    }
}

/// A kvm_cpuid2 with its trailing entries, owned as one buffer.
public final class CPUIDTable: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        let size = MemoryLayout<kvm_cpuid2>.size + capacity * MemoryLayout<kvm_cpuid_entry2>.stride
        buffer = .allocate(byteCount: size, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { buffer.deallocate() }

    public var count: Int { Int(buffer.baseAddress!.assumingMemoryBound(to: kvm_cpuid2.self).pointee.nent) }

    public func entry(_ i: Int) -> kvm_cpuid_entry2 {
        precondition(i >= 0 && i < count)
        return buffer.load(fromByteOffset: MemoryLayout<kvm_cpuid2>.size + i * MemoryLayout<kvm_cpuid_entry2>.stride,
                           as: kvm_cpuid_entry2.self)
    }

    /// Rewrites every entry through `transform` (e.g. to set bits the VMM reports to its guest).
    public func update(_ transform: (kvm_cpuid_entry2) -> kvm_cpuid_entry2) {
        for i in 0..<count {
            buffer.storeBytes(of: transform(entry(i)),
                              toByteOffset: MemoryLayout<kvm_cpuid2>.size + i * MemoryLayout<kvm_cpuid_entry2>.stride,
                              as: kvm_cpuid_entry2.self)
        }
    }
}
