import Foundation
import Testing
@testable import SluiceVFIO
@testable import SluiceBinding

@Suite struct Ownership {
    @Test func ownerSpecs() throws {
        let root = try GroupOwner.parse("root")
        #expect(root.uid == 0 && root.gid == 0 && root.groupName == "root")
        let explicit = try GroupOwner.parse("root:nogroup")
        #expect(explicit.groupName == "nogroup" && explicit.gid != 0)
        #expect(throws: Refusal.self) { try GroupOwner.parse("no-such-user-sluice") }
        #expect(throws: Refusal.self) { try GroupOwner.parse("root:no-such-group-sluice") }
    }

    /// A fake /proc where pid 4242 (qemu) holds /dev/vfio/7 and pid 99 holds something else.
    @Test func holdersOfAGroup() throws {
        let proc = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-proc-\(UUID().uuidString)").path
        for (pid, target, comm) in [("4242", "/dev/vfio/7", "qemu\n"), ("99", "/dev/null", "bash\n")] {
            try FileManager.default.createDirectory(atPath: "\(proc)/\(pid)/fd", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(proc)/\(pid)/fd/5", withDestinationPath: target)
            try comm.write(toFile: "\(proc)/\(pid)/comm", atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: "\(proc)/self", withIntermediateDirectories: true)
        #expect(GroupHolders.holders(group: 7, procRoot: proc) == ["4242 (qemu)"])
        #expect(GroupHolders.holders(group: 8, procRoot: proc).isEmpty)
    }

    @Test func statePersistsRecordsAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-st-\(UUID().uuidString)").path
        let store = StateStore(directory: dir)
        try store.prepare()
        let r = BindingRecord(address: "0000:01:00.0", originalDriver: "e1000e", originalOverride: nil, group: 6, owner: "a:b", persist: true)
        try store.save(r)
        try store.setGroupOwner(6, user: "a", groupName: "b")
        #expect(store.record("0000:01:00.0") == r)
        #expect(try String(contentsOfFile: store.groupOwnerDir + "/6", encoding: .utf8) == "a b\n")
        store.remove("0000:01:00.0")
        #expect(store.records().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: store.groupOwnerDir + "/6"), "last device of the group gone: owner rule gone")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bindings/0000:01:00.0.json.tmp"))
    }
}

@Suite struct BackendSelection {
    @Test func iommufdIsChosenOnlyWithDevIOMMUAndAVFIOCdev() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-root-\(UUID().uuidString)").path
        let dev = "0000:01:00.0"
        try FileManager.default.createDirectory(atPath: "\(root)/sys/bus/pci/devices/\(dev)/vfio-dev/vfio3", withIntermediateDirectories: true)
        #expect(VFIO.cdevPath(for: dev, root: root) == nil, "no /dev/iommu: legacy")
        try FileManager.default.createDirectory(atPath: "\(root)/dev", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: "\(root)/dev/iommu", contents: nil))
        #expect(VFIO.cdevPath(for: dev, root: root) == "\(root)/dev/vfio/devices/vfio3")
        #expect(VFIO.cdevPath(for: "0000:02:00.0", root: root) == nil, "no vfio-dev entry: legacy")
    }

    @Test func groupNumberFromTheSysfsLink() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-root-\(UUID().uuidString)").path
        let dir = "\(root)/sys/bus/pci/devices/0000:01:00.0"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(throws: VFIOError.self) { try VFIO.groupNumber(of: "0000:01:00.0", root: root) }
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/iommu_group", withDestinationPath: "../../../../kernel/iommu_groups/12")
        #expect(try VFIO.groupNumber(of: "0000:01:00.0", root: root) == 12)
    }
}
