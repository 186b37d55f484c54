/// Applies bind plans: driver_override + unbind + drivers_probe (never new_id), verified, all
/// members or none, with a journal so a crash is rolled back on the next run, and every sysfs
/// write logged.
public final class Binder {
    public let sysfs: SysfsIO
    public let store: StateStore
    public var log: (String) -> Void

    public init(sysfs: SysfsIO, store: StateStore, log: @escaping (String) -> Void = { _ in }) {
        self.sysfs = sysfs
        self.store = store
        self.log = log
    }

    public struct Failure: Error, CustomStringConvertible {
        public var step: String
        public var underlying: String
        public var rolledBack: [String]
        public var rollbackProblems: [String]
        public var description: String {
            var s = "bind failed at \(step): \(underlying)"
            s += rolledBack.isEmpty ? "" : "\nrolled back to their original drivers: \(rolledBack.joined(separator: ", "))"
            if !rollbackProblems.isEmpty { s += "\nROLLBACK INCOMPLETE: " + rollbackProblems.joined(separator: "; ") }
            return s
        }
    }

    func write(_ path: String, _ value: String) throws(SysfsWriteError) {
        let shown = value == "\n" ? "\\n" : value
        do {
            try sysfs.write(path, value)
            log("sysfs: \(path) <- \(shown)")
            store.appendLog("write \(path) <- \(shown): ok")
        } catch {
            log("sysfs: \(path) <- \(shown) FAILED: \(error)")
            store.appendLog("write \(path) <- \(shown): \(error)")
            throw error
        }
    }

    func driver(_ a: String) -> String? { sysfs.linkTarget("bus/pci/devices/\(a)/driver") }

    /// Binds every `.bind` member of the plan to vfio-pci, or none of them.
    public func apply(_ plan: BindPlan, owner: String?, persist: Bool) throws -> [BindingRecord] {
        let members = plan.toBind.map {
            BindingRecord(address: $0.address, originalDriver: $0.driver, originalOverride: $0.driverOverride,
                          group: plan.group, owner: owner, persist: persist)
        }
        guard !members.isEmpty else { return [] }
        try store.writeJournal(BindJournal(members: members))
        var touched: [BindingRecord] = []
        for m in members {
            touched.append(m)
            let dir = "bus/pci/devices/\(m.address)"
            var step = "driver_override of \(m.address)"
            do throws(SysfsWriteError) {
                try write("\(dir)/driver_override", "vfio-pci")
                if let d = driver(m.address), d != "vfio-pci" {
                    step = "unbind of \(m.address) from \(d)"
                    try write("\(dir)/driver/unbind", m.address)
                }
                step = "drivers_probe of \(m.address)"
                if driver(m.address) == nil { try write("bus/pci/drivers_probe", m.address) }
                step = "verify \(m.address)"
                guard driver(m.address) == "vfio-pci" else {
                    throw SysfsWriteError(path: "\(dir)/driver", value: "vfio-pci", errno: 19 /* ENODEV */)
                }
            } catch {
                let problems = rollBack(touched)
                if problems.isEmpty { store.clearJournal() }
                throw Failure(step: step, underlying: error.description, rolledBack: touched.map(\.address),
                              rollbackProblems: problems)
            }
        }
        for m in members { try store.save(m) }
        for m in members where persist { try store.markPersistent(m.address, owner: owner) }
        store.clearJournal()
        return members
    }

    /// Puts each device back on its original driver with its original override. Returns what
    /// could not be restored (empty on success). Keeps going past a failure: one stuck device
    /// must not strand the others on vfio-pci.
    @discardableResult
    public func rollBack(_ records: [BindingRecord]) -> [String] {
        var problems: [String] = []
        for r in records.reversed() {
            if let p = restoreOne(r) { problems.append(p) }
        }
        return problems
    }

    func restoreOne(_ r: BindingRecord) -> String? {
        let dir = "bus/pci/devices/\(r.address)"
        do {
            try write("\(dir)/driver_override", r.originalOverride ?? "\n")
            if let d = driver(r.address), d != r.originalDriver {
                try write("\(dir)/driver/unbind", r.address)
            }
            if driver(r.address) == nil, r.originalDriver != nil {
                try write("bus/pci/drivers_probe", r.address)
                if let orig = r.originalDriver, driver(r.address) != orig, driver(r.address) == nil {
                    try write("bus/pci/drivers/\(orig)/bind", r.address)
                }
            }
        } catch {
            return "\(r.address): \(error)"
        }
        let now = driver(r.address)
        return now == r.originalDriver ? nil
            : "\(r.address) is on \(now ?? "no driver"), expected \(r.originalDriver ?? "no driver")"
    }

    /// Run first under the lock: a journal left by a crash means a bind was cut short; roll it back.
    public func recoverInterrupted() -> (recovered: [String], problems: [String])? {
        guard let j = store.journal() else { return nil }
        log("found an interrupted bind of \(j.members.map(\.address).joined(separator: ", ")): rolling it back")
        let problems = rollBack(j.members)
        if problems.isEmpty { store.clearJournal() }
        return (j.members.map(\.address), problems)
    }

    /// Restores recorded devices and forgets them.
    public func restore(_ addresses: [String]) throws -> [String] {
        var done: [String] = []
        var problems: [String] = []
        for a in addresses {
            guard let r = store.record(a) else {
                throw Refusal(kind: .notRecorded, message: "Sluice has no record of binding \(a)",
                              remedy: "`sluice status` lists what Sluice bound; to detach by hand write the original driver's name to driver_override and probe")
            }
            if let p = restoreOne(r) { problems.append(p) } else { store.remove(a); done.append(a) }
        }
        if !problems.isEmpty {
            throw Failure(step: "restore", underlying: problems.joined(separator: "; "), rolledBack: done, rollbackProblems: problems)
        }
        return done
    }
}
