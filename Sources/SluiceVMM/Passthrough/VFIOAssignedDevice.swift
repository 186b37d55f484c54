import SluiceSystem
import SluiceVFIO
import SystemPackage

/// A device opened through SluiceVFIO (`VFIO.open`) as the VMM's `AssignedDevice`: regions,
/// config space, interrupts and reset go to the VFIO device fd; BAR pieces are mmapped from it.
public final class VFIOAssignedDevice: AssignedDevice {
    public let session: VFIOSession
    private var regions: [Int: RegionInfo] = [:]
    private var intxTrigger: CInt?
    private var intxUnmask: CInt?
    private var intxEnabled = false

    public init(session: VFIOSession) { self.session = session }

    public var name: String { session.device.name }
    public var kvmVFIOFile: CInt? { session.kvmFile }

    private func region(_ index: Int) throws(VFIOError) -> RegionInfo {
        if let r = regions[index] { return r }
        let r = try session.device.region(UInt32(index))
        regions[index] = r
        return r
    }

    public func regionInfo(_ index: Int) throws -> AssignedRegionInfo? {
        let r = try region(index)
        guard r.size > 0 else { return nil }
        return AssignedRegionInfo(size: r.size, readable: r.flags.contains(.read), writable: r.flags.contains(.write),
                                  mmappable: r.flags.contains(.mmap),
                                  sparseAreas: r.sparseAreas?.map { GuestRange(start: $0.offset, size: $0.size) })
    }

    public func mapRegion(_ index: Int, offset: UInt64, size: Int) throws -> MemoryMapping {
        let r = try region(index)
        guard r.flags.contains(.mmap), offset <= r.size, UInt64(size) <= r.size - offset else {
            throw VFIOError.invalidArgument("mmap of \(size) bytes at 0x\(String(offset, radix: 16)) of region \(index)")
        }
        return try MemoryMapping(file: session.device.fd.descriptor, offset: Int64(r.offset + offset), size: size,
                                 writable: r.flags.contains(.write), what: "\(name) region \(index) at 0x\(String(offset, radix: 16))")
    }

    public func readRegion(_ index: Int, offset: UInt64, size: Int) throws -> UInt64 {
        let bytes = try session.device.read(region: try region(index), offset: offset, count: size)
        return bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    public func writeRegion(_ index: Int, offset: UInt64, size: Int, value: UInt64) throws {
        try session.device.write(region: try region(index), offset: offset,
                                 bytes: (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) })
    }

    public func readConfig(offset: Int, size: Int) throws -> UInt32 {
        UInt32(truncatingIfNeeded: try readRegion(Int(VFIOPCI.configRegion), offset: UInt64(offset), size: size))
    }

    public func writeConfig(offset: Int, size: Int, value: UInt32) throws {
        try writeRegion(Int(VFIOPCI.configRegion), offset: UInt64(offset), size: size, value: UInt64(value))
    }

    private static func index(_ kind: AssignedInterruptKind) -> UInt32 {
        switch kind {
        case .intx: return VFIOPCI.intx
        case .msi: return VFIOPCI.msi
        case .msix: return VFIOPCI.msix
        }
    }

    public func interruptCount(_ kind: AssignedInterruptKind) -> Int {
        Int((try? session.device.irq(Self.index(kind)).count) ?? 0)
    }

    /// vfio-pci runs one interrupt type at a time (enabling MSI or MSI-X while INTx is on is
    /// EINVAL), as a PCI function does: INTx is switched off while MSI/MSI-X are on and back on,
    /// with its resample fd, when they go off.
    public func setInterrupts(_ kind: AssignedInterruptKind, start: Int, eventFDs: [CInt]) throws {
        switch kind {
        case .intx:
            intxTrigger = eventFDs.first
            try session.device.setTriggers(index: VFIOPCI.intx, start: UInt32(start), eventfds: eventFDs)
            intxEnabled = !eventFDs.isEmpty
        case .msi, .msix:
            if !eventFDs.isEmpty && intxEnabled {
                try session.device.disableIRQs(index: VFIOPCI.intx)
                intxEnabled = false
            }
            try session.device.setTriggers(index: Self.index(kind), start: UInt32(start), eventfds: eventFDs)
            if eventFDs.isEmpty, let trigger = intxTrigger {
                try session.device.enableINTx(trigger: trigger, unmask: intxUnmask)
                intxEnabled = true
            }
        }
    }

    public func setINTxUnmask(eventFD: CInt?) throws {
        intxUnmask = eventFD
        guard let trigger = intxTrigger else { return }
        try session.device.enableINTx(trigger: trigger, unmask: eventFD)
        intxEnabled = true
    }

    public func reset() throws { try session.device.reset() }
}

/// The session's IOMMU address space (type1 container or iommufd IOAS) as the VMM's DMA mapper.
public final class VFIOGuestDMA: GuestDMAMapper {
    public let mapper: any SluiceVFIO.DMAMapper
    public let reservedIOVARanges: [GuestRange]

    /// Reads the usable IOVA ranges once: everything outside them (the MSI window, above the
    /// IOMMU's address width) is reserved, and guest RAM is laid out around it.
    public init(_ mapper: any SluiceVFIO.DMAMapper) throws(VFIOError) {
        self.mapper = mapper
        reservedIOVARanges = Self.complement(of: try mapper.iovaRanges())
    }

    /// The gaps between `usable` ranges below 2^52 (the largest guest-physical address x86 has).
    static func complement(of usable: [ClosedRange<UInt64>]) -> [GuestRange] {
        let top: UInt64 = 1 << 52
        var gaps: [GuestRange] = []
        var cursor: UInt64 = 0
        for r in usable.sorted(by: { $0.lowerBound < $1.lowerBound }) where r.lowerBound < top {
            if r.lowerBound > cursor { gaps.append(GuestRange(start: cursor, end: r.lowerBound)) }
            cursor = max(cursor, r.upperBound == UInt64.max ? top : min(top, r.upperBound + 1))
        }
        if cursor < top { gaps.append(GuestRange(start: cursor, end: top)) }
        return gaps
    }

    public func mapDMA(iova: UInt64, memory: MemoryMapping, offset: Int, size: Int) throws {
        guard memory.contains(offset: offset, count: size) else {
            throw VFIOError.invalidArgument("DMA map of \(size) bytes at offset \(offset) outside guest RAM")
        }
        try mapper.map(vaddr: UInt64(UInt(bitPattern: memory.base + offset)), iova: iova, size: UInt64(size),
                       access: .readWrite)
    }

    public func unmapDMA(iova: UInt64, size: Int) throws { try mapper.unmap(iova: iova, size: UInt64(size)) }
}
