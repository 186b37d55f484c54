/// One device entry of an IVHD block: names devices (singly or as a range
/// between a start and an end entry) and the DTE settings they get.
public struct IVHDDeviceEntry: Sendable, Hashable, Encodable {
    public enum Kind: Sendable, Hashable, Encodable {
        /// 00h: padding, names nothing.
        case reserved
        /// 01h: every device of the segment.
        case all
        /// 02h
        case select
        /// 03h: first of a range that ends at the next `rangeEnd`.
        case rangeStart
        /// 04h
        case rangeEnd
        /// 42h: the device's requests arrive with `source`'s ID.
        case aliasSelect(source: PCIRequesterID)
        /// 43h
        case aliasRangeStart(source: PCIRequesterID)
        /// 46h: `setting` bit 31 = ATS disallowed.
        case extendedSelect(setting: UInt32)
        /// 47h
        case extendedRangeStart(setting: UInt32)
        /// 48h: an IOAPIC or HPET that sends interrupts as `source`.
        case special(handle: UInt8, source: PCIRequesterID, variety: SpecialVariety)
        /// F0h: an ACPI device (no PCI function) named by _HID/_CID/_UID.
        case acpiDevice(hid: String, cid: String, uid: ACPIUID)
        /// A type this parser does not know: its size follows from the type's range.
        case unknown
    }

    public enum SpecialVariety: Sendable, Hashable, Encodable {
        case ioapic, hpet
        case reserved(UInt8)

        init(rawValue: UInt8) {
            switch rawValue {
            case 1: self = .ioapic
            case 2: self = .hpet
            default: self = .reserved(rawValue)
            }
        }

        public var rawValue: UInt8 {
            switch self {
            case .ioapic: 1
            case .hpet: 2
            case let .reserved(value): value
            }
        }
    }

    /// The _UID of an ACPI HID entry.
    public enum ACPIUID: Sendable, Hashable, Encodable {
        case none
        case integer(UInt64)
        case string(String)
        /// Format byte this parser does not know; bytes kept.
        case other(format: UInt8, bytes: [UInt8])
    }

    public let offset: Int
    public let type: UInt8
    /// Length of the entry in bytes (4, 8, 16, 32, or 22 + UID length for F0h).
    public let length: Int
    public let deviceID: PCIRequesterID
    /// DTE setting bits: INITPass, EIntPass, NMIPass, SysMgt, Lint0Pass, Lint1Pass.
    public let dteSetting: UInt8
    public let kind: Kind
    /// The entry's bytes, so unknown and reserved content is never lost.
    public let bytes: [UInt8]

    /// Entry size from its type (AMD IOMMU spec, Table "IVHD device entry type codes").
    /// `nil` for F0h, whose length is in the entry itself.
    static func fixedLength(type: UInt8) -> Int? {
        switch type {
        case 0x00..<0x40: 4
        case 0x40..<0x80: 8
        case 0x80..<0xC0: 16
        case 0xF0: nil
        default: 32
        }
    }
}
