import CSluice

/// A KVM extension (KVM_CAP_*), checked with KVM_CHECK_EXTENSION before it is relied on.
public struct KVMCapability: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt
    public let name: String

    public init(_ rawValue: CInt, _ name: String) {
        self.rawValue = rawValue
        self.name = name
    }

    public var description: String { "\(name) (\(rawValue))" }

    public static let irqchip = KVMCapability(CInt(KVM_CAP_IRQCHIP), "KVM_CAP_IRQCHIP")
    public static let hlt = KVMCapability(CInt(KVM_CAP_HLT), "KVM_CAP_HLT")
    public static let userMemory = KVMCapability(CInt(KVM_CAP_USER_MEMORY), "KVM_CAP_USER_MEMORY")
    public static let setTSSAddress = KVMCapability(CInt(KVM_CAP_SET_TSS_ADDR), "KVM_CAP_SET_TSS_ADDR")
    public static let extendedCPUID = KVMCapability(CInt(KVM_CAP_EXT_CPUID), "KVM_CAP_EXT_CPUID")
    public static let irqRouting = KVMCapability(CInt(KVM_CAP_IRQ_ROUTING), "KVM_CAP_IRQ_ROUTING")
    public static let irqfd = KVMCapability(CInt(KVM_CAP_IRQFD), "KVM_CAP_IRQFD")
    public static let irqfdResample = KVMCapability(CInt(KVM_CAP_IRQFD_RESAMPLE), "KVM_CAP_IRQFD_RESAMPLE")
    public static let ioeventfd = KVMCapability(CInt(KVM_CAP_IOEVENTFD), "KVM_CAP_IOEVENTFD")
    public static let pit2 = KVMCapability(CInt(KVM_CAP_PIT2), "KVM_CAP_PIT2")
    public static let signalMSI = KVMCapability(CInt(KVM_CAP_SIGNAL_MSI), "KVM_CAP_SIGNAL_MSI")
    public static let syncRegisters = KVMCapability(CInt(KVM_CAP_SYNC_REGS), "KVM_CAP_SYNC_REGS")
    public static let immediateExit = KVMCapability(CInt(KVM_CAP_IMMEDIATE_EXIT), "KVM_CAP_IMMEDIATE_EXIT")
    public static let splitIRQChip = KVMCapability(CInt(KVM_CAP_SPLIT_IRQCHIP), "KVM_CAP_SPLIT_IRQCHIP")
    public static let deviceControl = KVMCapability(CInt(KVM_CAP_DEVICE_CTRL), "KVM_CAP_DEVICE_CTRL")
    public static let maxVCPUs = KVMCapability(CInt(KVM_CAP_MAX_VCPUS), "KVM_CAP_MAX_VCPUS")
    public static let nrMemorySlots = KVMCapability(CInt(KVM_CAP_NR_MEMSLOTS), "KVM_CAP_NR_MEMSLOTS")

    /// What any guest needs: memory slots, real-mode TSS, CPUID, and exits without extra
    /// ioctls (sync regs) that a signal can interrupt cleanly (immediate exit).
    public static let requiredForGuest: [KVMCapability] = [
        .userMemory, .setTSSAddress, .extendedCPUID, .syncRegisters, .immediateExit,
    ]
    /// What interrupt delivery to the guest needs (the irqchip and device assignment).
    public static let requiredForInterrupts: [KVMCapability] = [.irqchip, .irqRouting, .irqfd, .ioeventfd]
    public static let requiredByVMM = requiredForGuest + requiredForInterrupts
}
