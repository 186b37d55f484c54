import Testing
@testable import SluiceVTd

/// The caches' behaviour, including the two hazards the issue asks the model to show.
@Suite struct CacheHazardTests {
    static func unit(cachingMode: Bool, mode: TranslationTableMode = .legacy) -> (RemappingUnit, PageTableBuilder, TestSystem) {
        var sys = TestSystem(mode: mode, cap: FullUnit.cap(cachingMode: cachingMode))
        var pt = sys.pageTable(levels: 4)
        try! pt.map(iova: 0x1000, to: 0x50_0000, size: 4096, permissions: .readWrite)
        sys.adopt(pt)
        sys.structures.attach(device, domainID: 7, secondStageTable: pt.root, levels: 4)
        return (RemappingUnit(registers: sys.registers, memory: sys.memory), pt, sys)
    }

    @Test func staleTranslationUntilInvalidated() throws {
        var (unit, pt, _) = Self.unit(cachingMode: false)
        let read = DMARequest(sourceID: device, address: 0x1008)
        #expect(unit.translate(read).translation?.address == 0x50_0008)
        try pt.unmap(iova: 0x1000, size: 4096)
        // The table says "not present", but the IOTLB still has the translation: DMA still lands.
        #expect(Walker(memory: unit.memory, registers: unit.registers).translate(read).fault?.reason == .readDenied)
        #expect(unit.translate(read).translation?.address == 0x50_0008)
        // An invalidation for another page or domain does not help.
        unit.invalidateIOTLB(.page, domainID: 7, address: 0x2000, addressMask: 0)
        unit.invalidateIOTLB(.domain, domainID: 8)
        #expect(unit.translate(read).translation != nil)
        // Page-selective with a mask covering it does.
        unit.invalidateIOTLB(.page, domainID: 7, address: 0x0, addressMask: 1)
        #expect(unit.translate(read).fault?.reason == .readDenied)
    }

    @Test func cachingModeCachesNotPresent() throws {
        var (unit, pt, _) = Self.unit(cachingMode: true)
        let read = DMARequest(sourceID: device, address: 0x3000)
        #expect(unit.translate(read).fault?.reason == .readDenied)
        try pt.map(iova: 0x3000, to: 0x60_0000, size: 4096, permissions: .read)
        // The new mapping keeps faulting: the not-present result is cached.
        #expect(unit.translate(read).fault?.reason == .readDenied)
        unit.invalidateIOTLB(.page, domainID: 7, address: 0x3000, addressMask: 0)
        #expect(unit.translate(read).translation?.address == 0x60_0000)
    }

    @Test func withoutCachingModeNewMappingsAreSeen() throws {
        var (unit, pt, _) = Self.unit(cachingMode: false)
        let read = DMARequest(sourceID: device, address: 0x3000)
        #expect(unit.translate(read).fault != nil)
        try pt.map(iova: 0x3000, to: 0x60_0000, size: 4096, permissions: .read)
        #expect(unit.translate(read).translation?.address == 0x60_0000)
    }

    @Test func cachingModeCachesNotPresentContext() {
        var (unit, _, sys) = Self.unit(cachingMode: true)
        let other = SourceID(bus: 1, device: 3, function: 0)
        let read = DMARequest(sourceID: other, address: 0x1000)
        #expect(unit.translate(read).fault?.reason == .contextEntryNotPresent)
        var pt2 = sys.pageTable(levels: 4)
        try! pt2.map(iova: 0x1000, to: 0x90_0000, size: 4096, permissions: .read)
        sys.structures.attach(other, domainID: 9, secondStageTable: pt2.root, levels: 4)
        #expect(unit.translate(read).fault?.reason == .contextEntryNotPresent)
        unit.invalidateContextCache(.device, sourceID: other)
        #expect(unit.translate(read).translation?.address == 0x90_0000)
    }

    @Test func contextCacheStaleUntilInvalidated() {
        var (unit, _, sys) = Self.unit(cachingMode: false)
        let read = DMARequest(sourceID: device, address: 0x1000)
        #expect(unit.translate(read).translation != nil)
        sys.structures.detach(device)
        unit.invalidateIOTLB(.global)
        #expect(unit.translate(read).translation != nil)   // context cache still holds the entry
        unit.invalidateContextCache(.domain, domainID: 7)
        #expect(unit.translate(read).fault?.reason == .contextEntryNotPresent)
    }

    @Test func permissionsFromCacheAreChecked() {
        let (unit, _, _) = Self.unit(cachingMode: false)
        #expect(unit.translate(DMARequest(sourceID: device, address: 0x1000)).translation != nil)
        #expect(unit.statistics.iotlbMisses == 1)
        #expect(unit.translate(DMARequest(sourceID: device, address: 0x1000, kind: .write)).translation != nil)
        #expect(unit.statistics.iotlbHits == 1)
    }

