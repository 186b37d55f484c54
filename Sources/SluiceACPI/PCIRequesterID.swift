/// A PCI bus/device/function as the IOMMU sees it: the 16-bit requester ID
/// (bus << 8 | device << 3 | function). Both DMAR device scopes and IVRS
/// device entries name devices this way; the segment is carried separately.
public struct PCIRequesterID: Sendable, Hashable, Comparable, Encodable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `nil` when device > 31 or function > 7: such a path element names no device.
    public init?(bus: UInt8, device: UInt8, function: UInt8) {
        guard device < 32, function < 8 else { return nil }
        rawValue = UInt16(bus) << 8 | UInt16(device) << 3 | UInt16(function)
    }

    public var bus: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    public var device: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 3) & 0x1F }
    public var function: UInt8 { UInt8(truncatingIfNeeded: rawValue) & 0x7 }

    /// `bb:dd.f`, the spelling of lspci and the kernel without the segment.
    public var description: String {
        "\(ACPIText.hex(bus, width: 2).lowercased()):\(ACPIText.hex(device, width: 2).lowercased()).\(function)"
    }

    /// `ssss:bb:dd.f`, the sysfs name of the device.
    public func name(segment: UInt16) -> String {
        "\(ACPIText.hex(segment, width: 4).lowercased()):\(description)"
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
