#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import SluiceVFIO
import SluiceBinding
import SluiceSystem
import SluiceAudit

/// Where binding reads and writes: overridable so tests and the lab can use other trees.
struct BindingLocations: ParsableArguments {
    @Option(help: "State directory (binding records, journal, lock, sysfs write log).")
    var stateDir = "/var/lib/sluice"
    /// The same `--sysfs-root DIR` as every command: sys/, proc/, etc/ and dev/ are read under it.
    @OptionGroup var root: SysfsRootOption

    var sysfsRoot: String { root.path == "/" ? "/sys" : root.path + "/sys" }
    var hostRoot: String { root.path == "/" ? "" : root.path }

    func open(lock: Bool) throws -> (Binder, StateStore, BindLock?) {
        let store = StateStore(directory: stateDir)
        try store.prepare()
        let held = lock ? try BindLock(store: store) : nil
        let binder = Binder(sysfs: DirectorySysfs(root: sysfsRoot), store: store) { line in
            printErr(line)
        }
        if lock, let r = binder.recoverInterrupted() {
            printErr("recovered an interrupted bind of \(r.recovered.joined(separator: ", ")): rolled back"
                     + (r.problems.isEmpty ? "" : "; problems: \(r.problems.joined(separator: "; "))"))
        }
        return (binder, store, held)
    }
}

func printErr(_ s: String) {
    var e = StandardError()
    print(s, to: &e)
}

struct Bind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bind",
        abstract: "Bind a PCI device (or its whole IOMMU group) to vfio-pci, safely.",
        discussion: "Shows the plan for every member of the device's IOMMU group, refuses when the group cannot be used, then binds with driver_override, unbind and drivers_probe (never new_id), all members or none. `sluice restore` puts the original drivers back.")

    @Argument(help: "Device address, e.g. 0000:01:00.0.") var device: String
    @Flag(help: "Bind every endpoint of the device's IOMMU group (bridges stay on pcieport).") var group = false
    @Flag(help: "Show the plan, change nothing.") var dryRun = false
    @Flag(help: "Machine-readable output.") var json = false
    @Flag(help: "Take a device the host appears to need, or an SR-IOV PF with VFs.") var force = false
    @Option(help: "Hand /dev/vfio/N to USER[:GROUP] (mode 0660) for a non-root VMM.") var owner: String?
    @Flag(help: "Re-apply this binding at boot and hotplug through the udev rule (safety checks run again).") var persist = false
    @Flag(help: ArgumentHelp("Called by the udev rule: owner and persistence come from the state directory.", visibility: .hidden)) var udev = false
    @OptionGroup var locations: BindingLocations

    struct Output: Encodable {
        var plan: BindPlan
        var applied: [BindingRecord]
        var dryRun: Bool
        var error: String?
    }

    func run() throws {
        let (binder, store, lock) = try locations.open(lock: !dryRun)
        defer { withExtendedLifetime(lock) {} }
        var owner = self.owner
        var persist = self.persist
        if udev {
            guard let marker = try? String(decoding: Files.read(store.persistDir + "/" + device), as: UTF8.self) else {
                return  // not a persisted device: nothing to do
            }
            owner = marker.isEmpty ? nil : marker
            persist = true
        }
        let parsedOwner = try owner.map { try GroupOwner.parse($0) }
        // What the host depends on comes from the audit's snapshot, the same facts `sluice audit` reports.
        let critical = try? HostSnapshot.read(root: locations.root.path).hostCriticalDevices()
        let planner = BindPlanner(sysfs: binder.sysfs, host: HostFacts(root: locations.hostRoot, hostCriticalDevices: critical))
        let plan = planner.plan(device, wholeGroup: group, force: force)
        if !json { printPlan(plan) }
        guard plan.allowed else {
            if json { printJSON(Output(plan: plan, applied: [], dryRun: dryRun, error: "refused")) }
            else { for r in plan.refusals { printErr("refused: \(r)") } }
            throw ExitCode(2)
        }
        if dryRun {
            if json { printJSON(Output(plan: plan, applied: [], dryRun: true, error: nil)) } else { print("dry run: nothing changed") }
            return
        }
        // Re-check just before applying: drivers may have moved while the plan was shown.
        let recheck = planner.plan(device, wholeGroup: group, force: force)
        guard recheck == plan else {
            printErr("refused: the group changed between plan and apply; run again")
            throw ExitCode(2)
        }
        do {
            let applied = try binder.apply(plan, owner: parsedOwner?.spec, persist: persist)
            if let o = parsedOwner {
                try store.setGroupOwner(plan.group, user: o.userName, groupName: o.groupName)
                try o.apply(group: plan.group, devRoot: locations.hostRoot + "/dev")
            }
            if json { printJSON(Output(plan: plan, applied: applied, dryRun: false, error: nil)) }
            else {
                print(applied.isEmpty ? "nothing to do: already on vfio-pci" :
                      "bound \(applied.map(\.address).joined(separator: ", ")) to vfio-pci; /dev/vfio/\(plan.group)"
                      + (parsedOwner.map { " owned by \($0.spec)" } ?? ""))
            }
        } catch {
            if json { printJSON(Output(plan: plan, applied: [], dryRun: false, error: "\(error)")) }
            printErr("\(error)")
            throw ExitCode(1)
        }
    }

    func printPlan(_ plan: BindPlan) {
        print("IOMMU group \(plan.group) of \(plan.device):")
        for m in plan.members {
            let f = m.function
            let change: String = switch m.action {
            case .bind: "\(f.driver ?? "no driver") -> vfio-pci"
            case .alreadyBound: "vfio-pci (already)"
            case .keep: "\(f.driver ?? "no driver") (kept\(f.isBridge ? ", bridge" : ""))"
            case .blocks: "\(f.driver ?? "?") (host driver: blocks the group)"
            }
            print("  \(m.requested ? "*" : " ") \(f.address) \(f.vendorDevice)  \(change)")
        }
        for n in plan.notes { print("  note: \(n)") }
    }
}

