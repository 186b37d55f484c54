/// The MSI-X table and PBA of an assigned function, trapped and emulated. The guest's table
/// writes become GSI routes (after their addresses are checked); masking detaches the irqfd and
/// a trigger arriving while masked shows up as a pending bit and is delivered at unmask.
public final class MSIXEmulation {
    public struct Entry: Equatable, Sendable {
        public var addressLow: UInt32 = 0
        public var addressHigh: UInt32 = 0
        public var data: UInt32 = 0
        public var control: UInt32 = 1  // masked at reset (PCI spec)
        public var address: UInt64 { UInt64(addressHigh) << 32 | UInt64(addressLow) }
        public var masked: Bool { control & 1 != 0 }
    }

    private struct Route: Equatable { let address: UInt64; let data: UInt32 }

    public let vectorCount: Int
    public let tableBAR: Int, tableOffset: UInt64
    public let pbaBAR: Int, pbaOffset: UInt64
    public private(set) var entries: [Entry]
    public private(set) var enabled = false
    public private(set) var functionMasked = false
    private var pending: [Bool]
    private var routes: [Route?]
    private var rejected: [UInt64?]
    private var triggers: [InterruptEventFD] = []
    private var firstGSI: UInt32?
    private let device: AssignedDevice
    private let router: InterruptRouter
    private let events: GuestEventLog

    public var tableSize: UInt64 { UInt64(vectorCount) * 16 }
    public var pbaSize: UInt64 { UInt64((vectorCount + 63) / 64) * 8 }

    public init(vectorCount: Int, tableBAR: Int, tableOffset: UInt64, pbaBAR: Int, pbaOffset: UInt64,
                device: AssignedDevice, router: InterruptRouter, events: GuestEventLog) {
        self.vectorCount = vectorCount
        self.tableBAR = tableBAR
        self.tableOffset = tableOffset
        self.pbaBAR = pbaBAR
        self.pbaOffset = pbaOffset
        self.device = device
        self.router = router
        self.events = events
        entries = .init(repeating: Entry(), count: vectorCount)
        pending = .init(repeating: false, count: vectorCount)
        routes = .init(repeating: nil, count: vectorCount)
        rejected = .init(repeating: nil, count: vectorCount)
    }

    /// The GSI of vector `i` once MSI-X has been enabled.
    public func gsi(ofVector i: Int) -> UInt32? { firstGSI.map { $0 + UInt32(i) } }
    public func isRouted(_ i: Int) -> Bool { routes[i] != nil }

    // MARK: Message Control (from the capability)

    public func setControl(enabled newEnabled: Bool, functionMasked newMask: Bool) {
        if newEnabled && !enabled {
            do {
                if triggers.isEmpty { triggers = try (0..<vectorCount).map { _ in try InterruptEventFD() } }
                if firstGSI == nil { firstGSI = try router.allocateGSIs(vectorCount) }
                try device.setInterrupts(.msix, start: 0, eventFDs: triggers.map(\.raw))
            } catch {
                return fail("enable MSI-X: \(error)")
            }
        }
        enabled = newEnabled
        functionMasked = newMask
        for i in 0..<vectorCount { update(i) }
        if !newEnabled && !triggers.isEmpty {
            do { try device.setInterrupts(.msix, start: 0, eventFDs: []) } catch { fail("disable MSI-X: \(error)") }
        }
    }

    // MARK: Table and PBA (trapped MMIO, offsets relative to each structure)

    public func readTable(offset: UInt64, size: Int) -> UInt64 {
        guard let (i, field) = locate(offset, size) else { return ~0 }
        let e = entries[i]
        let words = [e.addressLow, e.addressHigh, e.data, e.control]
        return size == 8 ? UInt64(words[field]) | UInt64(words[field + 1]) << 32 : UInt64(words[field])
    }

    public func writeTable(offset: UInt64, size: Int, value: UInt64) {
        guard let (i, field) = locate(offset, size) else {
            events.record(.malformedAccess(what: "\(device.name): \(size)-byte MSI-X table write at 0x\(String(offset, radix: 16))"))
            return
        }
        let words = size == 8 ? [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
                              : [UInt32(truncatingIfNeeded: value)]
        for (k, w) in words.enumerated() {
            switch field + k {
            case 0: entries[i].addressLow = w & ~0x3
            case 1: entries[i].addressHigh = w
            case 2: entries[i].data = w
            default: entries[i].control = w & 1
            }
        }
        update(i)
    }

    public func readPBA(offset: UInt64, size: Int) -> UInt64 {
        guard offset % UInt64(size) == 0, size == 4 || size == 8, offset + UInt64(size) <= pbaSize else { return 0 }
        collectPending()
        var v: UInt64 = 0
        for bit in 0..<(size * 8) {
            let i = Int(offset) * 8 + bit
            if i < vectorCount && pending[i] { v |= 1 << UInt64(bit) }
        }
        return v
    }

    public func isPending(_ i: Int) -> Bool {
        collectPending()
        return pending[i]
    }

    // MARK: Routing

    /// Entry index and dword within it, for a 4- or 8-byte aligned access inside the table.
    private func locate(_ offset: UInt64, _ size: Int) -> (Int, Int)? {
        guard size == 4 || size == 8, offset % UInt64(size) == 0, offset + UInt64(size) <= tableSize else { return nil }
        return (Int(offset / 16), Int(offset % 16) / 4)
    }

    private func update(_ i: Int) {
        guard let base = firstGSI, i < triggers.count else { return }
        let e = entries[i]
        let live = enabled && !functionMasked && !e.masked
        let valid = MSIAddress.isValid(e.address)
        if live && !valid && rejected[i] != e.address {
            rejected[i] = e.address
            events.record(.msiAddressRejected(device: device.name, address: e.address))
        }
        let wanted = live && valid ? Route(address: e.address, data: e.data) : nil
        guard wanted != routes[i] else { return }
        do {
            if let w = wanted {
                try router.routeMSI(gsi: base + UInt32(i), address: w.address, data: w.data, trigger: triggers[i])
                routes[i] = w
                // Delivered now what arrived while the vector was masked.
                if (try triggers[i].eventFD.drain()) != nil || pending[i] {
                    pending[i] = false
                    try router.injectMSI(address: w.address, data: w.data)
                }
            } else {
                try router.unrouteMSI(gsi: base + UInt32(i), trigger: triggers[i])
                routes[i] = nil
            }
        } catch {
            fail("route MSI-X vector \(i): \(error)")
        }
    }

    /// A masked vector's trigger counts, instead of injecting: that count is its pending bit.
    private func collectPending() {
        for i in 0..<min(vectorCount, triggers.count) where routes[i] == nil {
            if let n = try? triggers[i].eventFD.drain(), n > 0 { pending[i] = true }
        }
    }

    private func fail(_ what: String) { events.record(.hostFailure(device: device.name, what: what)) }
}
