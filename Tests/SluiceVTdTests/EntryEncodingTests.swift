import Testing
@testable import SluiceVTd

/// Entries encoded as the spec lays them out; expected values written by hand and checked against
/// the Linux driver's setters (context_set_*, pasid_set_*, DMA_PTE_*), which produce the same bits.
@Suite struct EntryEncodingTests {
    @Test func legacyRootAndContext() {
        let root = RootEntry(contextTable: 0x7f3a_2000)
        #expect(root.low == 0x7f3a_2001 && root.high == 0 && root.present)
        // DID 1, 3-level (AW=1), TT=00, SSPTPTR 0x12345000.
        let ctx = ContextEntry(domainID: 1, secondStageTable: 0x1234_5000, levels: 3)
        #expect(ctx.low == 0x1234_5001 && ctx.high == 0x101)
        #expect(ctx.levels == 3 && ctx.domainID == 1 && ctx.translationType == .untranslatedOnly)
        let pt = ContextEntry(domainID: 0xffff, secondStageTable: 0, levels: 4, translationType: .passThrough, faultProcessingDisable: true)
        #expect(pt.low == 0b1011 && pt.high == 0xff_ff02)
        let (r0, r1) = ContextEntry(low: 0x1234_5011, high: 0x80).reservedBits(hostAddressWidth: 39)
        #expect(r0 == 0x10 && r1 == 0x80)
        #expect(RootEntry(low: 0x80_0000_0001).reservedBits(hostAddressWidth: 39) == 0x80_0000_0000)
    }

    @Test func scalableRootContextAndPASID() {
        let root = ScalableRootEntry(lowerContextTable: 0x1000, upperContextTable: 0x2000)
        #expect(root.low == 0x1001 && root.high == 0x2001)
        #expect(root.half(for: 0x80, hostAddressWidth: 52).pointer == 0x2000)
        let ctx = ScalableContextEntry(pasidDirectory: 0x5000, directorySizeOrder: 2, ridPASID: 7, pasidEnable: true, deviceTLBEnable: true)
        #expect(ctx.words.0 == 0x5000 | 2 << 9 | 1 << 3 | 1 << 2 | 1)
        #expect(ctx.words.1 == 7 && ctx.directoryEntries == 512)
        #expect(PASIDDirectoryEntry(pasidTable: 0x6000).raw == 0x6001)
        // Second-stage only (PGTT=2), AW=2 (4-level), DID 5: what Linux's pasid_setup_second_level writes
        // (plus PGSNP when it enforces snooping).
        let pe = PASIDTableEntry(translationType: .secondStage, domainID: 5, secondStageTable: 0x7000, levels: 4, pageSnoop: true)
        #expect(pe.words[0] == 0x7000 | 2 << 6 | 2 << 2 | 1)
        #expect(pe.words[1] == 5 | 1 << 24)
        #expect(pe.words[2] == 1 << 5)   // NXE (first-stage field, default on)
        #expect(pe.translationType == .secondStage && pe.secondStageLevels == 4 && pe.domainID == 5 && pe.pageSnoop)
        let fs = PASIDTableEntry(translationType: .firstStage, domainID: 9, firstStageTable: 0x8000, firstStage5Level: true,
                                 supervisorEnable: true, writeProtectEnable: true)
        #expect(fs.words[0] & 0x1ff == 1 << 6 | 2 << 2 | 1)
        #expect(fs.words[2] == 0x8000 | 1 << 5 | 1 << 4 | 1 << 2 | 1)
        #expect(fs.firstStagePagingMode == 1 && fs.supervisorRequestEnable && fs.writeProtectEnable)
    }

    @Test func secondStageEntries() {
        // DMA_PTE_READ | DMA_PTE_WRITE | DMA_PTE_LARGE_PAGE on a 2 MiB page.
        #expect(SecondStageEntry(page: 0x20_0000, pageSize: 0x20_0000, permissions: .readWrite).raw == 0x20_0083)
        #expect(SecondStageEntry(page: 0x4000_0000, pageSize: 1 << 30, permissions: .read, snoop: true).raw == 0x4000_0881)
        let leaf = SecondStageEntry(page: 0x1234_5000, pageSize: 4096, permissions: [.read, .execute], ignorePAT: true, memoryType: 6)
        #expect(leaf.raw == 0x1234_5000 | 0b101 | 6 << 3 | 1 << 6)
        #expect(leaf.memoryType == 6 && leaf.ignorePAT && leaf.permissions == [.read, .execute])
        // A 2 MiB leaf with address bits 20:12 set is malformed; PS at a PML4E is reserved.
        let bad2M = SecondStageEntry(0x20_1083)
        #expect(bad2M.reservedBits(level: 2, hostAddressWidth: 52, largePages: 3, snoopControl: true) == 0x1000)
        #expect(SecondStageEntry(0x5083).reservedBits(level: 4, hostAddressWidth: 52, largePages: 3, snoopControl: true) == 0x80)
        // Without 1-GiB support, PS in a PDPE is reserved.
        #expect(SecondStageEntry(0x4000_0083).reservedBits(level: 3, hostAddressWidth: 52, largePages: 1, snoopControl: false) == 0x80)
        // SNP without snoop control is reserved.
        #expect(SecondStageEntry(0x5803).reservedBits(level: 1, hostAddressWidth: 52, largePages: 3, snoopControl: false) == 0x800)
    }

    @Test func firstStageEntries() {
        #expect(FirstStageEntry(table: 0x9000).raw == 0x9007)
        #expect(FirstStageEntry(page: 0x20_0000, pageSize: 0x20_0000, writable: false, user: true, executeDisable: true).raw
                == 0x8000_0000_0020_0085)
        #expect(FirstStageEntry(0x8000_0000_0000_1001).reservedBits(level: 1, hostAddressWidth: 52, oneGiBPages: true, noExecuteEnable: false)
                == 0x8000_0000_0000_0000)
    }

    @Test func faultRecordMatchesWhatLinuxDecodes() {
        // The lab's fault: DMA read by 01:00.0 at 0x200000000, reason 6.
        let request = DMARequest(sourceID: device, address: 0x2_0000_0123)
        let fault = DMAFault(reason: .readDenied, sourceID: device, pasid: nil, address: request.address, request: request, suppressed: false)
        let r = FaultRecord(fault: fault)
        #expect(r.low == 0x2_0000_0000)
        #expect(r.high == 0xc000_0006_0000_0100)
        // Linux reads dword 3 (bits 127:96): F = bit 31, type = bit 30 (1 = read), reason = bits 7:0.
        let dword3 = UInt32(r.high >> 32)
        #expect(dword3 >> 31 == 1 && (dword3 >> 30) & 1 == 1)
        #expect(r.reason == .readDenied && r.requestType == .read && r.sourceID == device && r.pasid == nil)
        let w = FaultRecord(fault: DMAFault(reason: .smWriteDenied, sourceID: device, pasid: 0x12345,
                                            address: 0x1000, request: DMARequest(sourceID: device, pasid: 0x12345, address: 0x1000, kind: .write),
                                            suppressed: false))
        #expect(w.pasid == 0x12345 && w.requestType == .write && w.reason.code == 0x85)
    }
}
