/// A DMA-remapping hardware unit with its caches: context cache, PASID cache, IOTLB and device
/// IOTLBs, invalidated by register commands or the invalidation queue; faults are recorded in the
/// fault-recording registers.
///
/// The caches make the model show the two hazards software must handle:
/// - a translation stays usable after its table entry is cleared, until an invalidation covering
///   it is processed (any mode);
/// - with caching mode (CAP.CM=1), a not-present result may itself be cached, so a new mapping
///   keeps faulting until it is invalidated; that is why a guest under a virtual IOMMU must
///   invalidate after *adding* mappings, and how a hypervisor learns of them to shadow the tables.
public final class RemappingUnit {
    public var registers: RegisterSet
    public let memory: PhysicalMemory

    // Context cache (requests without PASID, both modes), indexed by source-id.
    @exclusivity(unchecked) private var contextSlot: [Int32]
    @exclusivity(unchecked) private var contexts: [CachedContext] = []
    /// Per source-id summary of a cached second-stage or first-stage context for the hit fast
    /// path: bit 63 valid, bits 51:32 PASID tag (0xfffff: none), bits 15:0 domain-id.
    @exclusivity(unchecked) private var fastContext: [UInt64]
    private var pasidCache: [UInt64: CachedContext] = [:]   // (sid << 20 | pasid) for requests with PASID
    @exclusivity(unchecked) private var iotlb: IOTLB
    private var deviceTLBs: [SourceID: [UInt64: Translation]] = [:]

    public private(set) var faultRecords: [FaultRecord]
    public private(set) var faultStatus = FaultStatus(0)
    @exclusivity(unchecked) public private(set) var statistics = Statistics()

    public struct Statistics: Sendable, Equatable {
        public var iotlbHits = 0, iotlbMisses = 0, contextHits = 0, contextMisses = 0, walks = 0
    }

    enum CachedContext {
        case space(AddressSpace)
        case notPresent(FaultReason)   // caching mode only
    }

    public init(registers: RegisterSet, memory: PhysicalMemory, iotlbCapacity: Int = 4096) {
        self.registers = registers
        self.memory = memory
        contextSlot = Array(repeating: -1, count: 65536)
        fastContext = Array(repeating: 0, count: 65536)
        iotlb = IOTLB(capacity: iotlbCapacity)
        faultRecords = Array(repeating: FaultRecord(low: 0, high: 0), count: registers.capability.numberOfFaultRecordingRegisters)
    }

    var walker: Walker { Walker(memory: memory, registers: registers) }
    var cachingMode: Bool { registers.capability.cachingMode }

    // MARK: translation

    /// Translates a request as the hardware would, using and filling the caches. Faults are
    /// recorded (unless fault processing is disabled) and returned.
    public func translate(_ request: DMARequest) -> TranslationResult {
        if let hit = fastHit(request) { return .translated(hit) }
        let result = translateUnrecorded(request)
        if case .fault(let f) = result, !f.suppressed { record(f) }
        return result
    }

