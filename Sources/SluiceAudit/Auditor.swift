import SluicePCI
import SluiceSystem

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
        let platform = PlatformFacts(s, memlock: options.guestMemory.map(MemlockBudget.init),
                                     memlockLimit: s.memlockLimit, hasIPCLock: s.hasIPCLock)
        let predictor = GroupPredictor(devices: s.pci.devices, quirks: options.quirks)
        let predicted = predictor.predict()
        let maker = VerdictMaker(snapshot: s, platform: platform, predictor: predictor, predicted: predicted)

        var predictedOfAddress = [PCIAddress: Set<PCIAddress>](minimumCapacity: s.pci.devices.count)
        for g in predicted { let set = Set(g.members); for m in g.members { predictedOfAddress[m] = set } }
        let predictedOf = predictedOfAddress

        let groups = Parallel.map(count: s.groups.count) { i -> GroupSummary in
            let g = s.groups[i]
            let blocking = g.devices.filter { !Viability.managesDMAItself(maker.driver(of: $0)) }
            let matches = g.devices.first.map { predictedOf[$0] == Set(g.devices) }
            var why = g.devices.first.flatMap { maker.predictedExplanations[$0] } ?? []
            if g.devices.count > 1 && why.isEmpty { why = ["(the predictor did not explain this group: see prediction_matches)"] }
            return GroupSummary(id: g.id, type: g.type, members: g.devices.map(\.description), viable: blocking.isEmpty,
                                blockingMembers: blocking.map { "\($0) (\(maker.driver(of: $0) ?? "?"))" },
                                why: g.devices.count > 1 ? why : [], reservedRegions: g.reservedRegions,
                                predictionMatches: matches)
        }
        // Each verdict reads only the shared, finished facts: thousands of them share the CPUs.
        let verdicts = Parallel.map(count: s.pci.devices.count) { maker.make(s.pci.devices[$0]) }
        var problems = s.problems + platform.problems
        let mismatched = groups.filter { $0.predictionMatches == false }.map { "\($0.id)" }
        if !mismatched.isEmpty {
            problems.append("predicted groups differ from the kernel's for group(s) \(mismatched.joined(separator: ", ")) (rules of Linux \(options.quirks.kernelVersion))")
        }
        return AuditReport(root: s.root, kernelRulesVersion: options.quirks.kernelVersion, checks: platform.checks,
                           units: platform.units, groups: groups, devices: verdicts, problems: problems)
    }
}
