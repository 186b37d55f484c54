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
        audit(s, prediction: Prediction(s.pci.devices, quirks: options.quirks))
    }

    /// Reads `root` and audits it. The group prediction and the device names need only the
    /// device scan, so they are made while the rest of the snapshot is read (the groups'
    /// attributes, host files): on a big tree those are serial stretches the second CPU
    /// would otherwise sit out.
    public func audit(root: String) throws(SysfsError) -> (snapshot: HostSnapshot, report: AuditReport) {
        var stages: [Stage]
        do {
            let scan = try HostSnapshot.scanDevices(root: root, names: false)
            let quirks = options.quirks
            stages = Parallel.map(count: 3, serialBelow: 0) { i -> Stage in
                switch i {
                case 1: return .prediction(Prediction(scan.devices, quirks: quirks))
                case 2: return .names(scan.lookUpNames())
                default:
                    do throws(SysfsError) { return .snapshot(try HostSnapshot.read(root: root, scan: scan, resolvingNames: false)) } catch {
                        return .failed(error)
                    }
                }
            }
        }
        guard case .snapshot(var s) = stages[0], case .prediction(let p) = stages[1], case .names(let names) = stages[2] else {
            if case .failed(let error) = stages[0] { throw error }
            preconditionFailure("Auditor: stages out of order")
        }
        // The stages (and the scan, out of scope above) let go of the devices first, so naming
        // them changes the snapshot's own array in place instead of copying thousands.
        stages = []
        // Where `read` would have put them: after the scan's own problems.
        let at = s.pci.problems.count
        s.pci.apply(names)
        s.problems.insert(contentsOf: names.problems, at: at)
        let r = audit(s, prediction: p)
        return (s, r)
    }

    private enum Stage: Sendable {
        case snapshot(HostSnapshot), prediction(Prediction), names(ScanNames), failed(SysfsError)
    }

    /// The groups the predictor forms from the scan, and the tables the verdicts read of them.
    struct Prediction: Sendable {
        let groups: [GroupPredictor.Group]
        let tables: ScanTables
        init(_ devices: [PCIDevice], quirks: KernelQuirks) {
            let predictor = GroupPredictor(devices: devices, quirks: quirks)
            groups = predictor.predict()
            tables = ScanTables(devices: devices, predictor: predictor, predicted: groups)
        }
    }

    private func audit(_ s: HostSnapshot, prediction: Prediction) -> AuditReport {
        let platform = PlatformFacts(s, memlock: options.guestMemory.map(MemlockBudget.init),
                                     memlockLimit: s.memlockLimit, hasIPCLock: s.hasIPCLock)
        let predicted = prediction.groups, tables = prediction.tables
        let maker = VerdictMaker(snapshot: s, platform: platform, tables: tables)

        let groups = Parallel.map(count: s.groups.count) { i -> GroupSummary in
            let g = s.groups[i]
            let blocking = g.devices.filter { !Viability.managesDMAItself(maker.driver(of: $0)) }
            let matches = g.devices.first.map { first -> Bool in
                guard let k = tables.predictedGroup(of: first) else { return false }
                let members = predicted[k].members    // both in address order when they agree
                return members.count == g.devices.count && (members == g.devices || Set(members) == Set(g.devices))
            }
            var why = g.devices.first.map { maker.explanation(of: $0) } ?? []
            if g.devices.count > 1 && why.isEmpty { why = ["(the predictor did not explain this group: see prediction_matches)"] }
            return GroupSummary(id: g.id, type: g.type, members: g.devices.map(\.description), viable: blocking.isEmpty,
                                blockingMembers: blocking.map { "\($0) (\(maker.driver(of: $0) ?? "?"))" },
                                why: g.devices.count > 1 ? why : [], reservedRegions: g.reservedRegions,
                                predictionMatches: matches)
        }
        // Each verdict reads only the shared, finished facts: thousands of them share the CPUs.
        let verdicts = Parallel.map(count: s.pci.devices.count) { maker.make(at: $0) }
        var problems = s.problems + platform.problems
        let mismatched = groups.filter { $0.predictionMatches == false }.map { "\($0.id)" }
        if !mismatched.isEmpty {
            problems.append("predicted groups differ from the kernel's for group(s) \(mismatched.joined(separator: ", ")) (rules of Linux \(options.quirks.kernelVersion))")
        }
        return AuditReport(root: s.root, kernelRulesVersion: options.quirks.kernelVersion, checks: platform.checks,
                           units: platform.units, groups: groups, devices: verdicts, problems: problems)
    }
}
