import CSluice
import SluiceSystem
import SystemPackage

/// An IO address space inside an iommufd; destroyed when this value goes.
public final class IOAS: DMAMapper, @unchecked Sendable {
    public let iommufd: IOMMUFD
    public let id: UInt32
    init(iommufd: IOMMUFD, id: UInt32) { self.iommufd = iommufd; self.id = id }
    deinit { iommufd.destroy(id) }

    /// IOMMU_IOAS_MAP at a fixed IOVA (what a VMM needs: IOVA = guest physical address).
    public func map(vaddr: UInt64, iova: UInt64, size: UInt64, access: DMAAccess) throws(VFIOError) {
        _ = try map(vaddr: vaddr, fixedIOVA: iova, size: size, access: access)
    }

    /// IOMMU_IOAS_MAP at an IOVA the kernel chooses; returns it.
    public func map(vaddr: UInt64, size: UInt64, access: DMAAccess) throws(VFIOError) -> UInt64 {
        try map(vaddr: vaddr, fixedIOVA: nil, size: size, access: access)
    }

    private func map(vaddr: UInt64, fixedIOVA: UInt64?, size: UInt64, access: DMAAccess) throws(VFIOError) -> UInt64 {
        var m = csluice_iommu_ioas_map()
        m.size = UInt32(MemoryLayout<csluice_iommu_ioas_map>.size)
        m.flags = (fixedIOVA != nil ? UInt32(CSLUICE_IOMMU_IOAS_MAP_FIXED_IOVA) : 0)
            | (access.contains(.read) ? UInt32(CSLUICE_IOMMU_IOAS_MAP_READABLE) : 0)
            | (access.contains(.write) ? UInt32(CSLUICE_IOMMU_IOAS_MAP_WRITEABLE) : 0)
        m.ioas_id = id
        m.user_va = vaddr
        m.length = size
        m.iova = fixedIOVA ?? 0
        do {
            try IOCTL.call(iommufd.fd.descriptor, CSLUICE_IOMMU_IOAS_MAP, "IOMMU_IOAS_MAP", &m)
        } catch {
            throw explainMapFailure(error.errno, iova: fixedIOVA, size: size)
        }
        return m.iova
    }

    /// What an IOMMU_IOAS_MAP errno means here, checked against what the IOAS reports.
    func explainMapFailure(_ errno: Errno, iova: UInt64?, size: UInt64) -> VFIOError {
        let what = "IOMMU_IOAS_MAP ioas \(id) " + (iova.map { "iova 0x\(String($0, radix: 16))" } ?? "any iova")
            + " size 0x\(String(size, radix: 16))"
        // iommufd charges pins to the user's RLIMIT_MEMLOCK (or, with CAP_IPC_LOCK, to nothing)
        // and shows them in this process's VmPin, not VmLck: that is the count to compare.
        if errno == .noMemory, let s = MemlockShortfall.diagnose(
            request: size, limit: MemlockShortfall.currentLimit(), locked: ProcStatus.pinnedBytes) {
            return .memlockLimit(s)
        }
        if errno == .invalidArgument, let iova, let usable = try? usableRanges(),
           let why = IOMMUInfo.explainRejectedMap(ranges: usable.ranges, alignment: max(usable.alignment, 1), iova: iova, size: size) {
            return .invalidArgument("\(what): \(why)")
        }
        if errno == .fileExists { return .invalidArgument("\(what): overlaps an existing mapping (EEXIST)") }
        return .system(SystemError(errno, what))
    }

    /// IOMMU_IOAS_UNMAP; returns the number of bytes unmapped.
    @discardableResult
    public func unmap(iova: UInt64, size: UInt64) throws(VFIOError) -> UInt64 {
        var u = csluice_iommu_ioas_unmap()
        u.size = UInt32(MemoryLayout<csluice_iommu_ioas_unmap>.size)
        u.ioas_id = id
        u.iova = iova
        u.length = size
        do {
            try IOCTL.call(iommufd.fd.descriptor, CSLUICE_IOMMU_IOAS_UNMAP, "IOMMU_IOAS_UNMAP", &u)
        } catch {
            throw .system(SystemError(error.errno, "IOMMU_IOAS_UNMAP ioas \(id) iova 0x\(String(iova, radix: 16)) size 0x\(String(size, radix: 16))"))
        }
        return u.length
    }

    public func iovaRanges() throws(VFIOError) -> [ClosedRange<UInt64>] { try usableRanges().ranges }

    /// IOMMU_IOAS_IOVA_RANGES: the IOVA ranges a mapping may use (every attached device's
    /// reserved regions, the MSI window among them, are left out) and the IOVA alignment.
    public func usableRanges() throws(VFIOError) -> (ranges: [ClosedRange<UInt64>], alignment: UInt64) {
        var capacity = 16
        // The kernel says how many ranges there are when the array is too small (EMSGSIZE).
        for _ in 0..<4 {
            var ranges = [csluice_iommu_iova_range](repeating: .init(), count: capacity)
            var r = csluice_iommu_ioas_iova_ranges()
            r.size = UInt32(MemoryLayout<csluice_iommu_ioas_iova_ranges>.size)
            r.ioas_id = id
            r.num_iovas = UInt32(capacity)
            let result: Result<Void, SystemError> = ranges.withUnsafeMutableBufferPointer { p in
                r.allowed_iovas = UInt64(UInt(bitPattern: p.baseAddress))
                return Result { () throws(SystemError) in
                    try IOCTL.call(iommufd.fd.descriptor, CSLUICE_IOMMU_IOAS_IOVA_RANGES, "IOMMU_IOAS_IOVA_RANGES", &r)
                }
            }
            if case .failure(let e) = result {
                guard e.errno == .messageTooLong, r.num_iovas > UInt32(capacity), r.num_iovas <= 65536 else {
                    throw .system(SystemError(e.errno, "IOMMU_IOAS_IOVA_RANGES ioas \(id)"))
                }
                capacity = Int(r.num_iovas)
                continue
            }
            var out: [ClosedRange<UInt64>] = []
            for range in ranges.prefix(Int(r.num_iovas)) {
                guard range.start <= range.last else {
                    throw .malformed("IOMMU_IOAS_IOVA_RANGES range 0x\(String(range.start, radix: 16))-0x\(String(range.last, radix: 16)) is reversed")
                }
                out.append(range.start...range.last)
            }
            return (out, r.out_iova_alignment)
        }
        throw .malformed("IOMMU_IOAS_IOVA_RANGES kept growing")
    }
}
