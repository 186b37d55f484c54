import Foundation
import Testing
@testable import SluicePCI

/// A captured tree's devices are found by walking sys/devices; the live sysfs, and whatever the
/// walk does not reach, through each device's bus/pci/devices link. Both must give the same scan.
@Suite struct TreeWalkTests {
    private func scan(_ root: String, walk: Bool) throws -> (PCIScanner.Result, String) {
        var options = PCIScanner.Options(names: false, details: .all)
        options.walksCapturedTrees = walk
        let r = try PCIScanner(root: root, options: options).scan()
        return (r, ListJSON.render(r, devices: r.devices, root: root, capabilities: true))
    }

    /// Every capture (QEMU q35 with switches, PCIe-to-PCI bridges, expander host bridges,
    /// SR-IOV, real machines), and a VMD domain below its endpoint: the walk and the links
    /// agree on every device, its place and every attribute.
    @Test func walkAndLinksAgreeOnEveryCapture() throws {
        let vmd = TreeBuilder("walk-vmd")
        defer { vmd.remove() }
        vmd.add(.init(address: "0000:00:0e.0", config: ConfigBuilder(device: 0x467f, classCode: 0x010400).bytes, iommuGroup: 1))
        vmd.add(.init(address: "10000:00:01.0", config: ConfigBuilder(classCode: 0x060400, headerType: 1).bytes,
                      parent: "0000:00:0e.0/pci10000:00", host: "pci0000:00"))
        vmd.add(.init(address: "10000:01:00.0", config: ConfigBuilder(vendor: 0x144d, device: 0xa808, classCode: 0x010802).bytes,
                      driver: "nvme", parent: "0000:00:0e.0/pci10000:00/10000:00:01.0", host: "pci0000:00"))
        var deep = 0
        for root in TestSupport.fixtureRoots + [vmd.root] {
            let (walked, walkedText) = try scan(root, walk: true)
            let (linked, linkedText) = try scan(root, walk: false)
            #expect(walked.devices.count == linked.devices.count, "\(root)")
            #expect(walkedText == linkedText, "\(root)")
            #expect(walked.problems == linked.problems, "\(root)")
            for (w, l) in zip(walked.devices, linked.devices) {
                #expect(w.sysfsPath == l.sysfsPath && w.upstream == l.upstream && !w.sysfsPath.isEmpty, "\(root) \(w.address)")
            }
            deep = max(deep, walked.devices.map(\.upstream.count).max() ?? 0)

            // The walk reached every device itself: with every link made a plain file, it
            // finds the same devices in the same places.
            let copy = TestSupport.tempDir("walk-copy")
            defer { try? FileManager.default.removeItem(atPath: copy) }
            try FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: root, toPath: copy)
            let links = copy + "/sys/bus/pci/devices"
            for name in try FileManager.default.contentsOfDirectory(atPath: links) {
                try FileManager.default.removeItem(atPath: links + "/" + name)
                FileManager.default.createFile(atPath: links + "/" + name, contents: nil)
            }
            let (unlinked, unlinkedText) = try scan(copy, walk: true)
            #expect(unlinked.problems == linked.problems, "\(root)")
            #expect(unlinkedText == linkedText.replacingOccurrences(of: root, with: copy), "\(root)")
        }
        #expect(deep >= 2)  // some capture has a device two levels below its root port
    }

    /// A scan asked for some functions only (those below the first bus here, so their bridges
    /// are not read) finds the same devices the same way through the walk as through links.
    @Test func filteredScansAgree() throws {
        for root in TestSupport.fixtureRoots {
            func scan(walk: Bool) throws -> String {
                var options = PCIScanner.Options(names: false, details: .all)
                options.walksCapturedTrees = walk
                let r = try PCIScanner(root: root, options: options).scan { $0.bus >= 1 }
                return ListJSON.render(r, devices: r.devices, root: root, capabilities: true)
            }
            #expect(try scan(walk: true) == scan(walk: false), "\(root)")
        }
    }

    /// The walk does not need a device's link: one whose link is gone, or is not a link, is
    /// still found where it sits, with its topology (through its link it could not be placed).
    @Test func walkPlacesDevicesWhoseLinkIsBroken() throws {
        let tree = TreeBuilder("walk-nolink")
        defer { tree.remove() }
        tree.add(.init(address: "0000:00:1c.0", config: ConfigBuilder(classCode: 0x060400, headerType: 1).bytes))
        tree.add(.init(address: "0000:01:00.0", config: ConfigBuilder().bytes, driver: "e1000e", iommuGroup: 3, parent: "0000:00:1c.0",
                       host: "pci0000:00"))
        let link = tree.root + "/sys/bus/pci/devices/0000:01:00.0"
        try FileManager.default.removeItem(atPath: link)
        FileManager.default.createFile(atPath: link, contents: nil)
        let (walked, _) = try scan(tree.root, walk: true)
        let d = try #require(walked.device(PCIAddress("0000:01:00.0")!))
        #expect(d.upstream == [PCIAddress("0000:00:1c.0")!] && d.sysfsPath == "pci0000:00/0000:00:1c.0/0000:01:00.0")
        #expect(d.driver == "e1000e" && d.iommuGroup == 3 && d.problems.isEmpty)
        let (linked, _) = try scan(tree.root, walk: false)
        #expect(linked.problems.contains { $0.hasPrefix("0000:01:00.0:") })
    }

    /// Devices the walk cannot reach are read through their links: one under a host bridge
    /// that is not directly in sys/devices (Hyper-V puts its PCI domains below VMBus), one
    /// whose directory in its bridge is a symlink (never followed by the walk), and one whose
    /// address two directories claim (the link decides which is real).
    @Test func unreachedDevicesGoThroughTheirLinks() throws {
        let tree = TreeBuilder("walk-unreached")
        defer { tree.remove() }
        let fm = FileManager.default
        tree.add(.init(address: "0000:00:1c.0", config: ConfigBuilder(classCode: 0x060400, headerType: 1).bytes))
        // Hyper-V: sys/devices/LNXSYSTM:00/.../pci1234:00/1234:00:00.0
        tree.add(.init(address: "1234:00:00.0", config: ConfigBuilder(device: 0x1016).bytes, iommuGroup: 9,
                       host: "LNXSYSTM:00/VMBUS:00/f8b3781a/pci1234:00"))
        // A symlinked device directory in the bridge's, pointing at the real one elsewhere.
        tree.add(.init(address: "0000:01:00.0", config: ConfigBuilder(device: 0x10fb).bytes, iommuGroup: 4, host: "elsewhere"))
        try fm.createSymbolicLink(atPath: tree.root + "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0",
                                  withDestinationPath: "../../elsewhere/0000:01:00.0")
        // Two directories named 0000:00:02.0; the link names the second.
        tree.add(.init(address: "0000:00:02.0", config: ConfigBuilder(device: 0x1111).bytes, host: "pci0000:07"))
        let decoy = tree.root + "/sys/devices/pci0000:00/0000:00:02.0"
        try fm.createDirectory(atPath: decoy, withIntermediateDirectories: true)
        fm.createFile(atPath: decoy + "/config", contents: Data(ConfigBuilder(device: 0x2222).bytes))

        // And one found a level apart: first a decoy on a root bus, then the real one below the
        // bridge (the walk has already read the decoy when it meets the second).
        tree.add(.init(address: "0000:02:00.0", config: ConfigBuilder(device: 0x3333).bytes, parent: "0000:00:1c.0", host: "pci0000:00"))
        let early = tree.root + "/sys/devices/pci0000:02/0000:02:00.0"
        try fm.createDirectory(atPath: early, withIntermediateDirectories: true)
        fm.createFile(atPath: early + "/config", contents: Data(ConfigBuilder(device: 0x4444).bytes))

        let (walked, walkedText) = try scan(tree.root, walk: true)
        let (_, linkedText) = try scan(tree.root, walk: false)
        #expect(walkedText == linkedText)
        #expect(walked.devices.map(\.address.description) == ["0000:00:02.0", "0000:00:1c.0", "0000:01:00.0", "0000:02:00.0", "1234:00:00.0"])
        let late = try #require(walked.device(PCIAddress("0000:02:00.0")!))
        #expect(late.deviceID == 0x3333 && late.upstream == [PCIAddress("0000:00:1c.0")!])
        let hyperV = try #require(walked.device(PCIAddress("1234:00:00.0")!))
        #expect(hyperV.sysfsPath == "LNXSYSTM:00/VMBUS:00/f8b3781a/pci1234:00/1234:00:00.0" && hyperV.iommuGroup == 9)
        #expect(walked.device(PCIAddress("0000:01:00.0")!)?.sysfsPath == "elsewhere/0000:01:00.0")
        let twice = try #require(walked.device(PCIAddress("0000:00:02.0")!))
        #expect(twice.deviceID == 0x1111 && twice.sysfsPath == "pci0000:07/0000:00:02.0")
    }

    @Test func hostBridgeNames() {
        func check(_ s: String) -> Bool { Array(s.utf8).withUnsafeBufferPointer { PCIScanner.isHostBridgeName($0) } }
        #expect(check("pci0000:00") && check("pci10000:00") && check("pciffffffff:ff"))
        #expect(!check("pci000:00") && !check("pci0000:0") && !check("pci0000:zz") && !check("pci_bus") && !check("xci0000:00"))
    }
}
