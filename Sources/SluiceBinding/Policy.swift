/// Drivers the kernel trusts not to let a device DMA on the host's behalf (the group-viability
/// rule since 5.19): vfio-pci and its variants, pci-stub, pcieport. A group is viable when every
/// member is driverless or on one of these.
public enum DMASafeDrivers {
    public static func contains(_ driver: String?) -> Bool {
        guard let d = driver else { return true }
        return d == "vfio-pci" || d.hasSuffix("-vfio-pci") || d == "pci-stub" || d == "pcieport"
    }
}

/// A reason Sluice will not bind, with the remedy.
public struct Refusal: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case noDevice, noIOMMU, moduleNotLoaded, groupNotViable, hostCritical, sriovPF, bridge,
             deviceBusy, notRecorded, otherManager, locked
    }
    public var kind: Kind
    public var message: String
    public var remedy: String
    public var description: String { "\(message)\n  remedy: \(remedy)" }
}
