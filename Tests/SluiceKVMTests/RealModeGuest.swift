import CSluice
import SluiceSystem
@testable import SluiceKVM

/// A one-vCPU VM with `memorySize` bytes of RAM at 0 and `code` at 0x1000, in real mode.
/// Test helper only: the VMM has its own loader.
struct RealModeGuest: ~Copyable {
    var vm: VirtualMachine
    var vcpu: VCPU
    let ram: MemoryMapping

    init(code: [UInt8], memorySize: Int = 0x10000, irqchip: Bool = false,
         synced: SyncedRegisters = [.general]) throws {
        let kvm = try KVM()
        var vm = try kvm.createVM()
        try vm.setTSSAddress(0xfffb_d000)
        if irqchip { try vm.createIRQChip() }
        let ram = try MemoryMapping(anonymousSize: memorySize)
        #expect(ram.write(code, at: 0x1000))
        try vm.setMemorySlot(0, guestAddress: 0, mapping: ram)
        let vcpu = try vm.createVCPU(id: 0)
        vcpu.syncedRegisters = synced
        var sregs = try vcpu.specialRegisters()
        sregs.cs.base = 0
        sregs.cs.selector = 0
        try vcpu.setSpecialRegisters(sregs)
        var regs = kvm_regs()
        regs.rip = 0x1000
        regs.rflags = 2
        try vcpu.setRegisters(regs)
        self.vm = vm
        self.vcpu = vcpu
        self.ram = ram
    }
}

import Testing
