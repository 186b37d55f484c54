/// The device tree as sysfs shows it: who is upstream and downstream of whom. The audit walks
/// this for ACS paths, reset blast radius and "alone behind this port" questions.
public struct PCITopology: Sendable {
    public let devices: [PCIDevice]
    private let index: [PCIAddress: Int]

    public init(_ devices: [PCIDevice]) {
        self.devices = devices
        var index: [PCIAddress: Int] = [:]
        for (i, d) in devices.enumerated() { index[d.address] = i }
        self.index = index
    }

    public subscript(_ a: PCIAddress) -> PCIDevice? { index[a].map { devices[$0] } }

    /// The nearest upstream bridge (or VMD endpoint) present, nil at a root bus.
    public func parent(of a: PCIAddress) -> PCIDevice? {
        self[a]?.upstream.last.flatMap { self[$0] }
    }

    /// Functions directly below a bridge.
    public func children(of a: PCIAddress) -> [PCIDevice] {
        devices.filter { $0.upstream.last == a }
    }

    /// Every function anywhere below a bridge: what a secondary bus reset of it also resets.
    public func descendants(of a: PCIAddress) -> [PCIDevice] {
        devices.filter { $0.upstream.contains(a) }
    }

    /// The other functions of the same device (same domain, bus and slot).
    public func otherFunctions(of a: PCIAddress) -> [PCIDevice] {
        devices.filter { $0.address != a && $0.address.domain == a.domain && $0.address.bus == a.bus && $0.address.device == a.device }
    }

    /// Functions in the same IOMMU group, the device included.
    public func iommuGroup(of a: PCIAddress) -> [PCIDevice] {
        guard let g = self[a]?.iommuGroup else { return [] }
        return devices.filter { $0.iommuGroup == g }
    }
}
