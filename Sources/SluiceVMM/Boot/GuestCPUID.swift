import CSluice

/// What the VMM changes in the host's supported CPUID before giving it to its one vCPU.
/// KVM_GET_SUPPORTED_CPUID reports what KVM can do, not a machine: it leaves the
/// "running under a hypervisor" bit clear, without which Linux never looks at KVM's leaves
/// (0x40000000: kvmclock, the TSC frequency, paravirtual EOI) and falls back to calibrating
/// the TSC against the PIT, slow and unreliable nested.
public enum GuestCPUID {
    /// CPUID.1:ECX bit 31.
    public static let hypervisorBit: UInt32 = 1 << 31

    public static func adjusted(_ entry: kvm_cpuid_entry2) -> kvm_cpuid_entry2 {
        var e = entry
        if e.function == 1 {
            e.ecx |= hypervisorBit
            e.ebx &= 0x00ff_ffff  // initial APIC ID 0: the one vCPU is the BSP
        }
        return e
    }
}
