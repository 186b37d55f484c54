import SluiceKVM
import Testing
@testable import SluiceVMM

/// The VMM gives a vCPU the host's CPUID only when the payload needs it: 64-bit guests read
/// their features from it, a flat real-mode payload does not.
@Suite(.serialized) struct CPUIDSetupTests {
    @Test func onlyRealModeSkipsTheHostCPUID() throws {
        #expect(!Payload.flat([0xf4], mode: .real).needsHostCPUID)
        #expect(Payload.flat([0xf4], mode: .long).needsHostCPUID)
        #expect(Payload.elf([]).needsHostCPUID)
        #expect(Payload.linux(kernel: [], initramfs: nil, commandLine: "").needsHostCPUID)
    }

    @Test func theVCPUGetsTheHostCPUIDOnlyWhenAsked() throws {
        let kvm = try KVM()
        let table = try kvm.supportedCPUID()
        #expect(table.count > 0)
        // Leaf 0x80000001 EDX bit 29 is LM: what a 64-bit guest checks before entering long mode.
        let extended = (0..<table.count).map(table.entry).first { $0.function == 0x8000_0001 }
        #expect(extended.map { $0.edx & (1 << 29) != 0 } == true)
        let vm = try kvm.createVM()
        _ = try vm.createVCPU(id: 0)
        _ = try vm.createVCPU(id: 1, cpuid: table)
    }
}
