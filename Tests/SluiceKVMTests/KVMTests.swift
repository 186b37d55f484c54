import CSluice
import SluiceSystem
import Testing
@testable import SluiceKVM

/// Exit summary copied out of the borrowed view (the view itself cannot escape the closure).
enum SeenExit: Equatable {
    case out(port: UInt16, size: Int, value: UInt32)
    case input(port: UInt16, size: Int)
    case mmioWrite(address: UInt64, size: Int, value: UInt64)
    case mmioRead(address: UInt64, size: Int)
    case halt, shutdown, interrupted, other
}

extension VCPU {
    /// Runs to the next exit, answering IN and MMIO reads with `reply`.
    mutating func step(reply: UInt64 = 0) throws -> SeenExit {
        try run { (exit: borrowing VCPUExit) -> SeenExit in
            switch exit {
            case .portIO(let io):
                if io.isWrite { return .out(port: io.port, size: io.size, value: io.value()) }
                io.setValue(UInt32(truncatingIfNeeded: reply))
                return .input(port: io.port, size: io.size)
            case .mmio(let m):
                if m.isWrite { return .mmioWrite(address: m.address, size: m.size, value: m.value) }
                m.setValue(reply)
                return .mmioRead(address: m.address, size: m.size)
            case .halt: return .halt
            case .shutdown: return .shutdown
            case .interrupted: return .interrupted
            default: return .other
            }
        }
    }
}

@Suite(.serialized) struct KVMSystemTests {
    @Test func apiVersionAndRequiredCapabilities() throws {
        let kvm = try KVM()
        #expect(kvm.vcpuMapSize >= MemoryLayout<kvm_run>.size)
        for capability in KVMCapability.requiredByVMM {
            let present = kvm.has(capability)
            #expect(present, "\(capability)")
        }
    }

    @Test func missingCapabilityIsNamed() {
        let bogus = KVMCapability(99_999, "KVM_CAP_DOES_NOT_EXIST")
        #expect(throws: KVMError.missingCapability(bogus)) { _ = try KVM(requiring: [.userMemory, bogus]) }
        let message = KVMError.missingCapability(bogus).description
        #expect(message.contains("KVM_CAP_DOES_NOT_EXIST"))
    }

    @Test func missingDeviceNodeSaysWhatWasOpened() {
        do {
            _ = try KVM(path: "/nonexistent/kvm")
            Issue.record("opened a missing device")
        } catch {
            #expect(error.description.contains("/nonexistent/kvm"))
        }
    }

    @Test func memorySlotRejectsRangesOutsideItsMapping() throws {
        let kvm = try KVM()
        var vm = try kvm.createVM()
        let ram = try MemoryMapping(anonymousSize: 0x4000)
        #expect(throws: KVMError.self) { try vm.setMemorySlot(0, guestAddress: 0, mapping: ram, offset: 0x1000, size: 0x4000) }
        #expect(throws: KVMError.self) { try vm.setMemorySlot(0, guestAddress: 0x800, mapping: ram) }
        #expect(throws: KVMError.self) { try vm.setMemorySlot(0, guestAddress: UInt64.max - 0xfff, mapping: ram) }
        try vm.setMemorySlot(0, guestAddress: 0x10_0000, mapping: ram)
        #expect(vm.memorySlots[0]?.size == 0x4000)
        try vm.removeMemorySlot(0)
        #expect(vm.memorySlots.isEmpty)
    }
}

@Suite(.serialized) struct VCPURunTests {
    @Test func portOutInAndHalt() throws {
        let code: [UInt8] = [
            0xBA, 0xF8, 0x03,  // mov dx, 0x3f8
            0xB0, 0x41,        // mov al, 'A'
            0xEE,              // out dx, al
            0xEC,              // in al, dx
            0xF4,              // hlt
        ]
        var guest = try RealModeGuest(code: code)
        #expect(try guest.vcpu.step() == .out(port: 0x3f8, size: 1, value: 0x41))
        #expect(try guest.vcpu.step(reply: 0x7e) == .input(port: 0x3f8, size: 1))
        #expect(try guest.vcpu.step() == .halt)
        // The IN's value reached the guest's AL, read from the synced copy (no KVM_GET_REGS).
        #expect(try guest.vcpu.registers().rax & 0xff == 0x7e)
        #expect(try guest.vcpu.registers().rip == 0x1008)
    }

    @Test func mmioWriteAndReadOutsideMemorySlots() throws {
        let code: [UInt8] = [
            0xB8, 0x00, 0x20,              // mov ax, 0x2000
            0x8E, 0xD8,                    // mov ds, ax        (ds base 0x20000: no slot there)
            0xC7, 0x06, 0x04, 0x00, 0x34, 0x12,  // mov word [4], 0x1234
            0xA0, 0x08, 0x00,              // mov al, [8]
            0xF4,                          // hlt
        ]
        var guest = try RealModeGuest(code: code)
        #expect(try guest.vcpu.step() == .mmioWrite(address: 0x20004, size: 2, value: 0x1234))
        #expect(try guest.vcpu.step(reply: 0x99) == .mmioRead(address: 0x20008, size: 1))
        #expect(try guest.vcpu.step() == .halt)
        #expect(try guest.vcpu.registers().rax & 0xff == 0x99)
    }

