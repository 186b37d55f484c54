import Testing
@testable import SluiceVTd

/// Descriptors against the Linux driver's QI_* encodings (which follow the spec's layouts).
private func qw(_ q0: UInt64, _ q1: UInt64 = 0, wide: Bool = false) -> [UInt64] { wide ? [q0, q1, 0, 0] : [q0, q1] }

@Suite struct InvalidationDescriptorTests {
    @Test func knownEncodings() {
        // QI_CC_TYPE | QI_CC_GRAN(global).
        #expect(InvalidationDescriptor.contextCache(granularity: .global, domainID: 0, sourceID: SourceID(0), functionMask: 0).encode() == [0x11, 0])
        #expect(InvalidationDescriptor.contextCache(granularity: .device, domainID: 3, sourceID: device, functionMask: 2).encode()
                == qw(0x1 | 3 << 4 | 3 << 16 | 0x100 << 32 | 2 << 48))
        // QI_IOTLB_TYPE | GRAN(PSI) | DR | DW | DID(1); addr 0x1000, AM 0.
        #expect(InvalidationDescriptor.iotlb(granularity: .page, domainID: 1, address: 0x1000, addressMask: 0,
                                             invalidationHint: false, drainReads: true, drainWrites: true).encode() == [0x1_00f2, 0x1000])
        #expect(InvalidationDescriptor.iotlb(granularity: .domain, domainID: 2, address: 0, addressMask: 0,
                                             invalidationHint: false, drainReads: false, drainWrites: false).encode() == [0x2_0022, 0])
        // Device-TLB: SID << 32, QDEP << 16, PFSID split 15:12 / 63:52, size bit 0.
        let pf = SourceID(0x1234)
        #expect(InvalidationDescriptor.deviceTLB(sourceID: device, physicalFunction: pf, maxPending: 0x10, address: 0x7000, size: true).encode()
                == qw(0x3 | 0x4 << 12 | 0x10 << 16 | 0x100 << 32 | 0x123 << 52, 0x7001))
        // IEC index-selective: QI_IEC_SELECTIVE | IIDX << 32 | IM << 27.
        #expect(InvalidationDescriptor.interruptEntryCache(indexSelective: true, index: 0x40, indexMask: 2).encode() == qw(0x4 | 1 << 4 | 2 << 27 | 0x40 << 32))
        // Wait: status write + fence, data 1, address 0x7f00_1000.
        #expect(InvalidationDescriptor.wait(interrupt: false, statusWrite: true, fence: true, pageRequestDrain: false,
                                            statusData: 1, statusAddress: 0x7f00_1000).encode() == [0x1_0000_0065, 0x7f00_1000])
        // PASID-based IOTLB (type 6), page-selective granularity 3.
        #expect(InvalidationDescriptor.pasidIOTLB(pageSelective: true, domainID: 4, pasid: 0x55, address: 0x20_0000, addressMask: 9,
                                                  invalidationHint: true).encode(wide: true)
                == qw(0x6 | 3 << 4 | 4 << 16 | 0x55 << 32, 0x20_0049, wide: true))
        // PASID cache (type 7), PASID-selective (1).
        #expect(InvalidationDescriptor.pasidCache(granularity: .pasid, domainID: 4, pasid: 0x55).encode(wide: true)
                == qw(0x7 | 1 << 4 | 4 << 16 | 0x55 << 32, wide: true))
        // Type 8 has its type high bits clear (8 < 16); a type >= 16 would use bits 11:9.
        #expect(InvalidationDescriptor.pasidDeviceTLB(sourceID: device, physicalFunction: device, maxPending: 0, pasid: 1,
                                                      address: 0x1000, size: false, global: true).encode()[0] & 0xf == 8)
    }

    @Test func roundTripsAndRejects() {
        let all: [InvalidationDescriptor] = [
            .contextCache(granularity: .domain, domainID: 9, sourceID: device, functionMask: 1),
            .iotlb(granularity: .page, domainID: 1, address: 0x4000_0000, addressMask: 18, invalidationHint: true, drainReads: false, drainWrites: true),
            .deviceTLB(sourceID: device, physicalFunction: SourceID(0xabcd), maxPending: 31, address: 0x1000, size: false),
            .interruptEntryCache(indexSelective: false, index: 0, indexMask: 0),
            .wait(interrupt: true, statusWrite: false, fence: false, pageRequestDrain: true, statusData: 0xdead_beef, statusAddress: 0x1234_5678),
            .pasidIOTLB(pageSelective: false, domainID: 1, pasid: 0xfffff, address: 0, addressMask: 0, invalidationHint: false),
            .pasidCache(granularity: .global, domainID: 0, pasid: 0),
            .pasidDeviceTLB(sourceID: device, physicalFunction: SourceID(0xffff), maxPending: 7, pasid: 3, address: 0x5000, size: true, global: false),
        ]
        for d in all {
            #expect(InvalidationDescriptor.decode(d.encode()) == .success(d))
            #expect(InvalidationDescriptor.decode(d.encode(wide: true)) == .success(d))
        }
        #expect(InvalidationDescriptor.decode([0x9, 0]) == .failure(.invalidType(9)))
        #expect(InvalidationDescriptor.decode([0x0, 0]) == .failure(.invalidType(0)))
        if case .failure(.reservedBitsSet) = InvalidationDescriptor.decode([0x11 | 1 << 8, 0]) {} else { Issue.record("reserved bit 8 accepted") }
        if case .failure(.reservedBitsSet) = InvalidationDescriptor.decode([0x11, 0, 1, 0]) {} else { Issue.record("upper half accepted") }
        if case .failure(.reservedBitsSet) = InvalidationDescriptor.decode([0x6 | 1 << 4, 0]) {} else { Issue.record("P_IOTLB G=1 accepted") }
        #expect(InvalidationDescriptor.decode([1]) == .failure(.badLength(1)))
    }
}
