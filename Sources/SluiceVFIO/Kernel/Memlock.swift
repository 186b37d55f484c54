#if canImport(Glibc)
import SluiceSystem
import Glibc
#endif
import CSluice

/// MAP_DMA and IOMMU_IOAS_MAP pin pages and charge them to RLIMIT_MEMLOCK (type1 counts them in
/// VmLck, iommufd in VmPin). When the limit is the reason a map failed, this says exactly how much is needed.
public struct MemlockShortfall: Sendable, Equatable, CustomStringConvertible {
    /// Bytes this process would hold locked after the map: what RLIMIT_MEMLOCK must allow.
    public var requiredBytes: UInt64
    public var limitBytes: UInt64
    public var lockedBytes: UInt64
    public var requestBytes: UInt64

    public var description: String {
        "A DMA mapping of \(requestBytes) bytes exceeds RLIMIT_MEMLOCK: \(lockedBytes) bytes already locked, "
            + "limit \(limitBytes), so the limit must be at least \(requiredBytes) bytes "
            + "(\((requiredBytes + 1023) / 1024) KiB). Remedy: `ulimit -l \((requiredBytes + 1023) / 1024)` "
            + "or LimitMEMLOCK=\(requiredBytes) in the service, or a memlock line in /etc/security/limits.conf."
    }

    /// The shortfall for mapping `request` more bytes, or nil when the limit is not the cause
    /// (unlimited, or enough headroom: then ENOMEM meant something else).
    public static func diagnose(request: UInt64, limit: UInt64, locked: UInt64) -> MemlockShortfall? {
        let required = locked.addingReportingOverflow(request)
        if limit == UInt64.max || (!required.overflow && required.partialValue <= limit) { return nil }
        return MemlockShortfall(requiredBytes: required.overflow ? .max : required.partialValue,
                                limitBytes: limit, lockedBytes: locked, requestBytes: request)
    }

    /// The current process's soft RLIMIT_MEMLOCK (UInt64.max for unlimited).
    public static func currentLimit() -> UInt64 {
        ResourceLimits.memlock() ?? .max
    }
}

/// Fields of /proc/self/status that account locked and pinned memory.
public enum ProcStatus {
    /// A "Name:   N kB" line of /proc/self/status in bytes, or nil.
    public static func kilobyteField(_ name: String, in status: String) -> UInt64? {
        // Over UTF-8 bytes (the file is ASCII): Character.isNumber would page Unicode property
        // tables into the VMM process.
        let key = Array(name.utf8) + [UInt8(ascii: ":")]
        for line in status.utf8.split(separator: UInt8(ascii: "\n")) where line.starts(with: key) {
            let digits = line.dropFirst(key.count).filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard let kB = UInt64(String(decoding: digits, as: UTF8.self)) else { return nil }
            let (bytes, overflow) = kB.multipliedReportingOverflow(by: 1024)
            return overflow ? nil : bytes
        }
        return nil
    }

    public static func read() -> String { (try? Files.readText("/proc/self/status")) ?? "" }
    public static var lockedBytes: UInt64 { kilobyteField("VmLck", in: read()) ?? 0 }
    public static var pinnedBytes: UInt64 { kilobyteField("VmPin", in: read()) ?? 0 }
}
