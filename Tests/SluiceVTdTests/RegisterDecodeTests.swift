import Testing
@testable import SluiceVTd

/// Known values: the lab's QEMU 7.2 intel-iommu (NOTES.md), decoded by hand from the spec's
/// field table and matching what Linux prints/uses (FRO 0x220 and IRO 0xf0 are QEMU's
/// DMAR_FRCD_REG_OFFSET and DMAR_IVA_REG).
@Suite struct RegisterDecodeTests {
    @Test func labCapability() {
        let cap = Capability(LabRegisters.cap)
        #expect(cap.numberOfDomains == 65536)
        #expect(!cap.advancedFaultLogging && !cap.requiredWriteBufferFlushing)
        #expect(!cap.protectedLowMemoryRegion && !cap.protectedHighMemoryRegion)
        #expect(cap.cachingMode)
        #expect(cap.supportedAdjustedGuestAddressWidths == 0b10)
        #expect(cap.supportedSecondStageLevels == [3])
        #expect(cap.maximumGuestAddressWidth == 39)
        #expect(!cap.zeroLengthRead)
        #expect(cap.faultRecordingRegisterOffset == 0x220)
        #expect(cap.supports2MiBSecondStage && cap.supports1GiBSecondStage)
        #expect(cap.pageSelectiveInvalidation)
        #expect(cap.numberOfFaultRecordingRegisters == 1)
        #expect(cap.maximumAddressMaskValue == 18)
        #expect(cap.writeDraining && cap.readDraining)
        #expect(!cap.firstStage1GiBPages && !cap.postedInterrupts && !cap.firstStage5LevelPaging)
        #expect(cap.fields.count == 21)
        #expect(cap.fields.first { $0.name == "FRO" }?.value == 0x22)
    }

    @Test func labExtendedCapabilityLegacy() {
        let e = ExtendedCapability(LabRegisters.ecapLegacy)
        #expect(e.queuedInvalidation && e.interruptRemapping && e.passThrough)
        #expect(!e.pageWalkCoherency && !e.deviceTLB && !e.extendedInterruptMode && !e.snoopControl)
        #expect(e.iotlbRegisterOffset == 0xf0)
        #expect(e.maximumHandleMaskValue == 15)
        #expect(!e.scalableModeTranslation && !e.secondStageTranslation && !e.firstStageTranslation && !e.pasid)
    }

    @Test func labExtendedCapabilityScalable() {
        let e = ExtendedCapability(LabRegisters.ecapScalable)
        #expect(e.scalableModeTranslation && e.secondStageTranslation && e.supervisorRequests)
        #expect(!e.firstStageTranslation && !e.nestedTranslation && !e.pasid && !e.ridPASID)
        #expect(e.iotlbRegisterOffset == 0xf0 && e.queuedInvalidation && e.interruptRemapping && e.passThrough)
    }

    @Test func versionAndStatus() {
        let v = Version(0x10)
        #expect(v.major == 1 && v.minor == 0)
        let g = GlobalStatus(0xc700_0000)   // TES RTPS QIES IRES IRTPS: what Linux leaves enabled
        #expect(g.translationEnabled && g.rootTablePointerSet && g.queuedInvalidationEnabled)
        #expect(g.interruptRemappingEnabled && g.interruptRemapTablePointerSet && !g.compatibilityFormatInterrupts)
        #expect(GlobalCommand.translationEnable.rawValue == 0x8000_0000)
        #expect(GlobalCommand.compatibilityFormatInterrupt.rawValue == 0x0080_0000)
    }

    @Test func rootTableAddressModes() {
        #expect(RootTableAddress(0x1234_5000).mode == .legacy)
        #expect(RootTableAddress(0x1234_5400).mode == .scalable)
        #expect(RootTableAddress(0x1234_5c00).mode == .abortDMA)
        #expect(RootTableAddress(address: 0x7f00_0000, mode: .scalable).raw == 0x7f00_0400)
    }

    @Test func commandRegisters() {
        // Linux: DMA_CCMD_ICC | DMA_CCMD_GLOBAL_INVL = 1<<63 | 1<<61.
        #expect(ContextCommand(granularity: .global).raw == 0xa000_0000_0000_0000)
        let c = ContextCommand(granularity: .device, domain: 5, source: device, functionMask: 0)
        #expect(c.raw == 0xe000_0000_0100_0005)
        #expect(c.sourceID == device && c.domainID == 5 && c.requestedGranularity == .device)
        // Linux: DMA_TLB_IVT | DMA_TLB_DSI_FLUSH | DMA_TLB_DID(7) | DMA_TLB_READ_DRAIN | DMA_TLB_WRITE_DRAIN.
        let t = IOTLBInvalidateRegister(granularity: .domain, domain: 7, drainReads: true, drainWrites: true)
        #expect(t.raw == 0xa003_0007_0000_0000)
        #expect(InvalidateAddressRegister(address: 0x20_0000, addressMask: 9, invalidationHint: true).raw == 0x20_0049)
    }

    @Test func queueAndInterruptTableRegisters() {
        let iqa = InvalidationQueueAddress(0x7f00_0800)   // DW=1, QS=0
        #expect(iqa.wideDescriptors && iqa.entryCount == 128 && iqa.address == 0x7f00_0000)
        #expect(InvalidationQueueAddress(0x7f00_0000).entryCount == 256)
        #expect(InvalidationQueuePointer(0x40).index(wide: false) == 4)
        #expect(InvalidationQueuePointer(0x40).index(wide: true) == 2)
        // Linux programs IRTA with S=0xf (65536 entries) and EIME for x2APIC.
        let irta = InterruptRemapTableAddress(0x1_2340_080f)
        #expect(irta.entryCount == 65536 && irta.extendedInterruptMode && irta.address == 0x1_2340_0000)
        #expect(FaultStatus(0x0302).primaryPendingFault && FaultStatus(0x0302).faultRecordIndex == 3)
        #expect(FaultEventControl(0x8000_0000).interruptMask)
    }

    @Test func registerFileRoundTrip() throws {
        var r = RegisterSet()
        try r.set("CAP", LabRegisters.cap)
        try r.set("ecap", LabRegisters.ecapScalable)
        try r.set("RTADDR", 0x1000_0400)
        try r.set("HAW", 39)
        let again = try RegisterSet(parsing: r.text)
        #expect(again == r)
        #expect(throws: VTdInputError.self) { try RegisterSet(parsing: "CAP zzz\n") }
        #expect(throws: VTdInputError.self) { try RegisterSet(parsing: "BOGUS 1\n") }
        #expect(throws: VTdInputError.self) { try RegisterSet(parsing: "HAW 99\n") }
    }
}
