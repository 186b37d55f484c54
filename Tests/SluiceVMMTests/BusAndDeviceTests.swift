import Testing
@testable import SluiceVMM

final class Register: BusDevice {
    var writes: [(UInt64, Int, UInt64)] = []
    func read(offset: UInt64, size: Int) -> UInt64 { 0x1122_3344_5566_7788 >> (8 * offset) }
    func write(offset: UInt64, size: Int, value: UInt64) { writes.append((offset, size, value)) }
}

@Suite struct IOBusTests {
    @Test func dispatchesByAddressWithOffsets() throws {
        let events = GuestEventLog()
        let bus = IOBus(.mmio, events: events)
        let a = Register(), b = Register()
        try bus.register(a, at: 0x1000, size: 0x10)
        try bus.register(b, at: 0x100, size: 0x10)
        bus.write(0x1004, size: 2, value: 0xffff_abcd)
        #expect(a.writes.count == 1 && a.writes[0].0 == 4 && a.writes[0].2 == 0xabcd)
        #expect(bus.read(0x100, size: 8) == 0x1122_3344_5566_7788)
        #expect(b.writes.isEmpty && events.total == 0)
    }

    @Test func overlapsAreRefused() throws {
        let bus = IOBus(.pio, events: GuestEventLog())
        try bus.register(Register(), at: 0x3f8, size: 8)
        #expect(throws: IOBus.BusError.self) { try bus.register(Register(), at: 0x3ff, size: 1) }
        #expect(throws: IOBus.BusError.self) { try bus.register(Register(), at: 0x3f0, size: 9) }
        #expect(throws: IOBus.BusError.empty) { try bus.register(Register(), at: UInt64.max, size: 2) }
        try bus.register(Register(), at: 0x400, size: 1)
    }

    @Test func unclaimedAndStraddlingAccessesAreReportedNotDelivered() throws {
        let events = GuestEventLog()
        let bus = IOBus(.pio, events: events)
        let r = Register()
        try bus.register(r, at: 0x10, size: 4)
        #expect(bus.read(0x20, size: 2) == 0xffff)
        bus.write(0x12, size: 4, value: 1)  // straddles the device's end
        bus.write(0x10, size: 9, value: 1)  // impossible size
        #expect(r.writes.isEmpty)
        #expect(events.recent == [.unclaimedPort(port: 0x20, size: 2, isWrite: false),
                                  .unclaimedPort(port: 0x12, size: 4, isWrite: true),
                                  .malformedAccess(what: "pio write of 9 bytes")])
    }

    @Test func eventLogIsBounded() {
        let events = GuestEventLog(keep: 3)
        var printed = 0
        events.onViolation = { _ in printed += 1 }
        for i in 0..<1000 { events.record(.unclaimedMMIO(address: UInt64(i), size: 1, isWrite: true)) }
        #expect(events.total == 1000 && events.recent.count == 3 && printed == 3)
        #expect(events.summary.contains("1000"))
    }
}

@Suite struct SerialTests {
    @Test func transmitsAndKeepsProbedRegisters() {
        let sink = CapturingSink()
        let uart = Serial8250(sink: sink)
        for b in "ok\n".utf8 { uart.write(offset: 0, size: 1, value: UInt64(b)) }
        #expect(sink.text == "ok\n")
        #expect(uart.read(offset: 5, size: 1) & 0x60 == 0x60)  // LSR: ready to send
        uart.write(offset: 7, size: 1, value: 0x5a)
        #expect(uart.read(offset: 7, size: 1) == 0x5a)
        uart.write(offset: 3, size: 1, value: 0x80)            // DLAB: divisor, not output
        uart.write(offset: 0, size: 1, value: 0x01)
        uart.write(offset: 1, size: 1, value: 0x00)
        #expect(uart.read(offset: 0, size: 1) == 1)
        uart.write(offset: 3, size: 1, value: 0x03)
        #expect(sink.text == "ok\n")
    }
}

@Suite struct SerialInterruptTests {
    /// The line's transitions, and the UART on it.
    final class Line { var levels: [Bool] = [] }
    func uart() -> (Serial8250, CapturingSink, Line) {
        let sink = CapturingSink(), line = Line()
        return (Serial8250(sink: sink, interruptLine: { line.levels.append($0) }), sink, line)
    }

