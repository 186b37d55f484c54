/// Bus/device/function of a function on the guest's PCI segment 0.
public struct PCIFunctionAddress: Hashable, Sendable, CustomStringConvertible {
    public let bus: UInt8
    public let device: UInt8
    public let function: UInt8

    public init?(bus: UInt8 = 0, device: UInt8, function: UInt8 = 0) {
        guard device < 32, function < 8 else { return nil }
        self.bus = bus
        self.device = device
        self.function = function
    }

    public var description: String {
        func h(_ v: UInt8, _ w: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(h(bus, 2)):\(h(device, 2)).\(function)"
    }
}

/// A PCI function as the guest's configuration accesses see it. Offsets reaching a function
/// are already validated by the root: aligned to `size` (1, 2 or 4) and inside `configSize`.
public protocol PCIFunction: AnyObject {
    var configSize: Int { get }
    func configRead(offset: Int, size: Int) -> UInt32
    func configWrite(offset: Int, size: Int, value: UInt32)
}