    func translateUnrecorded(_ request: DMARequest) -> TranslationResult {
        var none: [WalkStep]? = nil
        // 1. Context (and PASID) cache.
        let cached: CachedContext? = lookupContext(request)
        let space: AddressSpace
        switch cached {
        case .space(let s)?:
            statistics.contextHits &+= 1
            space = s
        case .notPresent(let reason)?:
            statistics.contextHits &+= 1
            return .fault(Walker.fault(Blocked(reason: reason), request, pasid: request.pasid))
        case nil:
            statistics.contextMisses &+= 1
            switch walker.resolveAddressSpace(request, trace: &none) {
            case .success(let s):
                space = s
                storeContext(.space(s), for: request)
            case .failure(let b):
                if cachingMode && (b.reason == .contextEntryNotPresent || b.reason == .smContextNotPresent
                                   || b.reason == .smPASIDEntryNotPresent || b.reason == .smPASIDDirectoryNotPresent) {
                    storeContext(.notPresent(b.reason), for: request)
                }
                return .fault(Walker.fault(b, request, pasid: request.pasid))
            }
        }
        if let b = space.admit(request) { return .fault(Walker.fault(b, request, pasid: request.pasid)) }

        // 2. IOTLB.
        let pasidTag = space.scalable ? (space.pasid ?? 0) : UInt32.max
        if space.kind != .passThrough, let e = iotlb.lookup(domainID: space.domainID, pasid: pasidTag, address: request.address) {
            statistics.iotlbHits &+= 1
            if e.negative { return .fault(Walker.fault(Blocked(reason: e.negativeReason), request, pasid: request.pasid)) }
            if let b = AccessCheck.check(permissions: e.permissions, user: e.user, request, space) {
                return .fault(Walker.fault(b, request, pasid: request.pasid))
            }
            let offsetMask: UInt64 = (1 << UInt64(e.sizeShift)) - 1
            return .translated(Translation(address: e.output | (request.address & offsetMask), pageSize: 1 << UInt64(e.sizeShift),
                                           permissions: e.permissions, domainID: space.domainID, snoop: e.snoop,
                                           ignorePAT: e.ignorePAT, memoryType: e.memoryType, passThrough: false))
        }
        statistics.iotlbMisses &+= 1
        statistics.walks &+= 1

        // 3. Walk.
        switch PageWalker(memory: memory, registers: registers).walk(space, request, trace: &none) {
        case .failure(var b):
            b.suppressed = b.suppressed || space.faultProcessingDisable
            if cachingMode && b.notPresent {
                var e = IOTLB.Entry()
                e.domainID = space.domainID; e.pasid = pasidTag; e.pageNumber = request.address >> 12
                e.negative = true; e.negativeReason = b.reason
                iotlb.insert(e)
            }
            return .fault(Walker.fault(b, request, pasid: request.pasid))
        case .success(let leaf):
            if space.kind != .passThrough {
                var e = IOTLB.Entry()
                e.domainID = space.domainID; e.pasid = pasidTag
                e.sizeShift = UInt8(leaf.pageSize.trailingZeroBitCount)
                e.pageNumber = request.address >> UInt64(e.sizeShift)
                e.output = leaf.address; e.permissions = leaf.permissions; e.user = leaf.user
                e.snoop = leaf.snoop || space.pageSnoop; e.ignorePAT = leaf.ignorePAT; e.memoryType = leaf.memoryType
                iotlb.insert(e)
            }
            if let b = AccessCheck.check(permissions: leaf.permissions, user: leaf.user, request, space) {
                return .fault(Walker.fault(b, request, pasid: request.pasid))
            }
            return .translated(Translation(address: leaf.address | (request.address & (leaf.pageSize - 1)), pageSize: leaf.pageSize,
                                           permissions: leaf.permissions, domainID: space.domainID,
                                           snoop: leaf.snoop || space.pageSnoop, ignorePAT: leaf.ignorePAT,
                                           memoryType: leaf.memoryType, passThrough: space.kind == .passThrough))
        }
    }

    /// The common case, kept cheap: a plain request (no PASID, not ATS, no execute) from a device
    /// whose second-stage context is cached, hitting a permitted IOTLB entry.
    @inline(__always) private func fastHit(_ request: DMARequest) -> Translation? {
        guard request.pasid == nil, !request.translationRequest, !request.execute, request.address >> 20 != 0xfee else { return nil }
        let summary = fastContext[Int(request.sourceID.raw)]
        guard summary >> 63 == 1 else { return nil }
        let did = UInt16(truncatingIfNeeded: summary)
        let pasidTag = UInt32(truncatingIfNeeded: summary >> 32) & 0xfffff
        guard let e = iotlb.lookup(domainID: did, pasid: pasidTag == 0xfffff ? .max : pasidTag, address: request.address),
              !e.negative, e.permissions.contains(request.isWrite ? .write : .read) else { return nil }
        statistics.iotlbHits &+= 1
        statistics.contextHits &+= 1
        let offsetMask: UInt64 = (1 << UInt64(e.sizeShift)) - 1
        return Translation(address: e.output | (request.address & offsetMask), pageSize: 1 << UInt64(e.sizeShift),
                           permissions: e.permissions, domainID: did, snoop: e.snoop, ignorePAT: e.ignorePAT,
                           memoryType: e.memoryType, passThrough: false)
    }

