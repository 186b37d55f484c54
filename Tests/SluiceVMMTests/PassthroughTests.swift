import SluiceSystem
import Testing
@testable import SluiceVMM

let window = GuestRange(start: 0xC000_0000, end: 0xE000_0000)

struct Harness {
    let device = FakeAssignedDevice()
    let router = RecordingRouter()
    let events = GuestEventLog()
    let placement = RecordingPlacement()
    let config: VirtualConfigSpace

    init() throws {
        config = try VirtualConfigSpace(device: device, router: router, events: events, allowedWindows: [window])
        config.placementDelegate = placement
    }

    func write(_ o: Int, _ v: UInt32, size: Int = 4) { config.write(offset: o, size: size, value: v) }
    func read(_ o: Int, size: Int = 4) -> UInt32 { config.read(offset: o, size: size) }
    /// Offsets of the emulated header fields: nothing there may reach hardware.
    var hardwareWriteOffsets: [Int] { device.hardwareWrites.map(\.offset) }
}

@Suite struct ConfigVirtualizationTests {
    @Test func identityIsTheDevicesAndReadOnly() throws {
        let h = try Harness()
        #expect(h.read(0) == 0x10d3_8086)
        h.write(0, 0xdead_beef)
        h.write(0x08, 0xffff_ffff)
        #expect(h.read(0) == 0x10d3_8086)
        #expect(h.events.total == 2)
        #expect(h.device.hardwareWrites.isEmpty)
    }

    @Test func barSizingReturnsTheSizeMask() throws {
        let h = try Harness()
        h.write(0x10, 0xffff_ffff)
        #expect(h.read(0x10) == 0xfffe_0000)              // 128 KiB, mem32
        h.write(0x20, 0xffff_ffff); h.write(0x24, 0xffff_ffff)
        #expect(h.read(0x20) == 0xfff0_000c)              // 1 MiB, 64-bit prefetchable
        #expect(h.read(0x24) == 0xffff_ffff)
        #expect(h.read(0x18) == 0)                         // I/O BAR not offered
        h.write(0x30, 0xffff_f800)
        #expect(h.read(0x30) == 0xffff_0000)              // 64 KiB ROM
        #expect(h.device.hardwareWrites.isEmpty)
        #expect(h.placement.placements.isEmpty)            // decoding off: nothing placed
    }

    @Test func barsArePlacedOnlyInsideTheWindowWhenDecoding() throws {
        let h = try Harness()
        h.write(0x10, 0xC010_0000)
        h.write(0x04, 0x0006, size: 2)                     // memory + bus master
        #expect(h.placement.placements.map(\.bar) == [0])
        #expect(h.placement.placements[0].address == 0xC010_0000)
        #expect(h.config.placement(ofBAR: 0) == 0xC010_0000)
        // Moving it into RAM is refused and reported; the old placement is removed.
        h.write(0x10, 0x0010_0000)
        #expect(h.placement.placements.last! == (0, nil))
        #expect(h.events.recent.contains(.barOutsideWindow(device: h.device.name, bar: 0, address: 0x10_0000)))
        // A 64-bit BAR pointed above the window is refused too.
        h.write(0x20, 0x0000_0000); h.write(0x24, 0x0000_0001)
        #expect(h.events.recent.contains(.barOutsideWindow(device: h.device.name, bar: 4, address: 0x1_0000_0000)))
        #expect(h.config.placement(ofBAR: 4) == nil)
        // Two BARs at the same place: the second is refused.
        h.write(0x10, 0xC000_0000)
        h.write(0x1c, 0xC000_0000)
        #expect(h.config.placement(ofBAR: 0) == 0xC000_0000)
        #expect(h.config.placement(ofBAR: 3) == nil)
        // Disabling decode removes everything.
        h.write(0x04, 0, size: 2)
        #expect((0..<6).allSatisfy { h.config.placement(ofBAR: $0) == nil })
    }

    @Test func commandReachesHardwareOnlyThroughItsMask() throws {
        let h = try Harness()
        h.write(0x04, 0xffff_ffff)
        #expect(h.read(0x04, size: 2) == 0x0547)
        #expect(h.device.hardwareWrites.contains { $0.offset == 0x04 && $0.value == 0x0406 })
        #expect(h.device.hardwareWrites.contains { $0.offset == 0x06 && $0.value == 0xf900 })  // RW1C status bits only
        #expect(!h.device.hardwareWrites.contains { $0.offset == 0x04 && $0.value & ~0x0406 != 0 })
    }

