import SluiceSystem
import Testing
@testable import SluiceKVM
@testable import SluiceVMM

final class RecordingDMA: GuestDMAMapper {
    var reservedIOVARanges: [GuestRange] = [GuestRange(start: 0xFEE0_0000, end: 0xFEF0_0000)]
    var mapped: [GuestRange] = []
    var unmapped: [GuestRange] = []
    func mapDMA(iova: UInt64, memory: MemoryMapping, offset: Int, size: Int) throws {
        #expect(memory.contains(offset: offset, count: size))
        mapped.append(GuestRange(start: iova, size: UInt64(size)))
    }
    func unmapDMA(iova: UInt64, size: Int) throws { unmapped.append(GuestRange(start: iova, size: UInt64(size))) }
}

/// The VMM side of device assignment on real KVM, with the fake device standing in for VFIO:
/// real memory slots for the BAR, real GSI routes and irqfds, a guest driving it.
@Suite(.serialized) struct AssignedDeviceRunTests {
    @Test func guestFindsReadsAndProgramsTheAssignedFunction() throws {
        let sink = CapturingSink()
        let device = FakeAssignedDevice()
        let dma = RecordingDMA()
        let vmm = try VirtualMachineMonitor(VMMConfiguration(
            memorySize: 16 << 20, payload: .flat(try Fixtures.guest("long-passthrough.bin"), mode: .long),
            irqchip: true, reservedRanges: dma.reservedIOVARanges, serialSink: sink))
        try vmm.assign(device, dma: dma, slot: 1)
        #expect(dma.mapped == vmm.dmaDomain)                              // all guest RAM, IOVA = GPA
        #expect(vmm.dmaDomain == [GuestRange(start: 0, size: 16 << 20)])
        #expect(try vmm.run(exitLimit: 10_000) == .exitCode(5))
        #expect(sink.text == "10d38086\n80080783\n")
        #expect(device.resets == 1)
        // INTx wired level-triggered: trigger to the device, KVM's resample fd unmasks it.
        #expect(device.interruptCalls.first.map { $0.kind == .intx && $0.fds.count == 1 } == true)
        #expect(device.intxUnmask != nil)
        let function = try #require(vmm.assignedFunctions.first)
        #expect(function.config.placement(ofBAR: 0) == VirtualMachineMonitor.barWindow.start)
        #expect(function.installedBARs[0]?.slots.count == 1)              // BAR0 direct: one memory slot
        #expect(device.regionWrites.isEmpty)                              // the MSI-X writes were emulated
        let x = try #require(function.config.msix)
        #expect(x.enabled && x.isRouted(0))
        #expect(vmm.passthrough.routing.entries.contains(.msi(gsi: x.gsi(ofVector: 0)!, address: 0xFEE0_0000, data: 0x41)))
        #expect(vmm.events.total == 0, "\(vmm.events.recent)")
        #expect(function.config.read(offset: 0x3c, size: 1) == 10)      // interrupt line = the INTx GSI
        vmm.releaseAssignedDevices()
        #expect(device.resets == 2)
        #expect(dma.unmapped == dma.mapped)
        #expect(device.interruptCalls.suffix(3).allSatisfy { $0.fds.isEmpty })
    }

    @Test func hostileGuestCannotPointTheDeviceAtRAM() throws {
        let sink = CapturingSink()
        let device = FakeAssignedDevice()
        let vmm = try VirtualMachineMonitor(VMMConfiguration(
            memorySize: 16 << 20, payload: .flat(try Fixtures.guest("long-hostile-assigned.bin"), mode: .long),
            irqchip: true, serialSink: sink))
        try vmm.assign(device, dma: RecordingDMA(), slot: 1)
        #expect(try vmm.run(exitLimit: 10_000) == .exitCode(9))
        #expect(sink.text == "00400000\n")                               // the guest sees its own write...
        let f = try #require(vmm.assignedFunctions.first)
        #expect(f.config.placement(ofBAR: 0) == nil)                      // ...but nothing is mapped there
        #expect(f.installedBARs[0] == nil)
        #expect(!f.config.romIsMapped)
        #expect(f.config.msix.map { !$0.isRouted(0) } == true)
        let seen = vmm.events.recent
        #expect(seen.contains(.barOutsideWindow(device: device.name, bar: 0, address: 0x40_0000)))
        #expect(seen.contains(.romOutsideWindow(device: device.name, address: 0x20_0000)))
        #expect(seen.contains(.msiAddressRejected(device: device.name, address: 0x3000)))
        #expect(seen.contains(.readOnlyConfigWrite(device: device.name, offset: 0, value: 0xffff_ffff)))
        #expect(f.config.read(offset: 0, size: 4) == 0x10d3_8086)
        #expect(f.config.read(offset: 0x34, size: 1) == UInt32(FakeAssignedDevice.pmOffset))
        // Nothing the guest wrote to emulated fields reached the hardware.
        #expect(device.hardwareWrites.allSatisfy { $0.offset == 0x04 })
    }