    @Test func enablingTHREWithAnEmptyTransmitterRaisesTheLineAndReadingIIRClearsIt() {
        let (u, _, line) = uart()
        #expect(u.read(offset: 2, size: 1) == 0xc1)           // nothing enabled, nothing pending
        u.write(offset: 1, size: 1, value: 0x02)              // IER: THRE
        #expect(line.levels == [true])
        #expect(u.read(offset: 2, size: 1) == 0xc2)           // THRE is the source...
        #expect(line.levels == [true, false])                 // ...and reading IIR acknowledged it
        #expect(u.read(offset: 2, size: 1) == 0xc1)
    }

    @Test func eachByteWrittenGivesANewEdgeUntilTHREIsDisabled() {
        let (u, sink, line) = uart()
        u.write(offset: 1, size: 1, value: 0x02)
        for b in "hi".utf8 { u.write(offset: 0, size: 1, value: UInt64(b)) }
        #expect(sink.text == "hi")
        #expect(line.levels == [true, false, true, false, true])
        u.write(offset: 1, size: 1, value: 0x00)              // the driver's stop_tx
        #expect(line.levels.last == false)
        #expect(u.read(offset: 2, size: 1) == 0xc1)
    }

    @Test func reenablingTHREReassertsIt() {
        // Linux's 8250 start-up test: a 16550 re-asserts THRE each time it is enabled while idle.
        let (u, _, _) = uart()
        u.write(offset: 1, size: 1, value: 0x02)
        #expect(u.read(offset: 2, size: 1) == 0xc2)
        u.write(offset: 1, size: 1, value: 0x00)
        u.write(offset: 1, size: 1, value: 0x02)
        #expect(u.read(offset: 2, size: 1) == 0xc2)
    }

    @Test func withoutALineIIRStillReportsTHREAndOutputFlows() {
        let sink = CapturingSink()
        let u = Serial8250(sink: sink)
        u.write(offset: 1, size: 1, value: 0x02)
        #expect(u.read(offset: 2, size: 1) == 0xc2)
        u.write(offset: 0, size: 1, value: 0x41)
        #expect(sink.text == "A")
    }
}

@Suite struct CMOSClockTests {
    /// 2026-11-25 15:47:26 UTC, a Wednesday.
    let clock = CMOSClock(now: { 1_795_621_646 })

    func read(_ r: UInt8) -> UInt64 {
        clock.write(offset: 0, size: 1, value: UInt64(r) | 0x80)  // with the NMI-mask bit, as Linux does
        return clock.read(offset: 1, size: 1)
    }

    @Test func readsTheWallClockInBCDTwentyFourHour() {
        #expect([0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32].map(read) == [0x26, 0x47, 0x15, 0x04, 0x25, 0x11, 0x26, 0x20])
        #expect(read(0x0a) & 0x80 == 0)       // never "update in progress"
        #expect(read(0x0b) == 0x02)
        #expect(read(0x0d) & 0x80 != 0)       // valid time
    }

    @Test func binaryModeOnRequestAndTheTimeCannotBeSet() {
        clock.write(offset: 0, size: 1, value: 0x0b)
        clock.write(offset: 1, size: 1, value: 0x84)          // SET | DM: only binary mode is taken
        #expect(read(0x0b) == 0x06)
        #expect([0x00, 0x04, 0x09].map(read) == [26, 15, 26])
        clock.write(offset: 0, size: 1, value: 0x04)
        clock.write(offset: 1, size: 1, value: 3)
        #expect(read(0x04) == 15)
    }

    @Test func ramBytesAreKept() {
        clock.write(offset: 0, size: 1, value: 0x40)
        clock.write(offset: 1, size: 1, value: 0x5a)
        #expect(read(0x40) == 0x5a)
        #expect(read(0x7f) == 0)
    }
}

@Suite struct PCIConfigTests {
    func machine() -> (PCIRoot, PCIConfigPorts, PCIECAM, GuestEventLog) {
        let events = GuestEventLog()
        let root = PCIRoot(events: events)
        root.attach(PCIHostBridge(events: events), at: PCIFunctionAddress(device: 0)!)
        return (root, PCIConfigPorts(root: root), PCIECAM(root: root), events)
    }

    func configRead(_ ports: PCIConfigPorts, device: UInt32, offset: UInt32) -> UInt32 {
        ports.write(offset: 0, size: 4, value: UInt64(0x8000_0000 | device << 11 | offset))
        return UInt32(ports.read(offset: 4, size: 4))
    }

