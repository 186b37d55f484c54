/// The standard capability list of a configuration-space snapshot, walked defensively: the
/// device's bytes are not trusted to be well formed (loops, pointers into the header).
public struct PCICapabilities: Equatable, Sendable {
    public static let msiID: UInt8 = 0x05, msixID: UInt8 = 0x11
    /// (ID, offset) in list order.
    public let entries: [(id: UInt8, offset: Int)]

    public init(config: [UInt8]) {
        var found: [(UInt8, Int)] = []
        guard config.count >= 0x40, config[0x06] & 0x10 != 0 else { entries = []; return }
        var next = Int(config[0x34] & 0xfc)
        var seen = Set<Int>()
        while next >= 0x40, next + 2 <= min(config.count, 256), seen.insert(next).inserted, found.count < 48 {
            found.append((config[next], next))
            next = Int(config[next + 1] & 0xfc)
        }
        entries = found
    }

    public func offset(of id: UInt8) -> Int? { entries.first { $0.id == id }?.offset }
    public var headerOffsets: Set<Int> { Set(entries.map(\.offset)) }

    public static func == (a: Self, b: Self) -> Bool {
        a.entries.map(\.id) == b.entries.map(\.id) && a.entries.map(\.offset) == b.entries.map(\.offset)
    }
}
