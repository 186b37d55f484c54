import Foundation
import Testing
@testable import SluiceVFIO
@testable import SluiceBinding

/// The real sysfs with the Nth write failing (EIO, nothing written): failure injection against
/// the real kernel and real host drivers in the lab.
final class FailingNthWrite: SysfsIO {
    let real: SysfsIO
    let failAt: Int
    var writes = 0
    init(_ real: SysfsIO, failAt: Int) { self.real = real; self.failAt = failAt }
    func read(_ p: String) -> String? { real.read(p) }
    func write(_ p: String, _ v: String) throws(SysfsWriteError) {
        writes += 1
        if writes == failAt { throw SysfsWriteError(path: p, value: v, errno: EIO) }
        try real.write(p, v)
    }
    func linkTarget(_ p: String) -> String? { real.linkTarget(p) }
    func list(_ p: String) -> [String] { real.list(p) }
    func exists(_ p: String) -> Bool { real.exists(p) }
}

/// In the lab with the ICH9 drivers loaded (lpc_ich, ahci, i801_smbus): a `--group` bind of the
/// ICH9 group fails at each of its sysfs writes in turn, and every time all three functions are
/// back on their own drivers, with no override left, no record and no journal.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SLUICE_LAB_ROLLBACK"] != nil, "needs the lab guest with ICH9 drivers"))
struct LabRollback {
    @Test func failureAtEveryRealWriteRollsTheGroupBack() throws {
        let real = DirectorySysfs(root: "/sys")
        let members = ["0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3"]
        func state() -> [String] {
            members.map { "\(real.linkTarget("bus/pci/devices/\($0)/driver") ?? "-")|\(real.read("bus/pci/devices/\($0)/driver_override") ?? "?")" }
        }
        let before = state()
        #expect(before == ["lpc_ich|(null)", "ahci|(null)", "i801_smbus|(null)"])
        for n in 1...9 {
            let dir = "/run/sluice-rollback-\(n)"
            let store = StateStore(directory: dir)
            try store.prepare()
            let sysfs = FailingNthWrite(real, failAt: n)
            let plan = BindPlanner(sysfs: sysfs, host: HostFacts()).plan("0000:00:1f.2", wholeGroup: true, force: false)
            #expect(plan.toBind.count == 3)
            #expect(throws: Binder.Failure.self, "write \(n) fails") {
                _ = try Binder(sysfs: sysfs, store: store).apply(plan, owner: nil, persist: false)
            }
            print("LAB-INFO rollback after failed write \(n): \(state())")
            #expect(state() == before, "after a failure at real write \(n)")
            #expect(store.journal() == nil && store.records().isEmpty)
        }
    }
}