    @Test func queuedInvalidationThroughMemory() throws {
        var (unit, pt, _) = Self.unit(cachingMode: false)
        let queue: UInt64 = 0x7000_0000
        unit.memory.addPage(at: queue)
        unit.memory.addPage(at: 0x7100_0000)
        unit.registers.invalidationQueueAddress = InvalidationQueueAddress(address: queue, wide: true, sizeOrder: 0)
        let read = DMARequest(sourceID: device, address: 0x1000)
        #expect(unit.translate(read).translation != nil)
        try pt.unmap(iova: 0x1000, size: 4096)
        unit.submit([.iotlb(granularity: .page, domainID: 7, address: 0x1000, addressMask: 0, invalidationHint: false, drainReads: true, drainWrites: true),
                     .wait(interrupt: false, statusWrite: true, fence: true, pageRequestDrain: false, statusData: 0x1234_5678, statusAddress: 0x7100_0004)])
        #expect(unit.translate(read).translation != nil)   // submitted but not yet processed
        let done = unit.processInvalidationQueue()
        #expect((try? done.get())?.count == 2)
        #expect(unit.registers.invalidationQueueHead.byteOffset == 64)
        #expect(unit.memory.qword(at: 0x7100_0000) == 0x1234_5678_0000_0000)
        #expect(unit.translate(read).fault != nil)
        // A bad descriptor stops the queue with IQH at it.
        unit.memory.write(0xf, at: queue + 64)
        unit.registers.invalidationQueueTail = InvalidationQueuePointer(96)
        #expect(unit.processInvalidationQueue() == .failure(.invalidDescriptor(index: 2, .invalidType(0xf))))
        #expect(unit.registers.invalidationQueueHead.byteOffset == 64)
    }

    @Test func pasidCacheAndPASIDIOTLB() throws {
        var (unit, pt, sys) = Self.unit(cachingMode: false, mode: .scalable)
        let read = DMARequest(sourceID: device, address: 0x1000)
        #expect(unit.translate(read).translation?.address == 0x50_0000)
        try pt.unmap(iova: 0x1000, size: 4096)
        unit.invalidatePASIDIOTLB(domainID: 7, pasid: 1)           // other PASID: no effect
        #expect(unit.translate(read).translation != nil)
        unit.invalidatePASIDIOTLB(domainID: 7, pasid: 0, address: 0x1000)
        #expect(unit.translate(read).fault?.reason == .smReadDenied)
        // Changing the PASID entry is seen only after a PASID-cache invalidation.
        sys.structures.writePASIDEntry(device, pasid: 0, PASIDTableEntry(translationType: .passThrough, domainID: 7))
        #expect(unit.translate(read).fault != nil)
        unit.invalidatePASIDCache(.pasid, domainID: 7, pasid: 0)
        #expect(unit.translate(read).translation?.passThrough == true)
    }

    @Test func deviceTLB() {
        var sys = TestSystem(mode: .legacy)
        var pt = sys.pageTable(levels: 4)
        try! pt.map(iova: 0x1000, to: 0x50_0000, size: 0x4000, permissions: .readWrite)
        sys.adopt(pt)
        sys.structures.attach(device, domainID: 1, secondStageTable: pt.root, levels: 4)
        let slot = FaultPathTests.legacyContextSlot(sys)
        sys.memory.write(sys.memory.qword(at: slot)! | 0b0100, at: slot)   // TT=01
        let unit = RemappingUnit(registers: sys.registers, memory: sys.memory)
        for a: UInt64 in [0x1000, 0x2000, 0x3000] {
            #expect(unit.deviceTranslationRequest(DMARequest(sourceID: device, address: a)).translation != nil)
        }
        #expect(unit.deviceTLBLookup(device, address: 0x2000)?.address == 0x50_1000)
        // ATS size encoding: S=1 with address bit 12 clear means 8 KiB, here 0x2000-0x3fff.
        unit.invalidateDeviceTLB(device, address: 0x2000, size: true)
        #expect(unit.deviceTLBLookup(device, address: 0x1000) != nil)
        #expect(unit.deviceTLBLookup(device, address: 0x2000) == nil && unit.deviceTLBLookup(device, address: 0x3000) == nil)
        // Bit 12 set, bit 13 clear: 16 KiB, 0x0000-0x3fff.
        unit.invalidateDeviceTLB(device, address: 0x1000, size: true)
        #expect(unit.deviceTLBLookup(device, address: 0x1000) == nil)
    }

    @Test func faultRecordingOverflow() {
        let (unit, _, _) = Self.unit(cachingMode: false)
        for i in 0..<9 { _ = unit.translate(DMARequest(sourceID: device, address: 0x10_0000 + UInt64(i) << 12)) }
        #expect(unit.faultRecords.allSatisfy { $0.fault })
        #expect(unit.faultStatus.primaryPendingFault && unit.faultStatus.primaryFaultOverflow)
        #expect(unit.faultRecords[0].faultInfo == 0x10_0000 && unit.faultRecords[0].reason == .readDenied)
        unit.clearFault(at: 0)
        #expect(!unit.faultRecords[0].fault)
    }
}

@Suite struct CachingModePASIDTests {
    @Test func notPresentPASIDEntryCachedUntilPASIDCacheInvalidation() {
        var sys = TestSystem(mode: .scalable, cap: FullUnit.cap(cachingMode: true))
        var pt = sys.pageTable(levels: 4)
        try! pt.map(iova: 0x1000, to: 0x50_0000, size: 4096, permissions: .read)
        sys.adopt(pt)
        // The context and PASID directory exist, but the RID_PASID entry is not present yet.
        sys.structures.writePASIDEntry(device, pasid: 0, PASIDTableEntry(words: [UInt64](repeating: 0, count: 8)))
        let unit = RemappingUnit(registers: sys.registers, memory: sys.memory)
        let read = DMARequest(sourceID: device, address: 0x1000)
        #expect(unit.translate(read).fault?.reason == .smPASIDEntryNotPresent)
        sys.structures.attach(device, domainID: 3, secondStageTable: pt.root, levels: 4)
        #expect(unit.translate(read).fault?.reason == .smPASIDEntryNotPresent)
        unit.invalidatePASIDCache(.pasid, domainID: 3, pasid: 0)
        #expect(unit.translate(read).translation?.address == 0x50_0000)
    }
}
