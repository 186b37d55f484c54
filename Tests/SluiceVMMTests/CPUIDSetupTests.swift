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

    @Test func theGuestIsToldItRunsUnderAHypervisorAsAPICID0() throws {
        let kvm = try KVM()
        let table = try kvm.supportedCPUID()
        let before = (0..<table.count).map(table.entry)
        table.update(GuestCPUID.adjusted)
        let after = (0..<table.count).map(table.entry)
        #expect(after.count == before.count)
        for (b, a) in zip(before, after) {
            if b.function == 1 {
                #expect(a.ecx == b.ecx | GuestCPUID.hypervisorBit)
                #expect(a.ebx >> 24 == 0 && a.ebx & 0xff_ffff == b.ebx & 0xff_ffff)
                #expect(a.eax == b.eax && a.edx == b.edx)
            } else {
                #expect(a.function == b.function && a.index == b.index && a.eax == b.eax
                        && a.ebx == b.ebx && a.ecx == b.ecx && a.edx == b.edx)
            }
        }
        #expect(after.contains { $0.function == 1 })
        // KVM's own leaf, which the hypervisor bit makes Linux read: "KVMKVMKVM\0\0\0".
        let signature = after.first { $0.function == 0x4000_0000 }
        #expect(signature.map { [$0.ebx, $0.ecx, $0.edx] } == [0x4b4d_564b, 0x564b_4d56, 0x0000_004d])
    }
}
