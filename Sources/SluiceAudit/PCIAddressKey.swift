import SluicePCI

/// The predictor keys functions by their PCI address.
public typealias PCIAddressKey = PCIAddress

extension PCIAddress {
    /// Device 0 function 0 of this bus: a key for "the same bus".
    var busKey: PCIAddress { PCIAddress(domain: domain, bus: bus, device: 0, function: 0)! }
    /// Another function of this slot (function numbers 0-7 always make a valid address).
    func withFunction(_ f: UInt8) -> PCIAddress {
        PCIAddress(domain: domain, bus: bus, device: device, function: f & 7)!
    }
}
