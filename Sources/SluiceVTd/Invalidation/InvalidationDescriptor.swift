/// Queued-invalidation descriptors (VT-d spec Section 6.5.2), encoded bit-exact.
/// Type is split: bits 3:0 low, bits 11:9 high. 128-bit descriptors; with IQA.DW=1 each occupies
/// 256 bits whose upper 128 bits are zero for every type modelled here.
public enum InvalidationDescriptor: Sendable, Equatable {
    case contextCache(granularity: ContextCacheGranularity, domainID: UInt16, sourceID: SourceID, functionMask: UInt8)
    case iotlb(granularity: IOTLBGranularity, domainID: UInt16, address: UInt64, addressMask: UInt8,
               invalidationHint: Bool, drainReads: Bool, drainWrites: Bool)
    case deviceTLB(sourceID: SourceID, physicalFunction: SourceID, maxPending: UInt8, address: UInt64, size: Bool)
    case interruptEntryCache(indexSelective: Bool, index: UInt16, indexMask: UInt8)
    case wait(interrupt: Bool, statusWrite: Bool, fence: Bool, pageRequestDrain: Bool, statusData: UInt32, statusAddress: UInt64)
    /// PASID-based IOTLB: granularity 2 = all mappings of the PASID, 3 = page-selective within the PASID.
    case pasidIOTLB(pageSelective: Bool, domainID: UInt16, pasid: UInt32, address: UInt64, addressMask: UInt8, invalidationHint: Bool)
    /// PASID cache: granularity 0 = domain-selective, 1 = PASID-selective, 3 = global.
    case pasidCache(granularity: PASIDCacheGranularity, domainID: UInt16, pasid: UInt32)
    case pasidDeviceTLB(sourceID: SourceID, physicalFunction: SourceID, maxPending: UInt8, pasid: UInt32,
                        address: UInt64, size: Bool, global: Bool)

    public var typeCode: UInt64 {
        switch self {
        case .contextCache: 1
        case .iotlb: 2
        case .deviceTLB: 3
        case .interruptEntryCache: 4
        case .wait: 5
        case .pasidIOTLB: 6
        case .pasidCache: 7
        case .pasidDeviceTLB: 8
        }
    }

    /// The descriptor as 2 (128-bit) or 4 (256-bit) qwords.
    public func encode(wide: Bool = false) -> [UInt64] {
        let type = typeCode
        var q0 = (type & 0xf) | .field(type >> 4, 11, 9)
        var q1: UInt64 = 0
        func pfsid(_ pf: SourceID) -> UInt64 {
            .field(UInt64(pf.raw) & 0xf, 15, 12) | .field(UInt64(pf.raw) >> 4, 63, 52)
        }
        switch self {
        case let .contextCache(g, did, sid, fm):
            q0 |= .field(g.rawValue, 5, 4) | .field(UInt64(did), 31, 16) | .field(UInt64(sid.raw), 47, 32) | .field(UInt64(fm), 49, 48)
        case let .iotlb(g, did, address, am, ih, dr, dw):
            q0 |= .field(g.rawValue, 5, 4) | .flag(dw, 6) | .flag(dr, 7) | .field(UInt64(did), 31, 16)
            if g == .page { q1 = (address & ~0xfff) | .flag(ih, 6) | .field(UInt64(am), 5, 0) }
        case let .deviceTLB(sid, pf, mip, address, size):
            q0 |= pfsid(pf) | .field(UInt64(mip), 20, 16) | .field(UInt64(sid.raw), 47, 32)
            q1 = (address & ~0xfff) | .flag(size, 0)
        case let .interruptEntryCache(selective, index, mask):
            q0 |= .flag(selective, 4) | .field(UInt64(mask), 31, 27) | .field(UInt64(index), 47, 32)
        case let .wait(interrupt, sw, fence, pd, data, address):
            q0 |= .flag(interrupt, 4) | .flag(sw, 5) | .flag(fence, 6) | .flag(pd, 7) | .field(UInt64(data), 63, 32)
            q1 = address & ~3
        case let .pasidIOTLB(page, did, pasid, address, am, ih):
            q0 |= .field(page ? 3 : 2, 5, 4) | .field(UInt64(did), 31, 16) | .field(UInt64(pasid), 51, 32)
            if page { q1 = (address & ~0xfff) | .flag(ih, 6) | .field(UInt64(am), 5, 0) }
        case let .pasidCache(g, did, pasid):
            q0 |= .field(g.rawValue, 5, 4) | .field(UInt64(did), 31, 16) | .field(UInt64(pasid), 51, 32)
        case let .pasidDeviceTLB(sid, pf, mip, pasid, address, size, global):
            q0 |= .field(UInt64(mip), 8, 4) | pfsid(pf) | .field(UInt64(sid.raw), 31, 16) | .field(UInt64(pasid), 51, 32)
            q1 = (address & ~0xfff) | .flag(size, 11) | .flag(global, 0)
        }
        return wide ? [q0, q1, 0, 0] : [q0, q1]
    }

    public enum DecodeError: Error, Equatable {
        case invalidType(UInt64)
        case reservedBitsSet(type: UInt64, mask: [UInt64])
        case badLength(Int)
    }

