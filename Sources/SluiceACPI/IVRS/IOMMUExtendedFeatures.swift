/// The Extended Feature Register (MMIO offset 30h) as IVHD 11h/40h report it.
public struct IOMMUExtendedFeatures: Sendable, Hashable, Encodable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    private func bit(_ n: UInt64) -> Bool { rawValue >> n & 1 != 0 }
    private func field(_ low: UInt64, bits: UInt64) -> UInt8 { UInt8(rawValue >> low & ((1 << bits) - 1)) }

    public var prefetchSupported: Bool { bit(0) }
    public var pprSupported: Bool { bit(1) }
    /// x2APIC interrupt format.
    public var xtSupported: Bool { bit(2) }
    public var noExecuteSupported: Bool { bit(3) }
    /// Guest (v2) translation.
    public var guestTranslationSupported: Bool { bit(4) }
    public var invalidateAllSupported: Bool { bit(6) }
    /// Guest virtual APIC (posted interrupts).
    public var guestVAPICSupported: Bool { bit(7) }
    public var hardwareErrorSupported: Bool { bit(8) }
    public var performanceCountersSupported: Bool { bit(9) }
    /// Host page-table levels: 0 = 4, 1 = 5, 2 = 6.
    public var hostAddressTranslationSize: UInt8 { field(10, bits: 2) }
    /// Guest page-table levels: 0 = 4, 1 = 5.
    public var guestAddressTranslationSize: UInt8 { field(12, bits: 2) }
    public var guestCR3LevelsField: UInt8 { field(14, bits: 2) }
    public var guestVAPICModeSupported: Bool { bit(21) }
    /// PASID bits minus one.
    public var pasidMax: UInt8 { field(32, bits: 5) }
    public var guestIOSupported: Bool { bit(48) }
    public var hostAccessSupported: Bool { bit(49) }
    public var enhancedPPRSupported: Bool { bit(50) }
    public var hostDirtySupported: Bool { bit(52) }
    public var snpSupported: Bool { bit(63) }
}