    @Test func romOutsideTheWindowIsReported() throws {
        let h = try Harness()
        h.write(0x30, 0x000f_0001)
        #expect(h.events.recent.contains(.romOutsideWindow(device: h.device.name, address: 0xf_0000)))
        #expect(!h.config.romIsMapped)
        h.write(0x30, 0xC800_0001)
        #expect(!h.config.romIsMapped)                  // legal, but memory decoding is off
        h.write(0x04, 0x0002, size: 2)
        #expect(h.config.romPlacement == 0xC800_0000)
        #expect(h.placement.rom == [0xC800_0000])
        h.write(0x30, 0xC800_0000)                      // disabled again
        #expect(h.placement.rom == [0xC800_0000, nil])
        #expect(h.events.total == 1)
    }

    @Test func capabilityHeadersAreReadOnlyAndDeviceRegistersPassThrough() throws {
        let h = try Harness()
        h.write(FakeAssignedDevice.pmOffset, 0x0000_0000)     // would unlink the capability list
        #expect(h.read(FakeAssignedDevice.pmOffset) & 0xffff == 0xd001)
        h.write(FakeAssignedDevice.pmOffset + 4, 0x0000_0003, size: 2)  // PMCSR: a device register
        #expect(h.hardwareWriteOffsets == [FakeAssignedDevice.pmOffset + 4])
        h.write(0x3c, 0x0b, size: 1)
        #expect(h.read(0x3c, size: 1) == 0x0b)
        #expect(h.read(0x3d, size: 1) == 1)
        #expect(h.hardwareWriteOffsets == [FakeAssignedDevice.pmOffset + 4])
    }

