#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SluiceVMM

/// Whole-VMM runs on /dev/kvm with the assembled payloads.
@Suite(.serialized) struct GuestRunTests {
    func boot(_ name: String, _ mode: Payload.Mode, irqchip: Bool = false, memory: Int = 16 << 20)
        throws -> (VirtualMachineMonitor, GuestStop, CapturingSink) {
        let sink = CapturingSink()
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: memory, payload: .flat(try Fixtures.guest(name), mode: mode),
                                                             irqchip: irqchip, serialSink: sink))
        let stop = try vmm.run(exitLimit: 100_000)
        return (vmm, stop, sink)
    }

    @Test func realModeSerialOutputAndDebugExit() throws {
        let (vmm, stop, sink) = try boot("real-hello.bin", .real)
        #expect(sink.text == "hello from real mode\n")
        #expect(stop == .exitCode(0x2a))
        #expect(vmm.events.total == 0)
    }

    @Test func haltStopsAGuestWithoutIrqchip() throws {
        let (vmm, stop, _) = try boot("real-halt.bin", .real)
        #expect(stop == .halted)
        #expect(vmm.statistics.exits == 1)
        #expect(try vmm.registers().rip == 0x7c01)
    }

    @Test func everyPortExitReachesTheDevice() throws {
        let (vmm, stop, sink) = try boot("real-exits.bin", .real)
        #expect(stop == .halted)
        #expect(vmm.statistics.exits == 1001)
        #expect(sink.bytes.isEmpty && vmm.events.total == 0)
    }

    @Test func pciScanFindsTheHostBridge() throws {
        let (vmm, stop, sink) = try boot("real-pci-scan.bin", .real)
        #expect(stop == .exitCode(1))
        #expect(sink.text == "00:1b360008\n")
        #expect(vmm.events.total == 0)
    }

    @Test func longModeSerialAndECAMReadThroughMMIO() throws {
        let (_, stop, sink) = try boot("long-hello.bin", .long)
        #expect(sink.text == "hello from long mode\n00081b36\n")
        #expect(stop == .exitCode(3))
    }

    @Test func longModeWithInKernelIrqchipStopsThroughTheDebugPort() throws {
        let (_, stop, sink) = try boot("long-hello.bin", .long, irqchip: true)
        #expect(stop == .exitCode(3))
        #expect(sink.text.hasPrefix("hello from long mode"))
    }

    @Test func elfPayload() throws {
        let sink = CapturingSink()
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: 16 << 20, payload: .elf(try Fixtures.guest("long-hello.elf")),
                                                             serialSink: sink))
        #expect(try vmm.run(exitLimit: 1000) == .exitCode(3))
        #expect(sink.text == "hello from long mode\n00081b36\n")
    }

    @Test func hostileGuestIsContainedAndReported() throws {
        let (vmm, stop, sink) = try boot("long-hostile.bin", .long)
        #expect(stop == .exitCode(7))
        #expect(sink.text == "00081b36\n")  // identity unchanged after the garbage
        let seen = vmm.events.recent
        #expect(seen.contains(.readOnlyConfigWrite(device: "00:00.0 host bridge", offset: 0, value: 0xdead_beef)))
        #expect(seen.contains(.readOnlyConfigWrite(device: "00:00.0 host bridge", offset: 0, value: 0x1111_1111)))
        #expect(seen.contains(.malformedAccess(what: "2-byte write to PCI config address port 0xcfa")))
        #expect(seen.contains(.malformedAccess(what: "8-byte ECAM write at offset 0x8")))
        #expect(seen.contains(.unclaimedMMIO(address: 0xe010_0ffc, size: 4, isWrite: true)))
        #expect(seen.contains(.unclaimedPort(port: 0x5555, size: 1, isWrite: true)))
        #expect(seen.contains(.unclaimedMMIO(address: 0xd000_0000, size: 4, isWrite: false)))
    }

    @Test func aStopSignalEndsAGuestThatNeverExits() throws {
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: 1 << 20,
            payload: .flat(try Fixtures.guest("real-spin.bin"), mode: .real), serialSink: CapturingSink()))
        try vmm.stopOnSignals([SIGALRM])
        var timer = itimerval(it_interval: timeval(), it_value: timeval(tv_sec: 0, tv_usec: 200_000))
        setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &timer, nil)
        #expect(try vmm.run() == .signal(SIGALRM))
    }

    @Test func payloadsThatDoNotFitAreRefused() throws {
        let huge = [UInt8](repeating: 0xf4, count: 0xa0000)
        #expect(throws: VMMError.self) {
            _ = try VirtualMachineMonitor(VMMConfiguration(memorySize: 1 << 20, payload: .flat(huge, mode: .real), serialSink: CapturingSink()))
        }
        #expect(throws: VMMError.self) {
            _ = try VirtualMachineMonitor(VMMConfiguration(memorySize: 1 << 20, payload: .flat([0xf4], mode: .long), serialSink: CapturingSink()))
        }
        #expect(throws: VMMError.self) {
            _ = try VirtualMachineMonitor(VMMConfiguration(memorySize: 16 << 20, payload: .elf([0x7f, 0x45, 0x4c, 0x46]), serialSink: CapturingSink()))
        }
    }

    @Test func linuxBootProtocolLoadsAndEntersTheKernel() throws {
        // A synthetic bzImage whose "kernel" is HLT at the 64-bit entry (0x200 in): the VMM lays
        // out boot_params and enters long mode with RSI pointing at them.
        var file = makeBzImage(kernelSize: 0x1000)
        file[5 * 512 + 0x200] = 0xf4
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: 32 << 20,
            payload: .linux(kernel: file, initramfs: [1, 2, 3], commandLine: "console=ttyS0"), serialSink: CapturingSink()))
        #expect(vmm.memory.load(UInt32.self, at: LinuxBootPlan.bootParamsAddress + 0x202) == 0x5372_6448)
        #expect(vmm.memory.read(count: 14, at: LinuxBootPlan.commandLineAddress) == Array("console=ttyS0".utf8) + [0])
        #expect(try vmm.run(exitLimit: 10) == .halted)
        let regs = try vmm.registers()
        #expect(regs.rsi == LinuxBootPlan.bootParamsAddress)
        #expect(regs.rip == LinuxBootPlan.entry + 1)
    }
}
