import SluiceKVM
import SluiceSystem

/// What the VMM keeps for assigned devices.
struct PassthroughState {
    var routing = GSIRoutingTable.legacyDefault
    var nextGSI = GSIRoutingTable.firstMSIGSI
    var attachedIRQFDs: Set<UInt32> = []
    var nextSlot: UInt32 = 64
    var functions: [(function: AssignedFunction, dma: GuestDMAMapper)] = []
    var intx: [(trigger: InterruptEventFD, resample: InterruptEventFD)] = []
    var barCursor: UInt64 = VirtualMachineMonitor.barWindow.start
    var prepared = false
}

extension VirtualMachineMonitor: InterruptRouter, GuestSlotInstaller {
    /// Where assigned BARs live: inside the MMIO hole, below ECAM. The guest may move them only
    /// within it.
    public static let barWindow = GuestRange(start: 0xC000_0000, end: PCIECAM.base)
    /// Legacy GSIs handed to assigned functions' INTx pins (free on this machine's IOAPIC).
    static let intxGSIs: [UInt32] = [10, 11, 5, 9]

    public enum AssignError: Error, CustomStringConvertible {
        case needsIRQChip, slotTaken(UInt8), ramInReservedIOVA(GuestRange), setup(String)
        public var description: String {
            switch self {
            case .needsIRQChip: return "device assignment needs the in-kernel irqchip"
            case .slotTaken(let s): return "PCI slot \(s) is already used"
            case .ramInReservedIOVA(let r): return "guest RAM overlaps the IOMMU's reserved range \(r); build the VM with it reserved"
            case .setup(let why): return why
            }
        }
    }

    /// Assigns `device` at 00:`slot`.0: checks guest RAM avoids the IOMMU's reserved ranges,
    /// DMA-maps all of guest RAM at IOVA = guest-physical, tells KVM about its group, virtualizes
    /// its configuration space and places its BARs in the BAR window. The device is reset when
    /// the guest starts and again at teardown.
    public func assign(_ device: AssignedDevice, dma: GuestDMAMapper, slot: UInt8) throws(AssignError) {
        guard irqchip else { throw .needsIRQChip }
        guard let address = PCIFunctionAddress(device: slot), slot != 0,
              !pci.addresses.contains(address) else { throw .slotTaken(slot) }
        for reserved in dma.reservedIOVARanges {
            if let r = memory.layout.regions.first(where: { $0.guest.overlaps(reserved) }) {
                throw .ramInReservedIOVA(r.guest)
            }
        }
        do {
            for r in memory.layout.regions {
                try dma.mapDMA(iova: r.guest.start, memory: memory.mapping, offset: r.hostOffset, size: Int(r.guest.size))
            }
            if let file = device.kvmVFIOFile {
                // KVM only needs it for non-coherent DMA (no-snoop); on x86 with a coherent
                // IOMMU the device works without, so a refusal is reported, not fatal.
                do throws(KVMError) {
                    if kvmVFIO == nil { kvmVFIO = try vm.createVFIODevice() }
                    try kvmVFIO!.addGroup(fd: file)
                } catch {
                    events.record(.hostFailure(device: device.name, what: "KVM-VFIO device: \(error)"))
                }
            }
            let config = try VirtualConfigSpace(device: device, router: self, events: events,
                                                allowedWindows: [Self.barWindow])
            let function = AssignedFunction(device: device, config: config, mmio: mmio, slots: self, events: events)
            try wireINTx(device, config, index: passthrough.functions.count)
            // Firmware-like initial placement, naturally aligned; decoding stays off until the guest enables it.
            for bar in config.bars.compactMap({ $0 }) {
                let at = (passthrough.barCursor + bar.size - 1) & ~(bar.size - 1)
                guard at + bar.size <= Self.barWindow.end else { throw AssignError.setup("BARs of \(device.name) do not fit the BAR window") }
                config.assignBAR(bar.index, address: at)
                passthrough.barCursor = at + bar.size
            }
            pci.attach(function, at: address)
            passthrough.functions.append((function, dma))
        } catch let e as AssignError {
            throw e
        } catch {
            throw .setup("assign \(device.name): \(error)")
        }
    }