    @Test func mechanismOneScanFindsOnlyTheHostBridge() {
        let (_, ports, _, events) = machine()
        let found = (0..<32).filter { configRead(ports, device: UInt32($0), offset: 0) != 0xffff_ffff }
        #expect(found == [0])
        #expect(configRead(ports, device: 0, offset: 0) == 0x0008_1b36)
        #expect(configRead(ports, device: 0, offset: 8) >> 8 == 0x06_00_00)
        #expect(events.total == 0)
    }

    @Test func byteAndWordAccessThroughTheDataWindow() {
        let (_, ports, _, _) = machine()
        ports.write(offset: 0, size: 4, value: 0x8000_0000)
        #expect(ports.read(offset: 6, size: 2) == 0x0008)   // device ID via 0xCFE
        #expect(ports.read(offset: 5, size: 1) == 0x1b)
    }

    @Test func linuxsMechanismOneProbeIsAcceptedSilently() {
        // arch/x86/pci/direct.c pci_check_type1: outb(0x01, 0xCFB), then the dword latch read back.
        let (_, ports, _, events) = machine()
        ports.write(offset: 3, size: 1, value: 0x01)
        ports.write(offset: 0, size: 4, value: 0x8000_0000)
        #expect(ports.read(offset: 0, size: 4) == 0x8000_0000)
        #expect(events.total == 0)
        ports.write(offset: 2, size: 1, value: 0x01)          // 0xCFA is no register: still reported
        #expect(events.total == 1)
    }

    @Test func disabledLatchReadsAllOnes() {
        let (_, ports, _, _) = machine()
        ports.write(offset: 0, size: 4, value: 0)
        #expect(ports.read(offset: 4, size: 4) == 0xffff_ffff)
    }

    @Test func hostileWritesLeaveIdentityIntactAndAreReported() {
        let (_, ports, ecam, events) = machine()
        ports.write(offset: 0, size: 4, value: 0x8000_0000)
        ports.write(offset: 4, size: 4, value: 0xdead_beef)
        ecam.write(offset: 8, size: 4, value: 0xffff_ffff)
        ecam.write(offset: 0x10, size: 4, value: 0xffff_ffff)  // no BAR: stays 0, silently (sizing probe)
        #expect(configRead(ports, device: 0, offset: 0) == 0x0008_1b36)
        #expect(configRead(ports, device: 0, offset: 8) >> 8 == 0x06_00_00)
        #expect(ecam.read(offset: 0x10, size: 4) == 0)
        #expect(events.recent.filter { if case .readOnlyConfigWrite = $0 { true } else { false } }.count == 2)
    }

    @Test func commandRegisterKeepsOnlyWritableBits() {
        let (_, _, ecam, _) = machine()
        ecam.write(offset: 4, size: 2, value: 0xffff)
        #expect(ecam.read(offset: 4, size: 2) == 0x0007)
    }

    @Test func malformedConfigAccessesAreRefused() {
        let (_, ports, ecam, events) = machine()
        ports.write(offset: 2, size: 2, value: 0x1234)          // word write into the latch
        ports.write(offset: 0, size: 4, value: 0x8000_0000)
        #expect(ecam.read(offset: 2, size: 4) == 0xffff_ffff)    // misaligned dword
        #expect(ecam.read(offset: 0x100, size: 4) == 0xffff_ffff) // beyond a 256-byte space
        #expect(ecam.read(offset: 0, size: 8) == ~0)            // 8-byte ECAM access
        #expect(events.total == 4)
    }

    @Test func resetThroughCF9() {
        let (_, ports, _, _) = machine()
        ports.write(offset: 1, size: 1, value: 0x02)
        #expect(!ports.resetRequested)
        ports.write(offset: 1, size: 1, value: 0x06)
        #expect(ports.resetRequested)
    }

    @Test func randomConfigTrafficNeverCrashesOrChangesIdentity() {
        let (_, ports, ecam, _) = machine()
        var rng = SplitMix(state: 6)
        for _ in 0..<20_000 {
            let size = [1, 2, 4, 8, 3][Int(rng.next() % 5)]
            let value = rng.next()
            if rng.next() & 1 == 0 {
                let o = rng.next() % 8
                if rng.next() & 1 == 0 { ports.write(offset: o, size: size, value: value) } else { _ = ports.read(offset: o, size: size) }
            } else {
                let o = rng.next() % (1 << 20)
                if rng.next() & 1 == 0 { ecam.write(offset: o, size: size, value: value) } else { _ = ecam.read(offset: o, size: size) }
            }
        }
        #expect(ecam.read(offset: 0, size: 4) == 0x0008_1b36)
    }
}
