import SluiceSystem

/// What RLIMIT_MEMLOCK a VFIO user needs: type1 pins (and accounts) every page of guest RAM it
/// maps for DMA, plus what the VMM itself locks. Root has CAP_IPC_LOCK and is never limited.
public struct MemlockBudget: Sendable, Equatable {
    /// Bytes the guest's DMA mappings pin.
    public var guestMemory: UInt64
    /// Headroom beyond guest RAM for what else gets pinned (ROM shadows, rings): 64 MiB.
    public var overhead: UInt64 = 64 << 20

    public init(guestMemory: UInt64) { self.guestMemory = guestMemory }

    public var required: UInt64 { guestMemory + overhead }

    public enum Verdict: Equatable, Sendable {
        case unlimited
        case privileged              // CAP_IPC_LOCK
        case sufficient(limit: UInt64)
        case insufficient(limit: UInt64, needed: UInt64)
    }

    public func judge(softLimit: UInt64?, hasIPCLock: Bool) -> Verdict {
        if hasIPCLock { return .privileged }
        guard let limit = softLimit else { return .unlimited }
        return limit >= required ? .sufficient(limit: limit) : .insufficient(limit: limit, needed: required)
    }

    /// Parses sizes like `16G`, `512M`, `2048K`, `1T`, `4096B` or a plain byte count (binary units,
    /// as QEMU and libvirt use them).
    public static func parseSize(_ text: String) -> UInt64? {
        var t = text.trimmingSpaces
        if t.count > 1, t.last == "B" || t.last == "b" { t.removeLast() }
        return BinarySize.parse(t)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
