import SluicePCI

/// The predictor keys functions by their PCI address.
public typealias PCIAddressKey = PCIAddress

extension PCIAddress {
    /// Another function of this slot (function numbers 0-7 always make a valid address).
    func withFunction(_ f: UInt8) -> PCIAddress {
        PCIAddress(domain: domain, bus: bus, device: device, function: f & 7)!
    }
}