    private func wireINTx(_ device: AssignedDevice, _ config: VirtualConfigSpace, index: Int) throws {
        guard config.read(offset: 0x3d, size: 1) != 0, device.interruptCount(.intx) > 0,
              index < Self.intxGSIs.count else { return }
        let trigger = try InterruptEventFD(), resample = try InterruptEventFD()
        let gsi = Self.intxGSIs[index]
        try routeINTx(gsi: gsi, trigger: trigger, resample: resample)
        try device.setInterrupts(.intx, start: 0, eventFDs: [trigger.raw])
        try device.setINTxUnmask(eventFD: resample.raw)
        config.setInterruptLine(UInt8(gsi))
        passthrough.intx.append((trigger, resample))
    }

    /// Resets every assigned device before the guest's first instruction.
    func prepareAssignedDevices() throws(VMMError) {
        guard !passthrough.prepared else { return }
        passthrough.prepared = true
        for (f, _) in passthrough.functions {
            do { try f.device.reset() } catch { throw .payload("reset \(f.device.name) before the guest: \(error)") }
        }
    }

    /// Stops and detaches every assigned device: interrupts off, BARs out of the guest, reset,
    /// DMA unmapped, group removed from KVM. Safe to call more than once; failures are reported,
    /// not thrown, so every step runs.
    public func releaseAssignedDevices() {
        for (f, dma) in passthrough.functions.reversed() {
            let d = f.device
            for kind in [AssignedInterruptKind.msix, .msi, .intx] { try? d.setInterrupts(kind, start: 0, eventFDs: []) }
            f.removeAll()
            do { try d.reset() } catch { events.record(.hostFailure(device: d.name, what: "reset after the guest: \(error)")) }
            for r in memory.layout.regions {
                do { try dma.unmapDMA(iova: r.guest.start, size: Int(r.guest.size)) }
                catch { events.record(.hostFailure(device: d.name, what: "unmap DMA \(r.guest): \(error)")) }
            }
            if let g = d.kvmVFIOFile { try? kvmVFIO?.removeGroup(fd: g) }
        }
        passthrough.functions.removeAll()
        passthrough.intx.removeAll()
    }

    public var assignedFunctions: [AssignedFunction] { passthrough.functions.map(\.function) }

    /// What an assigned device may reach by DMA: exactly guest RAM, at IOVA = guest-physical.
    /// The VFIO/VT-d side compares this with the IOMMU's actual mappings for the domain.
    public var dmaDomain: [GuestRange] { memory.layout.regions.map(\.guest) }

    // MARK: InterruptRouter

    public func allocateGSIs(_ count: Int) throws -> UInt32 {
        let first = passthrough.nextGSI
        guard count > 0, UInt64(first) + UInt64(count) <= 4096 else { throw AssignError.setup("out of GSIs") }
        passthrough.nextGSI += UInt32(count)
        return first
    }

    public func routeMSI(gsi: UInt32, address: UInt64, data: UInt32, trigger: InterruptEventFD) throws {
        passthrough.routing.setMSI(gsi: gsi, address: address, data: data)
        try vm.setGSIRouting(passthrough.routing)
        if !passthrough.attachedIRQFDs.contains(gsi) {
            try vm.registerIRQFD(trigger.eventFD, gsi: gsi)
            passthrough.attachedIRQFDs.insert(gsi)
        }
    }

    public func unrouteMSI(gsi: UInt32, trigger: InterruptEventFD) throws {
        if passthrough.attachedIRQFDs.remove(gsi) != nil { try vm.unregisterIRQFD(trigger.eventFD, gsi: gsi) }
        passthrough.routing.remove(gsi: gsi)
        try vm.setGSIRouting(passthrough.routing)
    }

    public func injectMSI(address: UInt64, data: UInt32) throws { try vm.signalMSI(address: address, data: data) }

    public func routeINTx(gsi: UInt32, trigger: InterruptEventFD, resample: InterruptEventFD) throws {
        try vm.registerIRQFD(trigger.eventFD, gsi: gsi, resample: resample.eventFD)
    }

    // MARK: GuestSlotInstaller

    public func installSlot(guestAddress: UInt64, mapping: MemoryMapping) throws -> UInt32 {
        let slot = passthrough.nextSlot
        try vm.setMemorySlot(slot, guestAddress: guestAddress, mapping: mapping)
        passthrough.nextSlot += 1
        return slot
    }

    public func removeSlot(_ slot: UInt32) throws { try vm.removeMemorySlot(slot) }
}
