/// What the VMM boots.
public enum Payload: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case real, long }
    /// A flat binary: in real mode loaded at 0:7C00 (like a boot sector), in long mode at 1 MiB.
    case flat([UInt8], mode: Mode)
    /// An x86-64 ELF executable entered in long mode at its entry point, identity-mapped.
    case elf([UInt8])
    /// A bzImage with optional initramfs, through the Linux 64-bit boot protocol.
    case linux(kernel: [UInt8], initramfs: [UInt8]?, commandLine: String)

    /// Whether the vCPU gets the host's CPUID. Without KVM_SET_CPUID2 the guest's CPUID reports
    /// nothing (no LM, no APIC): a 64-bit kernel or payload that checks features needs the host's.
    /// A flat real-mode payload is a boot sector that does not, and skips the slow
    /// KVM_GET_SUPPORTED_CPUID (about 0.4 ms under nested KVM, a third of start-up).
    public var needsHostCPUID: Bool {
        if case .flat(_, .real) = self { return false }
        return true
    }

    public static let realModeLoadAddress: UInt64 = 0x7c00
    public static let longModeLoadAddress: UInt64 = 0x10_0000
    public static let longModeStack: UInt64 = 0x8_0000
    /// Guest-physical below this holds the VMM's GDT and page tables: payloads may not load there.
    public static let reservedLowEnd: UInt64 = 0xf000
}
