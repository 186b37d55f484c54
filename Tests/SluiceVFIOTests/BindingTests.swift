import Foundation
import Testing
@testable import SluiceVFIO
@testable import SluiceBinding

@Suite struct Binding {
    func tempStore() -> StateStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-state-\(UUID().uuidString)").path
        let s = StateStore(directory: dir)
        try! s.prepare()
        return s
    }
    func hostRoot(cmdline: String = "BOOT_IMAGE=/vmlinuz root=/dev/sda1\n", files: [String: String] = [:]) -> HostFacts {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-host-\(UUID().uuidString)").path
        var all = files; all["/proc/cmdline"] = cmdline
        for (p, text) in all {
            let url = URL(fileURLWithPath: root + p)
            try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try! text.write(to: url, atomically: true, encoding: .utf8)
        }
        return HostFacts(root: root)
    }

    @Test func bindsAloneInItsGroupAndRestores() throws {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        let before = sys.snapshot
        let store = tempStore()
        let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:01:00.0", wholeGroup: false, force: false)
        #expect(plan.allowed)
        #expect(plan.group == 6)
        let records = try Binder(sysfs: sys, store: store).apply(plan, owner: nil, persist: false)
        #expect(records.map(\.originalDriver) == ["e1000e"])
        #expect(sys.devices["0000:01:00.0"]?.driver == "vfio-pci")
        #expect(sys.journal == ["bus/pci/devices/0000:01:00.0/driver_override <- vfio-pci",
                                "bus/pci/devices/0000:01:00.0/driver/unbind <- 0000:01:00.0",
                                "bus/pci/drivers_probe <- 0000:01:00.0"], "override, unbind, probe; never new_id")
        #expect(store.record("0000:01:00.0")?.originalDriver == "e1000e")
        #expect(store.journal() == nil)
        _ = try Binder(sysfs: sys, store: store).restore(["0000:01:00.0"])
        #expect(sys.snapshot == before)
        #expect(store.record("0000:01:00.0") == nil)
        let log = try String(contentsOfFile: store.logPath, encoding: .utf8)
        #expect(log.split(separator: "\n").count == 6, "every sysfs write is logged")
    }

    @Test func refusesWhenAnotherEndpointOfTheGroupIsOnAHostDriver() {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:00:1f.2", wholeGroup: false, force: false)
        #expect(!plan.allowed)
        let named = plan.refusals.filter { $0.kind == .groupNotViable }.map(\.message)
        #expect(named.count == 2)
        #expect(named.contains { $0.contains("0000:00:1f.0") && $0.contains("lpc_ich") })
        #expect(named.contains { $0.contains("0000:00:1f.3") && $0.contains("i801_smbus") })
        #expect(plan.refusals.allSatisfy { !$0.remedy.isEmpty })
    }

    @Test func driverlessGroupMembersDoNotBlock() {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: false)
        let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:00:1f.2", wholeGroup: false, force: false)
        #expect(plan.allowed)
        #expect(plan.toBind.map(\.address) == ["0000:00:1f.2"])
    }

    @Test func groupBindsEveryEndpoint() throws {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:00:1f.2", wholeGroup: true, force: false)
        #expect(plan.allowed)
        #expect(plan.toBind.map(\.address) == ["0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3"])
        _ = try Binder(sysfs: sys, store: tempStore()).apply(plan, owner: nil, persist: false)
        #expect(["0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3"].allSatisfy { sys.devices[$0]?.driver == "vfio-pci" })
    }

    /// The failure-injection test: for every N, the Nth sysfs write of a --group bind fails, and
    /// afterwards every member is back on its original driver with its original override.
    @Test func failureAtEveryWriteRollsTheWholeGroupBack() throws {
        let total: Int = {
            let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
            let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:00:1f.2", wholeGroup: true, force: false)
            _ = try? Binder(sysfs: sys, store: tempStore()).apply(plan, owner: nil, persist: false)
            return sys.writes
        }()
        #expect(total == 9)
        for n in 1...total {
            let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
            sys.devices["0000:00:1f.3"]?.override = "i801_smbus"   // a pre-existing override is restored too
            let before = sys.snapshot
            let store = tempStore()
            let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:00:1f.2", wholeGroup: true, force: false)
            sys.failAt = n
            #expect(throws: Binder.Failure.self, "write \(n) fails") {
                _ = try Binder(sysfs: sys, store: store).apply(plan, owner: nil, persist: false)
            }
            #expect(sys.snapshot == before, "after a failure at write \(n) of \(total)")
            #expect(store.journal() == nil)
            #expect(store.records().isEmpty)
        }
    }

    @Test func aDriverThatRefusesTheDeviceIsCaughtByVerifyAndRolledBack() {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        sys.refusingDriver = "vfio-pci"
        let before = sys.snapshot
        let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:01:00.0", wholeGroup: false, force: false)
        #expect(throws: Binder.Failure.self) { _ = try Binder(sysfs: sys, store: tempStore()).apply(plan, owner: nil, persist: false) }
        #expect(sys.snapshot == before)
    }

    @Test func aCrashMidBindIsRolledBackOnTheNextRun() throws {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        let before = sys.snapshot
        let store = tempStore()
        let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:00:1f.2", wholeGroup: true, force: false)
        // The process "dies" after the journal and four writes: simulate by writing them by hand.
        try store.writeJournal(BindJournal(members: plan.toBind.map {
            BindingRecord(address: $0.address, originalDriver: $0.driver, originalOverride: nil, group: 5, owner: nil, persist: false)
        }))
        try sys.write("bus/pci/devices/0000:00:1f.0/driver_override", "vfio-pci")
        try sys.write("bus/pci/devices/0000:00:1f.0/driver/unbind", "0000:00:1f.0")
        try sys.write("bus/pci/drivers_probe", "0000:00:1f.0")
        try sys.write("bus/pci/devices/0000:00:1f.2/driver_override", "vfio-pci")
        let recovered = Binder(sysfs: sys, store: store).recoverInterrupted()
        #expect(recovered?.recovered.count == 3)
        #expect(recovered?.problems == [])
        #expect(sys.snapshot == before)
        #expect(store.journal() == nil)
    }

    @Test func hostCriticalNICIsRefusedUnlessForced() {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        sys.devices["0000:01:00.0"]?.netIfaces = ["eth0"]
        let host = hostRoot(files: ["/proc/net/route": "Iface\tDestination\tGateway\neth0\t00000000\t0102A8C0\n"])
        let plan = BindPlanner(sysfs: sys, host: host).plan("0000:01:00.0", wholeGroup: false, force: false)
        #expect(plan.refusals.map(\.kind) == [.hostCritical])
        #expect(BindPlanner(sysfs: sys, host: host).plan("0000:01:00.0", wholeGroup: false, force: true).allowed)
    }

    @Test func bondMembersStackedNICsAndTheBootVGAAreHostCritical() {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        sys.devices["0000:01:00.0"]?.netIfaces = ["eth0"]
        let planner = BindPlanner(sysfs: sys, host: hostRoot())
        #expect(planner.plan("0000:01:00.0", wholeGroup: false, force: false).allowed)
        sys.netMaster["eth0"] = "bond0"
        #expect(planner.plan("0000:01:00.0", wholeGroup: false, force: false).refusals.first?.message.contains("bond0") == true)
        sys.netMaster = [:]
        sys.netUppers["eth0"] = ["eth0.100"]
        #expect(planner.plan("0000:01:00.0", wholeGroup: false, force: false).refusals.first?.message.contains("eth0.100") == true)
        sys.netUppers = [:]
        sys.devices["0000:01:00.0"]?.bootVGA = true
        #expect(planner.plan("0000:01:00.0", wholeGroup: false, force: false).refusals.map(\.kind) == [.hostCritical])
    }

    @Test func otherManagersAreNamed() {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        let host = hostRoot(cmdline: "root=/dev/sda1 vfio-pci.ids=8086:10d3,10de:1b80\n", files: [
            "/etc/driverctl.d/pci-0000:01:00.0": "vfio-pci\n",
            "/etc/libvirt/qemu/win.xml": "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>",
        ])
        let notes = BindPlanner(sysfs: sys, host: host).plan("0000:01:00.0", wholeGroup: false, force: false).notes
        #expect(notes.contains { $0.contains("driverctl") })
        #expect(notes.contains { $0.contains("libvirt") && $0.contains("win.xml") })
        #expect(notes.contains { $0.contains("vfio-pci.ids=") && $0.contains("every 8086:10d3 device") })
    }

    @Test func sriovPFStaysWithTheHostAndVFsBindAlone() {
        let sys = SimulatedSysfs([
            "0000:03:00.0": .init(driver: "ixgbe", group: 20, defaultDriver: "ixgbe", numVFs: 2),
            "0000:03:10.0": .init(driver: "ixgbevf", group: 21, defaultDriver: "ixgbevf", physfn: "0000:03:00.0"),
        ])
        sys.loadedDrivers.formUnion(["ixgbe", "ixgbevf"])
        let planner = BindPlanner(sysfs: sys, host: hostRoot())
        #expect(planner.plan("0000:03:00.0", wholeGroup: false, force: false).refusals.map(\.kind) == [.sriovPF])
        let vf = planner.plan("0000:03:10.0", wholeGroup: false, force: false)
        #expect(vf.allowed)
        #expect(vf.notes.contains { $0.contains("SR-IOV VF of 0000:03:00.0") })
    }

    @Test func missingModuleAndIOMMUAreRefusedWithRemedies() {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        sys.loadedDrivers.remove("vfio-pci")
        let p = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:01:00.0", wholeGroup: false, force: false)
        #expect(p.refusals.first?.kind == .moduleNotLoaded)
        #expect(p.refusals.first?.remedy.contains("modprobe vfio-pci") == true)
        let none = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:09:00.0", wholeGroup: false, force: false)
        #expect(none.refusals.first?.kind == .noDevice)
    }

    @Test func lockExcludesASecondBinder() throws {
        let store = tempStore()
        let first = try BindLock(store: store, timeoutSeconds: 0)
        #expect(throws: Refusal.self) { _ = try BindLock(store: store, timeoutSeconds: 0) }
        _ = first
    }

    @Test func persistMarksTheAddressForUdev() throws {
        let sys = SimulatedSysfs.lab(ichDriversLoaded: true)
        let store = tempStore()
        let plan = BindPlanner(sysfs: sys, host: hostRoot()).plan("0000:01:00.0", wholeGroup: false, force: false)
        _ = try Binder(sysfs: sys, store: store).apply(plan, owner: "alice:kvm", persist: true)
        #expect(try String(contentsOfFile: store.persistDir + "/0000:01:00.0", encoding: .utf8) == "alice:kvm")
    }
}
