/// A device scope entry (VT-d spec §8.3.1): names a device, a bridge and
/// everything below it, an I/O APIC, an HPET or an ACPI namespace device.
public struct DMARDeviceScope: Sendable, Hashable, Encodable {
    public enum Kind: Sendable, Hashable, Encodable {
        case pciEndpoint
        case pciSubHierarchy
        case ioapic
        case hpet
        case acpiNamespaceDevice
        case reserved(UInt8)

        init(rawValue: UInt8) {
            switch rawValue {
            case 1: self = .pciEndpoint
            case 2: self = .pciSubHierarchy
            case 3: self = .ioapic
            case 4: self = .hpet
            case 5: self = .acpiNamespaceDevice
            default: self = .reserved(rawValue)
            }
        }

        public var rawValue: UInt8 {
            switch self {
            case .pciEndpoint: 1
            case .pciSubHierarchy: 2
            case .ioapic: 3
            case .hpet: 4
            case .acpiNamespaceDevice: 5
            case let .reserved(value): value
            }
        }

        public var name: String {
            switch self {
            case .pciEndpoint: "PCI endpoint"
            case .pciSubHierarchy: "PCI bridge (sub-hierarchy)"
            case .ioapic: "IOAPIC"
            case .hpet: "HPET"
            case .acpiNamespaceDevice: "ACPI namespace device"
            case let .reserved(value): "reserved type \(value)"
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }

    /// One hop of the path: a device and function on the bus reached so far.
    public struct PathElement: Sendable, Hashable, Encodable, CustomStringConvertible {
        public let device: UInt8
        public let function: UInt8
        public var description: String {
            "\(ACPIText.hex(device, width: 2)).\(function)"
        }
    }

    /// Offset of the entry in the table.
    public let offset: Int
    public let kind: Kind
    public let length: UInt8
    /// Bytes 2-3: reserved in VT-d 1.x-3.x; VT-d 4.1 puts flags here for SIDP scopes.
    public let flags: UInt16
    /// IOAPIC ID, HPET number or ACPI device number (ANDD), depending on `kind`.
    public let enumerationID: UInt8
    public let startBus: UInt8
    public let path: [PathElement]

    /// The device the scope names when the path has a single hop: no bridge
    /// has to be crossed, so the answer needs no topology. `nil` for longer
    /// paths (use `resolve(secondaryBus:)`) and for malformed elements.
    public var directTarget: PCIRequesterID? {
        guard path.count == 1 else { return nil }
        return PCIRequesterID(bus: startBus, device: path[0].device, function: path[0].function)
    }

    /// Walks the path through bridges. Each hop but the last is a bridge; the
    /// next hop is on that bridge's secondary bus, which only the live PCI
    /// topology (config space offset 0x19, or sysfs) knows, so the caller
    /// supplies it. Returns `nil` when the path is empty or malformed, or
    /// when `secondaryBus` returns `nil` (no such bridge).
    public func resolve(secondaryBus: (PCIRequesterID) throws -> UInt8?) rethrows -> PCIRequesterID? {
        guard !path.isEmpty else { return nil }
        var bus = startBus
        var current: PCIRequesterID?
        for (index, hop) in path.enumerated() {
            guard let here = PCIRequesterID(bus: bus, device: hop.device, function: hop.function) else { return nil }
            current = here
            if index < path.count - 1 {
                guard let next = try secondaryBus(here) else { return nil }
                bus = next
            }
        }
        return current
    }
}
