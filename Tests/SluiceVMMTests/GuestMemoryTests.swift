import Testing
@testable import SluiceVMM

@Suite struct GuestMemoryLayoutTests {
    @Test func smallRAMIsOneRegionFromZero() throws {
        let layout = try GuestMemoryLayout(ramSize: 64 << 20)
        #expect(layout.regions == [RAMRegion(guest: GuestRange(start: 0, size: 64 << 20), hostOffset: 0)])
        #expect(layout.totalSize == 64 << 20)
    }

    @Test func largeRAMSkipsTheMMIOHole() throws {
        let layout = try GuestMemoryLayout(ramSize: 4 << 30)
        #expect(layout.regions.count == 2)
        #expect(layout.regions[0].guest == GuestRange(start: 0, end: 0xC000_0000))
        #expect(layout.regions[1].guest == GuestRange(start: 1 << 32, size: 1 << 30))
        #expect(layout.regions[1].hostOffset == 0xC000_0000)
        #expect(layout.totalSize == 4 << 30)
    }

    @Test func reservedIOVARegionsAreSkippedAndAligned() throws {
        // An IOMMU reserving a range inside low RAM (unaligned edges get widened to pages).
        let layout = try GuestMemoryLayout(ramSize: 32 << 20,
                                           reserved: [GuestRange(start: 0x80_0800, end: 0x90_0001)])
        #expect(layout.regions.map(\.guest) == [GuestRange(start: 0, end: 0x80_0000),
                                                 GuestRange(start: 0x90_1000, end: 0x90_1000 + (32 << 20) - 0x80_0000)])
        #expect(layout.totalSize == 32 << 20)
        for r in layout.regions { #expect(!r.guest.overlaps(GuestRange(start: 0x80_0800, end: 0x90_0001))) }
    }

    @Test func msiWindowInsideTheHoleChangesNothing() throws {
        let msi = GuestRange(start: 0xFEE0_0000, end: 0xFF00_0000)
        #expect(try GuestMemoryLayout(ramSize: 16 << 20, reserved: [msi]).regions.count == 1)
    }

    @Test func rejectsUnalignedOrEmptySizes() {
        #expect(throws: GuestMemoryLayout.LayoutError.sizeNotPageAligned(4095)) { try GuestMemoryLayout(ramSize: 4095) }
        #expect(throws: GuestMemoryLayout.LayoutError.sizeNotPageAligned(0)) { try GuestMemoryLayout(ramSize: 0) }
    }
}

@Suite struct GuestMemoryAccessTests {
    @Test func accessesAreBoundsCheckedPerRegion() throws {
        let layout = try GuestMemoryLayout(ramSize: 0x4000, reserved: [GuestRange(start: 0x2000, size: 0x1000)])
        let memory = try GuestMemory(layout: layout)
        #expect(memory.store(UInt32(0xdead_beef), at: 0x1ffc))
        #expect(memory.load(UInt32.self, at: 0x1ffc) == 0xdead_beef)
        #expect(!memory.store(UInt32(1), at: 0x1ffe))          // straddles into the hole
        #expect(memory.load(UInt8.self, at: 0x2000) == nil)    // the hole
        #expect(memory.store(UInt8(7), at: 0x3000))            // relocated region
        #expect(memory.read(count: 1, at: 0x3000) == [7])
        #expect(memory.read(count: 0x1001, at: 0x4000) == nil) // past the end
        #expect(!memory.write([1, 2], at: UInt64.max - 1))
        #expect(memory.offset(of: 0x4fff, count: 1) == 0x3fff)
    }
}
