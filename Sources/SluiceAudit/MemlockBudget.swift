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

    /// Parses sizes like `16G`, `512M`, `2048K`, `1T` or a plain byte count (binary units, as QEMU and libvirt use).
    public static func parseSize(_ text: String) -> UInt64? {
        let t = text.trimmingSpaces
        guard let last = t.last else { return nil }
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(t)
        var scale: UInt64 = 1
        if let u = units[Character(last.uppercased())] {
            scale = u
            digits = t.dropLast()
            if digits.last == "i" || digits.last == "I" { return nil }
        } else if last == "B" || last == "b" {
            return parseSize(String(t.dropLast()))
        }
        guard let n = UInt64(digits) else { return nil }
        let (r, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : r
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
