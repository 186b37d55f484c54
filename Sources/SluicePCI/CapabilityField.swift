/// One decoded field, named with the PCIe specification's abbreviations (the ones lspci prints),
/// grouped by register, e.g. ("DevCap", "FLReset", "+"). Used by `sluice list -v` and JSON.
public struct CapabilityField: Sendable, Equatable {
    public let register: String
    public let name: String
    public let value: String

    public init(_ register: String, _ name: String, _ value: String) {
        self.register = register; self.name = name; self.value = value
    }

    static func flag(_ register: String, _ name: String, _ on: Bool) -> CapabilityField {
        CapabilityField(register, name, on ? "+" : "-")
    }
}

/// A capability decoder: a pure function of the config bytes at one offset.
public protocol DecodedCapability: Sendable {
    var fields: [CapabilityField] { get }
    /// Which list entry this type decodes: lookups compare ids before any dynamic cast.
    static var isExtended: Bool { get }
    static var capabilityID: UInt16 { get }
    /// Decodes the capability at `offset`; nil when its registers run past the bytes read.
    init?(_ config: ConfigSpace, at offset: Int)
}
