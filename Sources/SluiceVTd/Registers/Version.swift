/// VER_REG (offset 0x00): architecture version implemented.
public struct Version: DecodedRegister, Equatable {
    public static let registerName = "VER"
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw & 0xffff_ffff }
    public var major: Int { Int(raw.bits(7, 4)) }
    public var minor: Int { Int(raw.bits(3, 0)) }
    public var fields: [RegisterField] {
        [field("MAX", 7, 4, "major version"), field("MIN", 3, 0, "minor version")]
    }
}
