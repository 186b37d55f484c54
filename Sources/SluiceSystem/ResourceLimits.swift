#if canImport(Glibc)
import Glibc
#endif

/// Resource limits and capabilities that decide how much memory a process may pin for DMA.
public enum ResourceLimits {
    /// The soft RLIMIT_MEMLOCK of this process; nil when unlimited (RLIM_INFINITY).
    public static func memlock() -> UInt64? {
        var r = rlimit()
        guard getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &r) == 0 else { return nil }
        return r.rlim_cur == rlim_t.max ? nil : UInt64(r.rlim_cur)
    }

    /// Whether the effective capability set (CapEff of /proc/self/status) holds CAP_IPC_LOCK,
    /// which exempts a process from RLIMIT_MEMLOCK.
    public static func hasIPCLock(status: String? = try? Files.readText("/proc/self/status", limit: 1 << 16)) -> Bool {
        for line in (status ?? "").split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).filter { !$0.isWhitespace }
            if let v = UInt64(String(hex), radix: 16) { return v & (1 << 14) != 0 }
        }
        return false
    }
}
