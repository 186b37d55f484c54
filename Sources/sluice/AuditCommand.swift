import ArgumentParser
import SluiceAudit
import SluicePCI
#if canImport(Glibc)
import Glibc
#endif

/// `sluice audit`: can each device be assigned to a guest safely, and if not, why not.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Tell, for every PCI device, whether it can be assigned to a guest safely and why not.",
        discussion: """
        Checks the platform (IOMMU present and on, interrupt remapping enabled, unsafe modes, RMRRs, \
        VFIO readiness), the IOMMU groups (viability, and why each is as big as it is, after the \
        kernel's rules), what the host itself depends on (route NICs, mounted disks, boot VGA, \
        running VMs) and gives one verdict per device: assignable, assignable-with-group, unsafe \
        or blocked, with the remedy. JSON follows schema sluice.audit/1 (docs/json-schema-audit.md).

        Exit codes: 0 no platform check failed (with --device: the device is assignable, alone \
        or with its group); 2 a platform check failed; 3 --device is unsafe; 4 --device is \
        blocked; 5 --device names no PCI function; 6 the sysfs root cannot be read; 64 bad arguments.
        """)

    @OptionGroup var root: SysfsRootOption

    @Option(name: .customLong("device"), help: ArgumentHelp("Judge only this device; the exit code says whether it is assignable.", valueName: "DDDD:BB:DD.F"))
    var device: [String] = []

    @Option(name: .customLong("guest-memory"), help: ArgumentHelp("Check RLIMIT_MEMLOCK against a guest of this size (e.g. 16G).", valueName: "SIZE"))
    var guestMemory: String?

    @Option(name: .customLong("what-if-acs"), help: ArgumentHelp("Predict the groups as if this bridge had ACS enabled (repeatable).", valueName: "BRIDGE"))
    var whatIfACS: [String] = []

    @Flag(help: "Machine-readable output (schema sluice.audit/1).")
    var json = false

    @Flag(name: .shortAndLong, help: "Show evidence, remapping units, group explanations and reset details.")
    var verbose = false

    @Flag(name: .customLong("color"), inversion: .prefixedNo, help: "Colour the report (default: when stdout is a terminal).")
    var colour: Bool?

    func run() throws {
        var options = Auditor.Options()
        if let g = guestMemory {
            guard let size = MemlockBudget.parseSize(g) else { throw ValidationError("--guest-memory: cannot read size '\(g)' (try 16G or 512M)") }
            options.guestMemory = size
        }
        var wanted: Set<String>? = nil
        if !device.isEmpty {
            var set = Set<String>()
            for d in device {
                guard let a = PCIAddress(d) ?? PCIAddress("0000:" + d) else { throw ValidationError("--device: '\(d)' is not a PCI address (DDDD:BB:DD.F)") }
                set.insert(a.description)
            }
            wanted = set
        }
        let snapshot: HostSnapshot
        var report: AuditReport
        do { (snapshot, report) = try Auditor(options: options).audit(root: root.path) } catch {
            var err = StandardError()
            print("sluice audit: cannot read \(root.path): \(error)", to: &err)
            throw ExitCode(6)
        }
        if let wanted {
            let missing = wanted.subtracting(report.devices.map(\.address))
            if !missing.isEmpty {
                var err = StandardError()
                print("sluice audit: no PCI function \(missing.sorted().joined(separator: ", ")) under \(root.path)", to: &err)
                throw ExitCode(5)
            }
            if json { report.devices = report.devices.filter { wanted.contains($0.address) } }
        }
        if !whatIfACS.isEmpty {
            try printWhatIf(snapshot)
            return
        }
        if json {
            AuditJSON.write(report) { writeStdout($0) }
            writeStdout("\n")
        } else {
            print(AuditText(colour: colour ?? (isatty(1) == 1), verbose: verbose).render(report, onlyDevices: wanted))
        }
        var code: Int32 = 0
        if let wanted {
            let verdicts = report.devices.filter { wanted.contains($0.address) }.map(\.verdict)
            code = verdicts.contains(.blocked) ? 4 : verdicts.contains(.unsafe) ? 3 : 0
        } else if report.checks.contains(where: { $0.status == .fail }) {
            code = 2
        }
        endProcess(code)
    }

    /// `--what-if-acs`: the predicted groups that change when the named bridges get ACS.
    private func printWhatIf(_ snapshot: HostSnapshot) throws {
        var bridges = Set<PCIAddress>()
        for b in whatIfACS {
            guard let a = PCIAddress(b) ?? PCIAddress("0000:" + b) else { throw ValidationError("--what-if-acs: '\(b)' is not a PCI address") }
            bridges.insert(a)
        }
        let now = GroupPredictor(devices: snapshot.pci.devices)
        let then = now.assumingACS(on: bridges)
        let before = Set(now.predict().map { $0.members }), after = Set(then.predict().map { $0.members })
        let gone = before.subtracting(after).sorted { $0[0] < $1[0] }
        let new = after.subtracting(before).sorted { $0[0] < $1[0] }
        if json {
            struct WhatIf: Encodable { let assumeACSOn: [String]; let groupsNow: [[String]]; let groupsThen: [[String]] }
            printJSON(WhatIf(assumeACSOn: bridges.sorted().map(\.description),
                             groupsNow: gone.map { $0.map(\.description) }, groupsThen: new.map { $0.map(\.description) }))
            return
        }
        if gone.isEmpty { print("With ACS on \(bridges.sorted().map(\.description).joined(separator: ", ")): no group changes."); return }
        print("With ACS on \(bridges.sorted().map(\.description).joined(separator: ", ")):")
        for g in gone { print("  now:  [\(g.map(\.description).joined(separator: " "))]") }
        for g in new { print("  then: [\(g.map(\.description).joined(separator: " "))]") }
    }
}
