/// Queued invalidation: the unit fetches descriptors from IQA between IQH and IQT and executes them.
extension RemappingUnit {
    public enum QueueError: Error, Equatable {
        /// IQT not aligned to the descriptor width, or beyond the queue (IQE, info 1 / 6).
        case invalidTail
        /// The descriptor's memory is not in the image (IQE, info 2).
        case fetchError(index: Int)
        /// Unknown type or reserved bits set (IQE); IQH is left at the bad descriptor.
        case invalidDescriptor(index: Int, InvalidationDescriptor.DecodeError)
    }

    /// Executes one descriptor.
    public func execute(_ descriptor: InvalidationDescriptor) {
        switch descriptor {
        case let .contextCache(g, did, sid, fm):
            invalidateContextCache(g, domainID: did, sourceID: sid, functionMask: fm)
        case let .iotlb(g, did, address, am, _, _, _):
            invalidateIOTLB(g, domainID: did, address: address, addressMask: Int(am))
        case let .deviceTLB(sid, _, _, address, size):
            invalidateDeviceTLB(sid, address: address, size: size)
        case .interruptEntryCache:
            break   // the interrupt remapper reads the table directly: nothing cached
        case let .wait(_, statusWrite, _, _, data, address):
            if statusWrite, let q = memory.qword(at: address & ~7) {
                let shift = (address & 4) * 8
                memory.write((q & ~(0xffff_ffff << shift)) | UInt64(data) << shift, at: address & ~7)
            }
        case let .pasidIOTLB(page, did, pasid, address, am, _):
            invalidatePASIDIOTLB(domainID: did, pasid: pasid, address: page ? address : nil, addressMask: Int(am))
        case let .pasidCache(g, did, pasid):
            invalidatePASIDCache(g, domainID: did, pasid: pasid)
        case let .pasidDeviceTLB(sid, _, _, _, address, size, _):
            invalidateDeviceTLB(sid, address: address, size: size)
        }
    }

    /// Processes the queue from IQH to IQT (wrapping), updating IQH. Returns the descriptors executed.
    @discardableResult
    public func processInvalidationQueue() -> Result<[InvalidationDescriptor], QueueError> {
        let iqa = registers.invalidationQueueAddress
        let wide = iqa.wideDescriptors
        let count = iqa.entryCount
        let tailOffset = registers.invalidationQueueTail.byteOffset
        guard tailOffset % UInt64(iqa.descriptorBytes) == 0, registers.invalidationQueueTail.index(wide: wide) < count else {
            return .failure(.invalidTail)
        }
        let tail = registers.invalidationQueueTail.index(wide: wide)
        var head = registers.invalidationQueueHead.index(wide: wide) % count
        var done: [InvalidationDescriptor] = []
        while head != tail {
            let address = iqa.address + UInt64(head * iqa.descriptorBytes)
            guard let q = memory.qwords(at: address, count: wide ? 4 : 2) else { return .failure(.fetchError(index: head)) }
            switch InvalidationDescriptor.decode(q) {
            case .failure(let e): return .failure(.invalidDescriptor(index: head, e))
            case .success(let d):
                execute(d)
                done.append(d)
            }
            head = (head + 1) % count
            registers.invalidationQueueHead = InvalidationQueuePointer(UInt64(head * iqa.descriptorBytes))
        }
        return .success(done)
    }

    /// Software side: writes descriptors at IQT and advances it (wrapping). For tests and what-ifs.
    public func submit(_ descriptors: [InvalidationDescriptor]) {
        let iqa = registers.invalidationQueueAddress
        var tail = registers.invalidationQueueTail.index(wide: iqa.wideDescriptors)
        for d in descriptors {
            let base = iqa.address + UInt64(tail * iqa.descriptorBytes)
            for (i, q) in d.encode(wide: iqa.wideDescriptors).enumerated() { memory.write(q, at: base + UInt64(i * 8)) }
            tail = (tail + 1) % iqa.entryCount
        }
        registers.invalidationQueueTail = InvalidationQueuePointer(UInt64(tail * iqa.descriptorBytes))
    }
}
