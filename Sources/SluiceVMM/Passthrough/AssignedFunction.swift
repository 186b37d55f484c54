import SluiceSystem

/// Installs guest-physical memory slots for directly mapped BAR pieces (the VMM implements it
/// over KVM memory slots).
public protocol GuestSlotInstaller: AnyObject {
    func installSlot(guestAddress: UInt64, mapping: MemoryMapping) throws -> UInt32
    func removeSlot(_ slot: UInt32) throws
}

/// An assigned PCI function as the guest sees it: the virtualized configuration space, and its
/// BARs installed in guest-physical space as the guest places them.
public final class AssignedFunction: PCIFunction, BARPlacementDelegate {
    public let device: AssignedDevice
    public let config: VirtualConfigSpace
    private let mmio: IOBus
    private unowned let slots: GuestSlotInstaller
    let events: GuestEventLog
    private var installed: [Int: (slots: [UInt32], trapBases: [UInt64])] = [:]
    private var romBase: UInt64?

    public init(device: AssignedDevice, config: VirtualConfigSpace, mmio: IOBus, slots: GuestSlotInstaller,
                events: GuestEventLog) {
        self.device = device
        self.config = config
        self.mmio = mmio
        self.slots = slots
        self.events = events
        config.placementDelegate = self
    }

    public var configSize: Int { 256 }
    public func configRead(offset: Int, size: Int) -> UInt32 { config.read(offset: offset, size: size) }
    public func configWrite(offset: Int, size: Int, value: UInt32) { config.write(offset: offset, size: size, value: value) }

    /// The MSI-X table/PBA ranges that lie in BAR `index`.
    func trappedRanges(ofBAR index: Int) -> [GuestRange] {
        guard let x = config.msix else { return [] }
        var r: [GuestRange] = []
        if x.tableBAR == index { r.append(GuestRange(start: x.tableOffset, size: x.tableSize)) }
        if x.pbaBAR == index { r.append(GuestRange(start: x.pbaOffset, size: x.pbaSize)) }
        return r
    }

    public func placeBAR(_ bar: BARState, at address: UInt64?) {
        remove(bar.index)
        guard let address else { return }
        let info = (try? device.regionInfo(bar.index)) ?? nil
        let mmappable: [GuestRange] = info.map { i in i.mmappable ? (i.sparseAreas ?? [GuestRange(start: 0, size: i.size)]) : [] } ?? []
        let plan = BARMappingPlan(size: min(bar.size, info?.size ?? 0), mmappable: mmappable,
                                  trapped: trappedRanges(ofBAR: bar.index))
        var done: (slots: [UInt32], trapBases: [UInt64]) = ([], [])
        for piece in plan.pieces {
            let guestAddress = address + piece.offset
            do {
                if piece.direct {
                    let m = try device.mapRegion(bar.index, offset: piece.offset, size: Int(piece.size))
                    done.slots.append(try slots.installSlot(guestAddress: guestAddress, mapping: m))
                } else {
                    let window = BARTrapWindow(function: self, bar: bar.index, base: piece.offset)
                    try mmio.register(window, at: guestAddress, size: piece.size)
                    done.trapBases.append(guestAddress)
                }
            } catch {
                events.record(.hostFailure(device: device.name, what: "install BAR\(bar.index) piece at 0x\(String(guestAddress, radix: 16)): \(error)"))
            }
        }
        installed[bar.index] = done
    }

    private func remove(_ index: Int) {
        guard let old = installed.removeValue(forKey: index) else { return }
        for s in old.slots { try? slots.removeSlot(s) }
        for b in old.trapBases { mmio.unregister(base: b) }
    }

    public func placeROM(size: UInt64, at address: UInt64?) {
        if let old = romBase { mmio.unregister(base: old) }
        romBase = nil
        guard let address else { return }
        do {
            try mmio.register(ROMWindow(function: self), at: address, size: size)
            romBase = address
        } catch {
            events.record(.hostFailure(device: device.name, what: "map ROM at 0x\(String(address, radix: 16)): \(error)"))
        }
    }

    /// Removes every BAR and the ROM from guest-physical space (teardown).
    public func removeAll() {
        for i in Array(installed.keys) { remove(i) }
        placeROM(size: 0, at: nil)
    }

    public var installedBARs: [Int: (slots: [UInt32], trapBases: [UInt64])] { installed }
}

/// A trapped piece of a BAR: MSI-X table and PBA accesses are emulated, anything else is
/// forwarded to the device region (slow path).
final class BARTrapWindow: BusDevice {
    private unowned let function: AssignedFunction
    private let bar: Int
    private let base: UInt64

    init(function: AssignedFunction, bar: Int, base: UInt64) {
        self.function = function
        self.bar = bar
        self.base = base
    }

    private enum Target { case table(UInt64), pba(UInt64), device(UInt64) }

    private func target(_ offset: UInt64) -> Target {
        let o = base + offset
        if let x = function.config.msix {
            if x.tableBAR == bar, o >= x.tableOffset, o < x.tableOffset + x.tableSize { return .table(o - x.tableOffset) }
            if x.pbaBAR == bar, o >= x.pbaOffset, o < x.pbaOffset + x.pbaSize { return .pba(o - x.pbaOffset) }
        }
        return .device(o)
    }

    func read(offset: UInt64, size: Int) -> UInt64 {
        switch target(offset) {
        case .table(let o): return function.config.msix!.readTable(offset: o, size: size)
        case .pba(let o): return function.config.msix!.readPBA(offset: o, size: size)
        case .device(let o): return (try? function.device.readRegion(bar, offset: o, size: size)) ?? ~0
        }
    }

    func write(offset: UInt64, size: Int, value: UInt64) {
        switch target(offset) {
        case .table(let o): function.config.msix!.writeTable(offset: o, size: size, value: value)
        case .pba(let o):  // read-only: the guest cannot fake pending interrupts
            function.events.record(.deviceRegisterWrite(device: function.device.name, offset: function.config.msix!.pbaOffset + o, value: value))
        case .device(let o): try? function.device.writeRegion(bar, offset: o, size: size, value: value)
        }
    }
}

/// The expansion ROM, read through the device's ROM region (VFIO region 6); writes are refused.
final class ROMWindow: BusDevice {
    private unowned let function: AssignedFunction
    init(function: AssignedFunction) { self.function = function }

    func read(offset: UInt64, size: Int) -> UInt64 {
        (try? function.device.readRegion(6, offset: offset, size: size)) ?? ~0
    }

    func write(offset: UInt64, size: Int, value: UInt64) {
        function.events.record(.deviceRegisterWrite(device: function.device.name, offset: offset, value: value))
    }
}