    @Test func registersWrittenThroughSyncArea() throws {
        // out dx, al with dx/al set by the VMM between exits through the dirty-register path.
        let code: [UInt8] = [0xEE, 0xEE, 0xF4]
        var guest = try RealModeGuest(code: code)
        var regs = try guest.vcpu.registers()
        regs.rdx = 0x80; regs.rax = 0x11
        try guest.vcpu.setRegisters(regs)
        #expect(try guest.vcpu.registers().rdx == 0x80)  // pending in the sync area, read back before any run
        #expect(try guest.vcpu.step() == .out(port: 0x80, size: 1, value: 0x11))
        regs = try guest.vcpu.registers()
        regs.rdx = 0x81; regs.rax = 0x22
        try guest.vcpu.setRegisters(regs)
        #expect(try guest.vcpu.step() == .out(port: 0x81, size: 1, value: 0x22))
    }

    @Test func repStringOutDeliversEveryItem() throws {
        let code: [UInt8] = [
            0xBE, 0x00, 0x03,  // mov si, 0x300
            0xB9, 0x03, 0x00,  // mov cx, 3
            0xBA, 0x00, 0x05,  // mov dx, 0x500
            0xF3, 0x6E,        // rep outsb
            0xF4,
        ]
        var guest = try RealModeGuest(code: code)
        #expect(guest.ram.write([7, 8, 9], at: 0x300))
        // KVM may deliver the string in one exit or split it; together the exits carry every item.
        var items: [UInt32] = []
        var exits = 0
        while exits < 10 {
            exits += 1
            let more = try guest.vcpu.run { (exit: borrowing VCPUExit) -> [UInt32]? in
                switch exit {
                case .portIO(let io):
                    guard io.isWellFormed, io.port == 0x500 else { return [] }
                    var items: [UInt32] = []
                    for i in 0..<io.count { items.append(io.value(at: i)) }
                    return items
                default: return nil
                }
            }
            guard let more else { break }
            items += more
        }
        #expect(items == [7, 8, 9])
    }

    @Test func immediateExitReturnsWithoutEnteringTheGuest() throws {
        var guest = try RealModeGuest(code: [0xF4])
        guest.vcpu.immediateExit = true
        #expect(try guest.vcpu.step() == .interrupted)
        guest.vcpu.immediateExit = false
        #expect(try guest.vcpu.step() == .halt)
    }
}

@Suite(.serialized) struct InterruptPlumbingTests {
    @Test func ioeventfdSignalsWithoutAnExit() throws {
        let code: [UInt8] = [
            0xBA, 0x00, 0x06,  // mov dx, 0x600
            0xB0, 0x05,        // mov al, 5
            0xEE,              // out dx, al   (ioeventfd: no exit)
            0xB0, 0x06,        // mov al, 6
            0xEE,              // out dx, al   (datamatch fails: exits)
            0xF4,
        ]
        var guest = try RealModeGuest(code: code)
        let doorbell = try EventFD()
        try guest.vm.registerIOEventFD(doorbell, space: .pio, address: 0x600, length: 1, datamatch: 5)
        #expect(try guest.vcpu.step() == .out(port: 0x600, size: 1, value: 6))
        #expect(try doorbell.drain() == 1)
        try guest.vm.unregisterIOEventFD(doorbell, space: .pio, address: 0x600, length: 1, datamatch: 5)
    }

    @Test func irqchipRoutingAndIrqfd() throws {
        let guest = try RealModeGuest(code: [0xF4], irqchip: true)
        var table = GSIRoutingTable.legacyDefault
        table.setMSI(gsi: 24, address: 0xfee0_0000, data: 0x41)
        try guest.vm.setGSIRouting(table)
        let trigger = try EventFD()
        let resample = try EventFD()
        try guest.vm.registerIRQFD(trigger, gsi: 24)
        try trigger.signal()
        try guest.vm.unregisterIRQFD(trigger, gsi: 24)
        try guest.vm.registerIRQFD(trigger, gsi: 5, resample: resample)
        try guest.vm.unregisterIRQFD(trigger, gsi: 5)
        try guest.vm.setIRQLine(4, level: true)
        try guest.vm.setIRQLine(4, level: false)
        // Routing an MSI route replaces, not duplicates, the GSI.
        table.setMSI(gsi: 24, address: 0xfee0_1000, data: 0x42)
        #expect(table.entries.filter { $0.gsi == 24 } == [.msi(gsi: 24, address: 0xfee0_1000, data: 0x42)])
        #expect(table.entries.count == 24 + 16 + 1)
    }

    @Test func splitIrqchipLeavesTheIOAPICToUserspace() throws {
        let kvm = try KVM()
        guard kvm.has(.splitIRQChip) else { return }
        let vm = try kvm.createVM()
        try vm.createIRQChip(.split(ioapicPins: 24))
        // Only one irqchip per VM: the full in-kernel one is now refused.
        #expect(throws: KVMError.self) { try vm.createIRQChip(.inKernel) }
        _ = try vm.createVCPU(id: 0)
    }

    @Test func vfioPseudoDeviceRejectsANonGroupFD() throws {
        let kvm = try KVM()
        let vm = try kvm.createVM()
        guard kvm.has(.deviceControl), let device = try? vm.createVFIODevice() else {
            return  // kvm without CONFIG_KVM_VFIO: the lab covers it
        }
        let notAGroup = try EventFD()
        #expect(throws: KVMError.self) { try device.addGroup(fd: notAGroup.raw) }
    }
}
