/// What the VMM boots.
public enum Payload: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case real, long }
    /// A flat binary: in real mode loaded at 0:7C00 (like a boot sector), in long mode at 1 MiB.
    case flat([UInt8], mode: Mode)
    /// An x86-64 ELF executable entered in long mode at its entry point, identity-mapped.
    case elf([UInt8])
    /// A bzImage with optional initramfs, through the Linux 64-bit boot protocol.
    case linux(kernel: [UInt8], initramfs: [UInt8]?, commandLine: String)

    public static let realModeLoadAddress: UInt64 = 0x7c00
    public static let longModeLoadAddress: UInt64 = 0x10_0000
    public static let longModeStack: UInt64 = 0x8_0000
    /// Guest-physical below this holds the VMM's GDT and page tables: payloads may not load there.
    public static let reservedLowEnd: UInt64 = 0xf000
}