    /// Decodes a 128- or 256-bit descriptor, rejecting unknown types and non-zero reserved fields
    /// (the conditions under which hardware sets FSTS.IQE).
    public static func decode(_ q: [UInt64]) -> Result<InvalidationDescriptor, DecodeError> {
        guard q.count == 2 || q.count == 4 else { return .failure(.badLength(q.count)) }
        let q0 = q[0], q1 = q[1]
        let type = q0.bits(3, 0) | q0.bits(11, 9) << 4
        let upper = q.count == 4 ? q[2] | q[3] : 0
        func reserved(_ r0: UInt64, _ r1: UInt64) -> DecodeError? {
            (q0 & r0) != 0 || (q1 & r1) != 0 || upper != 0
                ? .reservedBitsSet(type: type, mask: [q0 & r0, q1 & r1] + (q.count == 4 ? [q[2], q[3]] : [])) : nil
        }
        let sid16 = { (hi: Int, lo: Int) in SourceID(UInt16(q0.bits(hi, lo))) }
        let pf = SourceID(UInt16(q0.bits(15, 12) | q0.bits(63, 52) << 4))
        switch type {
        case 1:
            guard let g = ContextCacheGranularity(rawValue: q0.bits(5, 4)) else { return .failure(.reservedBitsSet(type: 1, mask: [q0 & 0x30, 0])) }
            if let e = reserved(.mask(8, 6) | .mask(15, 12) | .mask(63, 50), ~0) { return .failure(e) }
            return .success(.contextCache(granularity: g, domainID: UInt16(q0.bits(31, 16)), sourceID: sid16(47, 32), functionMask: UInt8(q0.bits(49, 48))))
        case 2:
            guard let g = IOTLBGranularity(rawValue: q0.bits(5, 4)) else { return .failure(.reservedBitsSet(type: 2, mask: [q0 & 0x30, 0])) }
            if let e = reserved(.mask(8, 8) | .mask(15, 12) | .mask(63, 32), .mask(11, 7)) { return .failure(e) }
            return .success(.iotlb(granularity: g, domainID: UInt16(q0.bits(31, 16)), address: q1 & ~0xfff, addressMask: UInt8(q1.bits(5, 0)),
                                   invalidationHint: q1.bit(6), drainReads: q0.bit(7), drainWrites: q0.bit(6)))
        case 3:
            if let e = reserved(.mask(8, 4) | .mask(31, 21) | .mask(51, 48), .mask(11, 1)) { return .failure(e) }
            return .success(.deviceTLB(sourceID: sid16(47, 32), physicalFunction: pf, maxPending: UInt8(q0.bits(20, 16)),
                                       address: q1 & ~0xfff, size: q1.bit(0)))
        case 4:
            if let e = reserved(.mask(8, 5) | .mask(26, 12) | .mask(63, 48), ~0) { return .failure(e) }
            return .success(.interruptEntryCache(indexSelective: q0.bit(4), index: UInt16(q0.bits(47, 32)), indexMask: UInt8(q0.bits(31, 27))))
        case 5:
            if let e = reserved(.mask(8, 8) | .mask(31, 12), .mask(1, 0)) { return .failure(e) }
            return .success(.wait(interrupt: q0.bit(4), statusWrite: q0.bit(5), fence: q0.bit(6), pageRequestDrain: q0.bit(7),
                                  statusData: UInt32(q0.bits(63, 32)), statusAddress: q1 & ~3))
        case 6:
            let g = q0.bits(5, 4)
            guard g >= 2 else { return .failure(.reservedBitsSet(type: 6, mask: [q0 & 0x30, 0])) }
            if let e = reserved(.mask(8, 6) | .mask(15, 12) | .mask(63, 52), .mask(11, 7)) { return .failure(e) }
            return .success(.pasidIOTLB(pageSelective: g == 3, domainID: UInt16(q0.bits(31, 16)), pasid: UInt32(q0.bits(51, 32)),
                                        address: q1 & ~0xfff, addressMask: UInt8(q1.bits(5, 0)), invalidationHint: q1.bit(6)))
        case 7:
            guard let g = PASIDCacheGranularity(rawValue: q0.bits(5, 4)) else { return .failure(.reservedBitsSet(type: 7, mask: [q0 & 0x30, 0])) }
            if let e = reserved(.mask(8, 6) | .mask(15, 12) | .mask(63, 52), ~0) { return .failure(e) }
            return .success(.pasidCache(granularity: g, domainID: UInt16(q0.bits(31, 16)), pasid: UInt32(q0.bits(51, 32))))
        case 8:
            if let e = reserved(0, .mask(10, 1)) { return .failure(e) }
            return .success(.pasidDeviceTLB(sourceID: sid16(31, 16), physicalFunction: pf, maxPending: UInt8(q0.bits(8, 4)),
                                            pasid: UInt32(q0.bits(51, 32)), address: q1 & ~0xfff, size: q1.bit(11), global: q1.bit(0)))
        default:
            return .failure(.invalidType(type))
        }
    }
}

public enum PASIDCacheGranularity: UInt64, Sendable, Codable { case domain = 0, pasid = 1, global = 3 }
