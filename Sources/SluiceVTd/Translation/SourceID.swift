/// A PCI requester id (bus:device.function) as carried in DMA requests and interrupt messages.
public struct SourceID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let raw: UInt16
    public init(_ raw: UInt16) { self.raw = raw }
    public init(bus: UInt8, device: UInt8, function: UInt8) {
        raw = UInt16(bus) << 8 | UInt16(device & 0x1f) << 3 | UInt16(function & 7)
    }
    public var bus: UInt8 { UInt8(raw >> 8) }
    public var devfn: UInt8 { UInt8(raw & 0xff) }
    public var device: UInt8 { devfn >> 3 }
    public var function: UInt8 { devfn & 7 }
    public var description: String {
        func h(_ v: UInt8, _ w: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(h(bus, 2)):\(h(device, 2)).\(function)"
    }
    /// Parses "BB:DD.F" (hex bus and device), optionally with a "SSSS:" segment prefix (ignored).
    public init?(parsing text: String) {
        var parts = text.split(separator: ":")
        if parts.count == 3 { parts.removeFirst() }
        guard parts.count == 2 else { return nil }
        let df = parts[1].split(separator: ".")
        guard df.count == 2, let b = UInt8(parts[0], radix: 16), let d = UInt8(df[0], radix: 16), d < 32,
              let f = UInt8(df[1], radix: 16), f < 8 else { return nil }
        self.init(bus: b, device: d, function: f)
    }
    public static func < (a: SourceID, b: SourceID) -> Bool { a.raw < b.raw }
}
