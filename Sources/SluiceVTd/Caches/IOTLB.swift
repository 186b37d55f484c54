/// The IOTLB: translations cached by (domain-id, PASID, page), as hardware does: once cached, an
/// entry is served without reading the tables, until an invalidation that covers it (or eviction).
/// Direct-mapped and fixed-size, like a hardware TLB; a lookup probes the 4-KiB, 2-MiB and 1-GiB
/// slots for the address. Entries with `negative` set are cached not-present results (caching mode).
struct IOTLB {
    struct Entry {
        var valid = false
        var domainID: UInt16 = 0
        var pasid: UInt32 = .max        // .max: request without PASID
        var pageNumber: UInt64 = 0      // input address >> log2(pageSize)
        var sizeShift: UInt8 = 12
        var output: UInt64 = 0
        var permissions: Permissions = []
        var user = true
        var snoop = false
        var ignorePAT = false
        var memoryType: UInt8 = 0
        var negative = false
        var negativeReason = FaultReason(code: 0)
    }

    private(set) var entries: [Entry]
    private let mask: Int

    init(capacity: Int = 4096) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0)
        entries = Array(repeating: Entry(), count: capacity)
        mask = capacity - 1
    }

    @inline(__always) private func slot(_ did: UInt16, _ pasid: UInt32, _ page: UInt64, _ shift: UInt8) -> Int {
        var h = page &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(did) &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(pasid) &* 0x1656_67B1_9E37_79F9 ^ UInt64(shift)
        return Int(truncatingIfNeeded: h >> 32) & mask
    }

    @inline(__always) func lookup(domainID: UInt16, pasid: UInt32, address: UInt64) -> Entry? {
        var shift: UInt8 = 12
        while shift <= 30 {
            let page = address >> UInt64(shift)
            let e = entries[slot(domainID, pasid, page, shift)]
            if e.valid && e.pageNumber == page && e.sizeShift == shift && e.domainID == domainID && e.pasid == pasid { return e }
            shift += 9
        }
        return nil
    }

    mutating func insert(_ e: Entry) {
        var e = e
        e.valid = true
        entries[slot(e.domainID, e.pasid, e.pageNumber, e.sizeShift)] = e
    }

    var count: Int { entries.reduce(0) { $0 + ($1.valid ? 1 : 0) } }

    mutating func invalidate(where predicate: (Entry) -> Bool) {
        for i in entries.indices where entries[i].valid && predicate(entries[i]) { entries[i].valid = false }
    }

    mutating func invalidateAll() { invalidate { _ in true } }

    /// Page-selective: entries of `domainID` (and `pasid` if given) whose page overlaps the
    /// 2^addressMask pages starting at `address` (aligned down to that size, as the spec requires).
    mutating func invalidate(domainID: UInt16, pasid: UInt32?, address: UInt64, addressMask: Int) {
        let span: UInt64 = 4096 << UInt64(addressMask)
        let base = address & ~(span - 1)
        invalidate { e in
            guard e.domainID == domainID, pasid == nil || e.pasid == pasid else { return false }
            let start = e.pageNumber << UInt64(e.sizeShift)
            let end = start &+ (1 << UInt64(e.sizeShift))
            return start < base &+ span && base < end
        }
    }
}