    @Test func ramOverlappingAReservedIOVARangeIsRefused() throws {
        let dma = RecordingDMA()
        dma.reservedIOVARanges = [GuestRange(start: 0x80_0000, size: 0x1000)]
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: 16 << 20, payload: .flat([0xf4], mode: .real),
                                                             irqchip: true, serialSink: CapturingSink()))
        #expect(throws: VirtualMachineMonitor.AssignError.self) { try vmm.assign(FakeAssignedDevice(), dma: dma, slot: 1) }
        #expect(dma.mapped.isEmpty)
    }

    @Test func kvmVFIORefusalIsReportedAndAssignmentGoesOn() throws {
        // No VFIO on this host: an eventfd stands in for the group fd, which KVM refuses.
        // On x86 with a coherent IOMMU the device works without the KVM-VFIO link, so the VMM
        // names the refusal and keeps the device.
        let device = FakeAssignedDevice()
        let notAGroup = try EventFD()
        device.kvmVFIOFile = notAGroup.raw
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: 16 << 20, payload: .flat([0xf4], mode: .real),
                                                             irqchip: true, serialSink: CapturingSink()))
        try vmm.assign(device, dma: RecordingDMA(), slot: 1)
        #expect(vmm.assignedFunctions.count == 1)
        let refused = vmm.events.recent.contains {
            if case .hostFailure(device: device.name, let what) = $0 { return what.hasPrefix("KVM-VFIO device") }
            return false
        }
        #expect(refused, "\(vmm.events.recent)")
        vmm.releaseAssignedDevices()
    }

    @Test func assignmentNeedsTheIrqchip() throws {
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: 1 << 20, payload: .flat([0xf4], mode: .real),
                                                             serialSink: CapturingSink()))
        #expect(throws: VirtualMachineMonitor.AssignError.self) { try vmm.assign(FakeAssignedDevice(), dma: RecordingDMA(), slot: 1) }
    }

    @Test func msixTriggerReachesKVMThroughTheRoute() throws {
        // Enable and route vector 0 from the host side, then fire the device's trigger eventfd:
        // KVM consumes it through the irqfd (the counter is drained by the kernel, not by us).
        let device = FakeAssignedDevice()
        let vmm = try VirtualMachineMonitor(VMMConfiguration(memorySize: 16 << 20, payload: .flat([0xf4], mode: .real),
                                                             irqchip: true, serialSink: CapturingSink()))
        try vmm.assign(device, dma: RecordingDMA(), slot: 2)
        let f = try #require(vmm.assignedFunctions.first)
        let cap = FakeAssignedDevice.msixOffset
        f.configWrite(offset: cap, size: 4, value: 0x8000_0000 | f.configRead(offset: cap, size: 4))
        let x = try #require(f.config.msix)
        x.writeTable(offset: 0, size: 4, value: 0xFEE0_0000)
        x.writeTable(offset: 8, size: 4, value: 0x30)
        x.writeTable(offset: 12, size: 4, value: 0)
        #expect(x.isRouted(0))
        let fds = try #require(device.interruptCalls.last { $0.kind == .msix }?.fds)
        var one: UInt64 = 1
        #expect(Glibc.write(fds[0], &one, 8) == 8)
        var left: UInt64 = 0
        #expect(Glibc.read(fds[0], &left, 8) == -1)   // KVM's irqfd consumed the signal
        // Masked, the same signal stays with the VMM and shows as pending.
        x.writeTable(offset: 12, size: 4, value: 1)
        #expect(!x.isRouted(0))
        #expect(Glibc.write(fds[0], &one, 8) == 8)
        #expect(x.isPending(0))
        #expect(vmm.events.total == 0, "\(vmm.events.recent)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