struct Unbind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unbind",
        abstract: "Detach a device Sluice bound from vfio-pci and give it back to its original driver.")
    @Argument(help: "Device address.") var device: String
    @OptionGroup var locations: BindingLocations

    func run() throws {
        let (binder, store, lock) = try locations.open(lock: true)
        defer { withExtendedLifetime(lock) {} }
        if let g = store.record(device)?.group {
            let holders = GroupHolders.holders(group: g, procRoot: locations.hostRoot + "/proc")
            if !holders.isEmpty {
                printErr("refused: /dev/vfio/\(g) is held open by \(holders.joined(separator: ", ")): the device is busy\n  remedy: stop that process (its VM) first")
                throw ExitCode(2)
            }
        }
        let done = try binder.restore([device])
        print("restored \(done.joined(separator: ", "))")
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put back the original drivers of devices Sluice bound (all of them when none is named), and roll back an interrupted bind.")
    @Argument(help: "Device addresses (default: every device Sluice has a record of).") var devices: [String] = []
    @OptionGroup var locations: BindingLocations

    func run() throws {
        let (binder, store, lock) = try locations.open(lock: true)
        defer { withExtendedLifetime(lock) {} }
        let targets = devices.isEmpty ? store.records().map(\.address) : devices
        let done = try binder.restore(targets)
        print(done.isEmpty ? "nothing to restore" : "restored \(done.joined(separator: ", "))")
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List devices Sluice bound: group, current and original driver, who holds /dev/vfio/N.")
    @Flag(help: "Machine-readable output.") var json = false
    @OptionGroup var locations: BindingLocations

    struct Row: Encodable {
        var address: String, group: Int, driver: String?, originalDriver: String?, owner: String?, persist: Bool, holders: [String]
    }

    func run() throws {
        let store = StateStore(directory: locations.stateDir)
        let sysfs = DirectorySysfs(root: locations.sysfsRoot)
        let rows = store.records().map { r in
            Row(address: r.address, group: r.group, driver: sysfs.linkTarget("bus/pci/devices/\(r.address)/driver"),
                originalDriver: r.originalDriver, owner: r.owner, persist: r.persist,
                holders: GroupHolders.holders(group: r.group, procRoot: locations.hostRoot + "/proc"))
        }
        if json { printJSON(rows); return }
        if store.journal() != nil { print("an interrupted bind is pending: `sluice restore` rolls it back") }
        if rows.isEmpty { print("no devices bound by Sluice"); return }
        for r in rows {
            print("\(r.address)  group \(r.group)  now \(r.driver ?? "none")  original \(r.originalDriver ?? "none")"
                  + (r.owner.map { "  owner \($0)" } ?? "") + (r.persist ? "  persistent" : "")
                  + "  held by: \(r.holders.isEmpty ? "nobody" : r.holders.joined(separator: ", "))")
        }
    }
}