    @inline(__always) private func lookupContext(_ request: DMARequest) -> CachedContext? {
        if let p = request.pasid { return pasidCache[UInt64(request.sourceID.raw) << 20 | UInt64(p)] }
        let i = contextSlot[Int(request.sourceID.raw)]
        return i < 0 ? nil : contexts[Int(i)]
    }

    private func storeContext(_ c: CachedContext, for request: DMARequest) {
        if let p = request.pasid {
            pasidCache[UInt64(request.sourceID.raw) << 20 | UInt64(p)] = c
            return
        }
        let sid = Int(request.sourceID.raw)
        fastContext[sid] = 0
        if case .space(let s) = c {
            switch s.kind {
            case .secondStage:
                let tag = UInt64(s.scalable ? (s.pasid ?? 0) : 0xfffff)
                fastContext[sid] = 1 << 63 | tag << 32 | UInt64(s.domainID)
            default: break   // first-stage permission rules need the full path
            }
        }
        if contextSlot[sid] >= 0 { contexts[Int(contextSlot[sid])] = c; return }
        contextSlot[sid] = Int32(contexts.count)
        contexts.append(c)
    }

    private func dropContext(_ sid: Int) {
        contextSlot[sid] = -1
        fastContext[sid] = 0
    }

    // MARK: device IOTLB (ATS)

    /// A device with ATS asks for a translation (AT=01) and caches the answer in its device-TLB.
    public func deviceTranslationRequest(_ request: DMARequest) -> TranslationResult {
        var r = request
        r.translationRequest = true
        let result = translate(r)
        if case .translated(let t) = result {
            deviceTLBs[request.sourceID, default: [:]][request.address >> 12] = t
        }
        return result
    }

    /// What the device would use for `address` from its own TLB (a translated request, AT=10).
    public func deviceTLBLookup(_ sourceID: SourceID, address: UInt64) -> Translation? {
        deviceTLBs[sourceID]?[address >> 12]
    }

    // MARK: invalidation

    public var cachedTranslationCount: Int { iotlb.count }
    public var cachedContextCount: Int { contexts.filter { if case .space = $0 { true } else { false } }.count + pasidCache.count }

    public func invalidateContextCache(_ granularity: ContextCacheGranularity, domainID: UInt16 = 0,
                                       sourceID: SourceID = SourceID(0), functionMask: UInt8 = 0) {
        func matches(_ sid: UInt16, _ c: CachedContext) -> Bool {
            switch granularity {
            case .global: return true
            case .domain:
                if case .space(let s) = c { return s.domainID == domainID }
                return true    // a cached not-present entry has no domain: drop it too
            case .device:
                // FM: 01 ignores function bit 2, 10 bits 2:1, 11 bits 2:0.
                let ignore = sourceIDQualifierMask(functionMask)
                return sid | ignore == sourceID.raw | ignore
            }
        }
        for sid in 0..<65536 where contextSlot[sid] >= 0 {
            if matches(UInt16(sid), contexts[Int(contextSlot[sid])]) { dropContext(sid) }
        }
        pasidCache = pasidCache.filter { !matches(UInt16($0.key >> 20), $0.value) }
        if contextSlot.allSatisfy({ $0 < 0 }) { contexts.removeAll() }
    }