    @Test func randomConfigWritesNeverReachEmulatedFieldsOrPlaceOutsideTheWindow() throws {
        var rng = SplitMix(state: 4)
        let h = try Harness()
        for _ in 0..<20_000 {
            let size = [1, 2, 4][Int(rng.next() % 3)]
            let offset = Int(rng.next() % 256) & ~(size - 1)
            h.write(offset, UInt32(truncatingIfNeeded: rng.next()), size: size)
            _ = h.read(offset, size: size)
        }
        let emulated: Set<Int> = Set(0..<0x40).subtracting([0x04, 0x05, 0x06, 0x07])
            .union(FakeAssignedDevice.msiOffset..<(FakeAssignedDevice.msiOffset + 24))
            .union(FakeAssignedDevice.msixOffset..<(FakeAssignedDevice.msixOffset + 12))
        for w in h.device.hardwareWrites {
            #expect(!emulated.contains(w.offset), "write to 0x\(String(w.offset, radix: 16)) reached hardware")
            if w.offset == 0x04 { #expect(w.value & ~0x0406 == 0) }
        }
        for p in h.placement.placements { if let a = p.address { #expect(window.contains(a)) } }
        #expect(h.read(0) == 0x10d3_8086)
    }
}

@Suite struct MSIEmulationTests {
    let o = FakeAssignedDevice.msiOffset

    @Test func enablingRoutesAValidMessage() throws {
        let h = try Harness()
        #expect(h.read(o) >> 16 & 0x180 == 0x180)      // 64-bit, per-vector masking
        h.write(o + 4, 0xFEE0_1000)
        h.write(o + 8, 0)
        h.write(o + 12, 0x4041)
        h.write(o, 0x0001_0000 | h.read(o))             // enable (MME stays 0)
        #expect(h.device.interruptCalls.last?.kind == .msi)
        #expect(h.router.routes[24]! == (0xFEE0_1000, 0x4041))
        #expect(h.read(o) >> 16 & 0x71 == 0x01)
        #expect(!h.hardwareWriteOffsets.contains { $0 >= o && $0 < o + 24 })
    }

    @Test func addressOutsideTheInterruptWindowIsRefused() throws {
        let h = try Harness()
        h.write(o + 4, 0x0010_0000)                     // guest RAM: a DMA write, not an interrupt
        h.write(o, 0x0001_0000 | h.read(o))
        #expect(h.router.routes.isEmpty)
        #expect(h.events.recent.contains(.msiAddressRejected(device: h.device.name, address: 0x10_0000)))
    }

    @Test func maskingDetachesAndPendingIsDeliveredAtUnmask() throws {
        let h = try Harness()
        h.write(o + 4, 0xFEE0_0000); h.write(o + 12, 0x31)
        h.write(o, 0x0001_0000 | h.read(o))
        h.write(o + 16, 1)                              // mask
        #expect(h.router.routes.isEmpty)
        try h.router.triggers[24]!.eventFD.signal()     // the device fires while masked
        h.write(o + 16, 0)                              // unmask
        #expect(h.router.routes[24] != nil)
        #expect(h.router.injected.count == 1 && h.router.injected[0] == (0xFEE0_0000, 0x31))
    }
}

@Suite struct MSIXEmulationTests {
    func enabled() throws -> Harness {
        let h = try Harness()
        let c = FakeAssignedDevice.msixOffset
        h.write(c, 0x8000_0000 | h.read(c))             // MSI-X enable
        return h
    }

    var table: MSIXEmulation.Type { MSIXEmulation.self }

    @Test func capabilityDescribesTableAndPBA() throws {
        let h = try Harness()
        let x = try #require(h.config.msix)
        #expect(x.vectorCount == 5 && x.tableBAR == 3 && x.tableOffset == 0 && x.pbaBAR == 3 && x.pbaOffset == 0x2000)
    }

    @Test func guestTableWritesBecomeRoutesAndMaskingIsHonoured() throws {
        let h = try enabled()
        let x = h.config.msix!
        #expect(h.device.interruptCalls.last.map { $0.kind == .msix && $0.fds.count == 5 } == true)
        #expect(h.router.routes.isEmpty)                // every vector starts masked
        x.writeTable(offset: 16 + 0, size: 8, value: 0xFEE0_2000)   // vector 1 address (lo+hi)
        x.writeTable(offset: 16 + 8, size: 4, value: 0x4055)        // data
        x.writeTable(offset: 16 + 12, size: 4, value: 0)            // unmask
        #expect(h.router.routes[25]! == (0xFEE0_2000, 0x4055))
        x.writeTable(offset: 16 + 8, size: 4, value: 0x4056)        // retarget while unmasked
        #expect(h.router.routes[25]!.data == 0x4056)
        #expect(x.readTable(offset: 16 + 8, size: 4) == 0x4056)
        x.writeTable(offset: 16 + 12, size: 4, value: 1)            // mask
        #expect(h.router.routes[25] == nil)
        x.writeTable(offset: 16 + 12, size: 4, value: 0)
        let c = FakeAssignedDevice.msixOffset
        h.write(c, 0xC000_0000 | h.read(c))                          // function mask
        #expect(h.router.routes.isEmpty)
        #expect(h.read(c) >> 16 == 0xC004)
        h.write(c, (h.read(c) & 0xffff) | 0x8004_0000)              // function unmask
        #expect(h.router.routes[25] != nil)
    }

    @Test func pendingBitAndDeliveryAtUnmask() throws {
        let h = try enabled()
        let x = h.config.msix!
        x.writeTable(offset: 32, size: 4, value: 0xFEE0_0000)
        x.writeTable(offset: 40, size: 4, value: 0x22)
        x.writeTable(offset: 44, size: 4, value: 0)
        let trigger = h.router.triggers[26]!
        x.writeTable(offset: 44, size: 4, value: 1)                  // mask vector 2
        try trigger.eventFD.signal()
        #expect(x.readPBA(offset: 0, size: 8) == 0b100)
        x.writeTable(offset: 44, size: 4, value: 0)                  // unmask: delivered once
        #expect(h.router.injected.count == 1 && h.router.injected[0].1 == 0x22)
        #expect(x.readPBA(offset: 0, size: 8) == 0)
    }

    @Test func hostileTableWritesAreRefused() throws {
        let h = try enabled()
        let x = h.config.msix!
        x.writeTable(offset: 0, size: 4, value: 0x0000_1000)         // vector 0 at guest RAM
        x.writeTable(offset: 12, size: 4, value: 0)
        #expect(h.router.routes.isEmpty)
        #expect(h.events.recent.contains(.msiAddressRejected(device: h.device.name, address: 0x1000)))
        x.writeTable(offset: 5 * 16, size: 4, value: 1)              // past the table
        x.writeTable(offset: 2, size: 4, value: 1)                   // misaligned
        x.writeTable(offset: 0, size: 2, value: 1)                   // wrong size
        #expect(h.events.total == 4)
        #expect(x.readTable(offset: 5 * 16, size: 4) == ~0)
    }

    @Test func disablingTurnsVectorsOffAtTheDevice() throws {
        let h = try enabled()
        let c = FakeAssignedDevice.msixOffset
        h.write(c, h.read(c) & 0x7fff_ffff)
        #expect(h.device.interruptCalls.last.map { $0.kind == .msix && $0.fds.isEmpty } == true)
    }
}

@Suite struct BARMappingPlanTests {
    @Test func msixPagesAreTrappedTheRestMappedDirectly() {
        let plan = BARMappingPlan(size: 0x4000, mmappable: [GuestRange(start: 0, size: 0x4000)],
                                  trapped: [GuestRange(start: 0, size: 0x50), GuestRange(start: 0x2000, size: 8)])
        #expect(plan.pieces == [.init(offset: 0, size: 0x1000, direct: false), .init(offset: 0x1000, size: 0x1000, direct: true),
                                .init(offset: 0x2000, size: 0x1000, direct: false), .init(offset: 0x3000, size: 0x1000, direct: true)])
    }

    @Test func sparseAndUnmappableBARs() {
        let sparse = BARMappingPlan(size: 0x10000, mmappable: [GuestRange(start: 0x8000, size: 0x8000)], trapped: [])
        #expect(sparse.pieces == [.init(offset: 0, size: 0x8000, direct: false), .init(offset: 0x8000, size: 0x8000, direct: true)])
        let none = BARMappingPlan(size: 0x1000, mmappable: [], trapped: [])
        #expect(none.pieces == [.init(offset: 0, size: 0x1000, direct: false)])
        // A sparse area not page-aligned shrinks to whole pages.
        let odd = BARMappingPlan(size: 0x3000, mmappable: [GuestRange(start: 0x800, end: 0x2800)], trapped: [])
        #expect(odd.pieces == [.init(offset: 0, size: 0x1000, direct: false), .init(offset: 0x1000, size: 0x1000, direct: true),
                               .init(offset: 0x2000, size: 0x1000, direct: false)])
    }

    @Test func piecesAlwaysTileTheBAR() {
        var rng = SplitMix(state: 9)
        for _ in 0..<2000 {
            let size = UInt64(1) << (12 + rng.next() % 8)
            func r() -> GuestRange { let a = rng.next() % size; return GuestRange(start: a, end: a + rng.next() % (size - a + 1)) }
            let plan = BARMappingPlan(size: size, mmappable: (0..<(rng.next() % 3)).map { _ in r() }, trapped: (0..<(rng.next() % 3)).map { _ in r() })
            var cursor: UInt64 = 0
            for p in plan.pieces {
                #expect(p.offset == cursor && p.size > 0)
                if p.direct { #expect(p.offset % 4096 == 0 && p.size % 4096 == 0) }
                cursor += p.size
            }
            #expect(cursor == size)
        }
    }
}

