/// The address the predictor keys on (replaced by SluicePCI's address when the model lands).
public struct PCIAddressKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var domain: UInt32, bus: UInt8, device: UInt8, function: UInt8
    public init(domain: UInt32 = 0, bus: UInt8, device: UInt8, function: UInt8) {
        self.domain = domain; self.bus = bus; self.device = device; self.function = function
    }
    public static func < (a: Self, b: Self) -> Bool {
        (a.domain, a.bus, a.device, a.function) < (b.domain, b.bus, b.device, b.function)
    }
    func sameBus(as o: Self) -> Bool { domain == o.domain && bus == o.bus }
    func sameSlot(as o: Self) -> Bool { sameBus(as: o) && device == o.device }
    func withFunction(_ f: UInt8) -> Self { Self(domain: domain, bus: bus, device: device, function: f) }
    public var description: String {
        func hex(_ v: UInt64, _ w: Int) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(hex(UInt64(domain), 4)):\(hex(UInt64(bus), 2)):\(hex(UInt64(device), 2)).\(function)"
    }
}
