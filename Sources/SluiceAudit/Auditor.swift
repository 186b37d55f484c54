import SluicePCI
#if canImport(Glibc)
import Glibc
#endif

/// Runs the audit over a snapshot: platform checks, groups (the kernel's, and the predictor's
/// for comparison and explanation), and a verdict per device.
public struct Auditor {
    public struct Options: Sendable {
        /// Guest RAM to check RLIMIT_MEMLOCK against (`--guest-memory 16G`).
        public var guestMemory: UInt64?
        public var quirks: KernelQuirks = .linux6_1
        public init(guestMemory: UInt64? = nil) { self.guestMemory = guestMemory }
    }

    public let options: Options
    public init(options: Options = Options()) { self.options = options }

    public func audit(_ s: HostSnapshot) -> AuditReport {
        var limit: UInt64? = nil
        var ipcLock = false
        if s.isLiveHost, options.guestMemory != nil {
            (limit, ipcLock) = Self.callerMemlock()
        }
        let platform = PlatformFacts(s, memlock: options.guestMemory.map(MemlockBudget.init), memlockLimit: limit, hasIPCLock: ipcLock)
        let predictor = GroupPredictor(devices: s.pci.devices, quirks: options.quirks)
        let predicted = predictor.predict()
        let maker = VerdictMaker(snapshot: s, platform: platform, predictor: predictor, predicted: predicted)

        var predictedOf: [PCIAddress: Set<PCIAddress>] = [:]
        for g in predicted { let set = Set(g.members); for m in g.members { predictedOf[m] = set } }
        var reasonsOf: [PCIAddress: Set<GroupPredictor.Reason>] = [:]
        for g in predicted { for m in g.members { reasonsOf[m] = g.reasons } }

        let groups = s.groups.map { g -> GroupSummary in
            let blocking = g.devices.filter { !Viability.managesDMAItself(maker.devices[$0]?.driver) }
            let matches = g.devices.first.map { predictedOf[$0] == Set(g.devices) }
            var why = (g.devices.first.flatMap { reasonsOf[$0] } ?? []).map(predictor.explain).sorted()
            if g.devices.count > 1 && why.isEmpty { why = ["(the predictor did not explain this group: see predictionMatches)"] }
            return GroupSummary(id: g.id, type: g.type, members: g.devices.map(\.description), viable: blocking.isEmpty,
                                blockingMembers: blocking.map { "\($0) (\(maker.devices[$0]?.driver ?? "?"))" },
                                why: g.devices.count > 1 ? why : [], reservedRegions: g.reservedRegions,
                                predictionMatches: matches)
        }
        var problems = s.problems + platform.problems
        let mismatched = groups.filter { $0.predictionMatches == false }.map { "\($0.id)" }
        if !mismatched.isEmpty {
            problems.append("predicted groups differ from the kernel's for group(s) \(mismatched.joined(separator: ", ")) (rules of Linux \(options.quirks.kernelVersion))")
        }
        return AuditReport(root: s.root, kernelRulesVersion: options.quirks.kernelVersion, checks: platform.checks,
                           units: platform.units, groups: groups, devices: s.pci.devices.map(maker.make), problems: problems)
    }

    /// The caller's RLIMIT_MEMLOCK soft limit (nil = unlimited) and whether it has CAP_IPC_LOCK.
    static func callerMemlock() -> (UInt64?, Bool) {
        var rl = rlimit()
        let limit: UInt64? = getrlimit(__rlimit_resource_t(8) /* RLIMIT_MEMLOCK */, &rl) == 0 && rl.rlim_cur != rlim_t.max /* RLIM_INFINITY */ ? UInt64(rl.rlim_cur) : nil
        // CapEff bit 14 is CAP_IPC_LOCK.
        var ipcLock = false
        if let status = try? SysfsRoot.open("/").readText("proc/self/status", limit: 1 << 16) {
            for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
                if let v = UInt64(line.dropFirst(7).trimmingSpaces, radix: 16) { ipcLock = v & (1 << 14) != 0 }
            }
        }
        return (limit, ipcLock)
    }
}

extension Substring {
    var trimmingSpaces: String { String(self).trimmingSpaces }
}