    public func invalidatePASIDCache(_ granularity: PASIDCacheGranularity, domainID: UInt16 = 0, pasid: UInt32 = 0) {
        // A cached not-present PASID entry (caching mode) has no domain-id to match: any PASID-cache
        // invalidation drops it, which is what software relies on after making the entry present.
        pasidCache = pasidCache.filter { key, c in
            guard case .space(let s) = c else { return false }
            switch granularity {
            case .global: return false
            case .domain: return s.domainID != domainID
            case .pasid: return !(s.domainID == domainID && UInt32(key & 0xfffff) == pasid)
            }
        }
        // Requests without PASID use RID_PASID: their cached PASID entries go too.
        for sid in 0..<65536 where contextSlot[sid] >= 0 {
            guard case .space(let s) = contexts[Int(contextSlot[sid])] else {
                if case .notPresent(let reason) = contexts[Int(contextSlot[sid])], reason.isScalableMode { dropContext(sid) }
                continue
            }
            guard s.scalable else { continue }
            if granularity == .global || (s.domainID == domainID && (granularity == .domain || s.pasid == pasid)) {
                dropContext(sid)
            }
        }
    }

    public func invalidateIOTLB(_ granularity: IOTLBGranularity, domainID: UInt16 = 0, address: UInt64 = 0, addressMask: Int = 0) {
        switch granularity {
        case .global: iotlb.invalidateAll()
        case .domain: iotlb.invalidate { $0.domainID == domainID }
        case .page: iotlb.invalidate(domainID: domainID, pasid: nil, address: address, addressMask: addressMask)
        }
    }

    public func invalidatePASIDIOTLB(domainID: UInt16, pasid: UInt32, address: UInt64? = nil, addressMask: Int = 0) {
        if let address {
            iotlb.invalidate(domainID: domainID, pasid: pasid, address: address, addressMask: addressMask)
        } else {
            iotlb.invalidate { $0.domainID == domainID && $0.pasid == pasid }
        }
    }

    /// Device-TLB invalidation: S=1 means the address's low set bits encode the range size
    /// (PCIe ATS encoding: the first zero bit above bit 12 marks 2^(n+1) pages).
    public func invalidateDeviceTLB(_ sourceID: SourceID, address: UInt64, size: Bool) {
        var span: UInt64 = 4096
        if size {
            let ones = (~(address >> 12)).trailingZeroBitCount
            span = ones >= 52 ? .max : 4096 << UInt64(ones + 1)
        }
        let base = address & ~(span &- 1) & ~0xfff
        deviceTLBs[sourceID] = deviceTLBs[sourceID]?.filter { page, _ in
            let a = page << 12
            return !(a >= base && a &- base < span)
        }
    }

    /// Register-based invalidation: a write to CCMD_REG with ICC set.
    public func write(contextCommand: ContextCommand) {
        guard contextCommand.invalidate, let g = contextCommand.requestedGranularity else { return }
        invalidateContextCache(g, domainID: contextCommand.domainID, sourceID: contextCommand.sourceID,
                               functionMask: UInt8(contextCommand.functionMask))
    }

    /// Register-based invalidation: IVA_REG then IOTLB_REG with IVT set.
    public func write(invalidateAddress: InvalidateAddressRegister, iotlb command: IOTLBInvalidateRegister) {
        guard command.invalidate, let g = command.requestedGranularity else { return }
        invalidateIOTLB(g, domainID: command.domainID, address: invalidateAddress.address, addressMask: invalidateAddress.addressMask)
    }

    // MARK: fault recording

    /// Records a fault in the next fault-recording register (round robin from FSTS.FRI), or sets
    /// PFO if that register still holds an unserviced fault.
    public func record(_ fault: DMAFault) {
        let index = faultStatus.faultRecordIndex % faultRecords.count
        if faultRecords[index].fault {
            faultStatus = FaultStatus(faultStatus.raw | 1)   // PFO
            return
        }
        faultRecords[index] = FaultRecord(fault: fault)
        let next = UInt64((index + 1) % faultRecords.count)
        faultStatus = FaultStatus((faultStatus.raw & ~UInt64.mask(15, 8)) | .field(next, 15, 8) | 2)   // PPF
    }

    /// Software clears a fault-recording register's F bit (write 1 to clear).
    public func clearFault(at index: Int) {
        guard faultRecords.indices.contains(index) else { return }
        faultRecords[index].high &= ~(1 << 63)
        if !faultRecords.contains(where: \.fault) { faultStatus = FaultStatus(faultStatus.raw & ~2) }
    }
}
