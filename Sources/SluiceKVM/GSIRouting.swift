import CSluice

/// One GSI route: a legacy irqchip pin or an MSI message.
public enum GSIRoute: Equatable, Sendable {
    /// chip: 0 = master PIC, 1 = slave PIC, 2 = IOAPIC.
    case irqchip(gsi: UInt32, chip: UInt32, pin: UInt32)
    case msi(gsi: UInt32, address: UInt64, data: UInt32)

    public var gsi: UInt32 {
        switch self {
        case .irqchip(let g, _, _), .msi(let g, _, _): return g
        }
    }

    var kernelEntry: kvm_irq_routing_entry {
        var e = kvm_irq_routing_entry()
        switch self {
        case .irqchip(let gsi, let chip, let pin):
            e.gsi = gsi
            e.type = CSLUICE_KVM_IRQ_ROUTING_IRQCHIP
            e.u.irqchip.irqchip = chip
            e.u.irqchip.pin = pin
        case .msi(let gsi, let address, let data):
            e.gsi = gsi
            e.type = CSLUICE_KVM_IRQ_ROUTING_MSI
            e.u.msi.address_lo = UInt32(truncatingIfNeeded: address)
            e.u.msi.address_hi = UInt32(truncatingIfNeeded: address >> 32)
            e.u.msi.data = data
        }
        return e
    }
}

/// The VM's whole routing table. KVM_SET_GSI_ROUTING replaces every route at once, so the
/// table keeps the legacy pins KVM installs by default and MSI routes are added to it.
public struct GSIRoutingTable: Equatable, Sendable {
    public private(set) var entries: [GSIRoute]

    public init(entries: [GSIRoute] = []) { self.entries = entries }

    /// KVM's default x86 routing: GSI 0-15 to both PICs, GSI 0-23 to the IOAPIC pin of the same number.
    public static var legacyDefault: GSIRoutingTable {
        var t = GSIRoutingTable()
        for gsi: UInt32 in 0..<24 {
            if gsi < 16 { t.entries.append(.irqchip(gsi: gsi, chip: gsi < 8 ? 0 : 1, pin: gsi % 8)) }
            t.entries.append(.irqchip(gsi: gsi, chip: 2, pin: gsi))
        }
        return t
    }

    /// First GSI free for MSI routes (after the IOAPIC's 24 pins).
    public static let firstMSIGSI: UInt32 = 24

    /// Sets (replacing) the MSI route for `gsi`.
    public mutating func setMSI(gsi: UInt32, address: UInt64, data: UInt32) {
        entries.removeAll { $0.gsi == gsi }
        entries.append(.msi(gsi: gsi, address: address, data: data))
    }

    public mutating func remove(gsi: UInt32) { entries.removeAll { $0.gsi == gsi } }
}