@Suite struct VFIOReservedRangeTests {
    @Test func gapsBetweenUsableIOVARangesAreReserved() {
        // Type1 on x86 with VT-d: usable below the MSI window and above it up to the 48-bit width.
        let usable: [ClosedRange<UInt64>] = [0...0xFEDF_FFFF, 0xFEF0_0000...0xFFFF_FFFF_FFFF]
        #expect(VFIOGuestDMA.complement(of: usable) == [GuestRange(start: 0xFEE0_0000, end: 0xFEF0_0000),
                                                          GuestRange(start: 1 << 48, end: 1 << 52)])
        #expect(VFIOGuestDMA.complement(of: [0...UInt64.max]) == [])
        #expect(VFIOGuestDMA.complement(of: []) == [GuestRange(start: 0, end: 1 << 52)])
        // Unsorted and overlapping input.
        #expect(VFIOGuestDMA.complement(of: [0x2000...0x2fff, 0x0...0xfff, 0x2800...0x3fff]).prefix(2)
                == [GuestRange(start: 0x1000, end: 0x2000), GuestRange(start: 0x4000, end: 1 << 52)])
    }

    @Test func guestRAMLaidOutAroundTheMSIWindow() throws {
        let reserved = VFIOGuestDMA.complement(of: [0...0xFEDF_FFFF, 0xFEF0_0000...0xFFFF_FFFF_FFFF])
        let layout = try GuestMemoryLayout(ramSize: 6 << 30, reserved: reserved)
        for r in layout.regions { for h in reserved { #expect(!r.guest.overlaps(h)) } }
        #expect(layout.totalSize == 6 << 30)
    }
}
