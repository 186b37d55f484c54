import Foundation
import Testing
@testable import SluicePCI

/// A captured tree is untrusted: escapes, special files and huge files are refused with a clear
/// problem, and the rest of the scan is kept.
@Suite struct SysfsHostileTests {
    private func plainConfig(device: UInt16 = 0x10d3) -> [UInt8] { ConfigBuilder(vendor: 0x8086, device: device).bytes }

    @Test func symlinkEscapingTheRootIsRefused() throws {
        let tree = TreeBuilder("escape")
        defer { tree.remove() }
        let good = tree.add(.init(address: "0000:00:01.0", config: plainConfig()))
        let bad = tree.add(.init(address: "0000:00:02.0", config: plainConfig(), omit: ["config", "class"]))
        // Absolute target, and a relative one climbing above the root.
        try FileManager.default.createSymbolicLink(atPath: bad + "/config", withDestinationPath: "/etc/shadow")
        try FileManager.default.createSymbolicLink(atPath: bad + "/class", withDestinationPath: "../../../../../../../../../../etc/hostname")
        // A device link that leaves the tree entirely.
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/sys/bus/pci/devices/0000:00:03.0", withDestinationPath: "/sys/devices")
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        #expect(r.devices.map(\.address.description) == ["0000:00:01.0", "0000:00:02.0"])
        let d2 = r.devices[1]
        #expect(d2.problems.contains { $0.hasSuffix("/config: refused, resolves outside the sysfs root (or the device directory it is read from)") })
        #expect(d2.problems.contains { $0.hasSuffix("/class: refused, resolves outside the sysfs root (or the device directory it is read from)") })
        #expect(r.problems.contains { $0.hasPrefix("0000:00:03.0:") && $0.contains("outside the sysfs root") })
        _ = good
    }

    @Test func fifoAndDeviceNodesAreRefusedWithoutBlocking() throws {
        let tree = TreeBuilder("fifo")
        defer { tree.remove() }
        let dir = tree.add(.init(address: "0000:00:01.0", config: plainConfig(), omit: ["config", "resource", "irq"]))
        #expect(mkfifo(dir + "/config", 0o644) == 0)  // opening it blocking would hang forever
        #expect(mknod(dir + "/irq", S_IFCHR | 0o644, dev_t(1 << 8 | 3)) == 0)  // a /dev/null node inside the tree
        try FileManager.default.createSymbolicLink(atPath: dir + "/resource", withDestinationPath: "../../../dev-null")
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/sys/dev-null", withDestinationPath: "/dev/null")
        let r = try PCIScanner(root: tree.root, options: .init(names: false, details: .all)).scan()
        let d = try #require(r.devices.first)
        #expect(d.problems.contains { $0.hasSuffix("/config: refused, is a FIFO, not a regular file") })
        // The /dev/null link is absolute: refused as an escape before its type is even looked at.
        #expect(d.problems.contains { $0.contains("/resource: refused") })
        #expect(d.problems.contains { $0.hasSuffix("/irq: refused, is a character device, not a regular file") })
        #expect(d.vendorID == 0x8086)  // the rest of the device is kept
    }

    @Test func symlinkLoopsEndWithAnError() throws {
        let tree = TreeBuilder("loop")
        defer { tree.remove() }
        let dir = tree.add(.init(address: "0000:00:01.0", config: plainConfig(), omit: ["config", "class"]))
        try FileManager.default.createSymbolicLink(atPath: dir + "/config", withDestinationPath: "config")
        try FileManager.default.createSymbolicLink(atPath: dir + "/class", withDestinationPath: "../0000:00:01.0/class")
        // A device link that points at itself.
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/sys/bus/pci/devices/0000:00:02.0", withDestinationPath: "0000:00:02.0")
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        let d = try #require(r.devices.first)
        #expect(d.problems.contains { $0.contains("/config") && $0.contains("symbolic links") })
        #expect(d.problems.contains { $0.contains("/class: refused, resolves outside") })
        #expect(r.problems.contains { $0.hasPrefix("0000:00:02.0:") })
    }

    @Test func hugeFilesAreRefused() throws {
        let tree = TreeBuilder("huge")
        defer { tree.remove() }
        var big = plainConfig(); big += [UInt8](repeating: 0, count: 8192 - big.count)
        let dir = tree.add(.init(address: "0000:00:01.0", config: big, omit: ["resource"]))
        FileManager.default.createFile(atPath: dir + "/resource", contents: Data(repeating: 0x41, count: 1 << 20))
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        let d = try #require(r.devices.first)
        #expect(d.problems.contains { $0.hasSuffix("/config: refused, larger than 4096 bytes") })
        #expect(d.problems.contains { $0.contains("/resource: refused, larger than") })
        #expect(d.resources.isEmpty)
    }

    @Test func missingAttributesAndVanishedDevices() throws {
        let tree = TreeBuilder("missing")
        defer { tree.remove() }
        tree.add(.init(address: "0000:00:01.0", config: plainConfig(), omit: ["vendor", "class"]))
        // An SR-IOV VF reads 0xffff for its ids: the sysfs files are needed, and one is missing.
        tree.add(.init(address: "0000:00:03.0", config: ConfigBuilder(vendor: 0xffff, device: 0xffff).bytes,
                       extra: ["vendor": "0x8086", "device": "0x10ca"], omit: ["device"]))
        tree.add(.init(address: "0000:00:02.0", config: plainConfig(device: 0x1234)))
        // Listed in bus/pci/devices but its directory is gone (hot-unplug during the scan).
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/sys/bus/pci/devices/0000:00:05.0",
                                                   withDestinationPath: "../../../devices/pci0000:00/0000:00:05.0")
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        #expect(r.devices.count == 3)
        #expect(r.problems.contains { $0.hasPrefix("0000:00:05.0:") && $0.contains("missing") })
        let d = r.devices[0]
        #expect(d.problems.contains("class: missing"))
        #expect(d.vendorID == 0x8086 && d.classCode == 0x020000)  // taken from config instead
        let vf = r.devices[2]
        #expect(vf.vendorID == 0x8086 && vf.problems.contains("device: missing"))
    }

    /// A tree big enough that the scan is shared among threads: devices come back in address
    /// order with their own attributes, and vanished ones are reported and dropped wherever
    /// they fall in the shares.
    @Test func threadedScanKeepsOrderAndDropsVanishedDevices() throws {
        let tree = TreeBuilder("threaded")
        defer { tree.remove() }
        var vanished: Set<String> = []
        for i in 0..<300 {
            let address = "0000:\(hex(i / 32 + 1, width: 2)):\(hex(i % 32, width: 2)).0"
            if i % 37 == 5 {
                try FileManager.default.createSymbolicLink(atPath: tree.root + "/sys/bus/pci/devices/" + address,
                                                           withDestinationPath: "../../../devices/gone/" + address)
                vanished.insert(address)
            } else {
                tree.add(.init(address: address, config: plainConfig(device: UInt16(i)), driver: i % 2 == 0 ? "e1000e" : nil, iommuGroup: i))
            }
        }
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        #expect(r.devices.count == 300 - vanished.count)
        #expect(r.devices.map(\.address) == r.devices.map(\.address).sorted())
        for d in r.devices {
            let i = Int(d.deviceID)
            #expect(d.iommuGroup == i && d.driver == (i % 2 == 0 ? "e1000e" : nil), "\(d.address)")
            #expect(d.address.description == "0000:\(hex(i / 32 + 1, width: 2)):\(hex(i % 32, width: 2)).0")
        }
        let reported = Set(r.problems.compactMap { p in vanished.first { p.hasPrefix($0 + ":") } })
        #expect(reported == vanished)
    }

    /// A device directory whose listing takes several getdents64 calls (a padded capture, or a
    /// directory full of children): attributes listed late are still found, absent ones still
    /// absent. On filesystems where one short reply ends the listing, this is the case where
    /// the reply was not short.
    @Test func crowdedDeviceDirectoryIsListedToTheEnd() throws {
        let tree = TreeBuilder("crowded")
        defer { tree.remove() }
        let dir = tree.add(.init(address: "0000:00:01.0", config: plainConfig(), omit: ["class"]))
        // ~700 entries of ~64 bytes: several 16 KiB getdents64 replies.
        for i in 0..<700 { FileManager.default.createFile(atPath: dir + "/padding-\(String(repeating: "x", count: 36))-\(i)", contents: nil) }
        for (name, value) in [("reset_method", "flr bus"), ("driver_override", "vfio-pci"), ("class", "0x020000")] {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data((value + "\n").utf8))
        }
        let r = try PCIScanner(root: tree.root, options: .init(names: false, details: .all)).scan()
        let d = try #require(r.devices.first)
        #expect(d.resetMethods == ["flr", "bus"])
        #expect(d.driverOverride == "vfio-pci")
        #expect(d.classCode == 0x020000)
        #expect(!d.problems.contains { $0.contains("class") })
        #expect(d.physicalFunction == nil && d.removable == nil)
        #expect(ListingFilesystems.largestEntry == 280)
    }

    /// `list` reads a directory of thousands of entries (bus/pci/devices, the IOMMU groups of
    /// a big machine) over several getdents64 replies, every name once, without `.` and `..`,
    /// and refuses one longer than its limit.
    @Test func bigDirectoriesAreListedWholeAndBounded() throws {
        let tree = TreeBuilder("biglist")
        defer { tree.remove() }
        let dir = tree.root + "/many"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // 3,000 names of ~70 bytes: over 64 KiB of directory entries.
        let names = (0..<3000).map { "entry-\(String(repeating: "n", count: 60))-\($0)" }
        for n in names { FileManager.default.createFile(atPath: dir + "/" + n, contents: nil) }
        let root = try SysfsRoot.open(tree.root)
        #expect(try root.list("many").sorted() == names.sorted())
        #expect(throws: SysfsError.tooLarge(tree.root + "/many", limit: 2999)) { try root.list("many", limit: 2999) }
    }

    @Test func truncatedConfigDegradesClearly() throws {
        let tree = TreeBuilder("nonroot")
        defer { tree.remove() }
        var c = ConfigBuilder(size: 256)
        c.cap(0x40, id: 0x01, next: 0)
        tree.add(.init(address: "0000:00:01.0", config: Array(c.bytes.prefix(64))))
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        #expect(r.truncatedConfigCount == 1)
        #expect(r.problems.contains { $0.contains("only the 64-byte header") })
        #expect(r.devices[0].config.capabilities?.unreadable == true)
        #expect(ListFormatter.verbose(r.devices[0]).contains { $0.contains("config space is the 64-byte header only") })
    }

    @Test func garbageAttributesAreReportedNotTrusted() throws {
        let tree = TreeBuilder("garbage")
        defer { tree.remove() }
        tree.add(.init(address: "0000:00:01.0", config: plainConfig(),
                       extra: ["class": "zzzz", "numa_node": "\u{1}\u{2}", "resource": "0x1000 oops\n0x0 0x0\n"]))
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        let d = try #require(r.devices.first)
        #expect(d.problems.contains { $0.hasPrefix("class: not a number") })
        #expect(d.problems.contains { $0.hasPrefix("numa_node: not a number") })
        #expect(d.problems.contains { $0.hasPrefix("resource line 0 malformed") })
        #expect(d.vendorID == 0x8086)
    }

    @Test func topologySRIOVAndVMDDomains() throws {
        let tree = TreeBuilder("topology")
        defer { tree.remove() }
        tree.add(.init(address: "0000:00:1c.0", config: ConfigBuilder(classCode: 0x060400, headerType: 1).bytes))
        tree.add(.init(address: "0000:01:00.0", config: plainConfig(), driver: "igb", iommuGroup: 7, parent: "0000:00:1c.0"))
        tree.add(.init(address: "0000:01:10.0", config: plainConfig(device: 0x10ca), driver: "vfio-pci", iommuGroup: 8,
                       physfn: "0000:01:00.0", parent: "0000:00:1c.0"))
        // An Intel VMD endpoint owning domain 10000.
        tree.add(.init(address: "0000:00:0e.0", config: ConfigBuilder(device: 0x467f, classCode: 0x010400).bytes))
        // The VMD domain's root port hangs below the VMD endpoint, as Linux shows it.
        tree.add(.init(address: "10000:00:01.0", config: ConfigBuilder(classCode: 0x060400, headerType: 1).bytes,
                       parent: "0000:00:0e.0/pci10000:00", host: "pci0000:00"))
        tree.add(.init(address: "10000:01:00.0", config: ConfigBuilder(vendor: 0x144d, device: 0xa808, classCode: 0x010802).bytes,
                       parent: "0000:00:0e.0/pci10000:00/10000:00:01.0", host: "pci0000:00"))
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        let vf = try #require(r.device(PCIAddress("0000:01:10.0")!))
        #expect(vf.upstream == [PCIAddress("0000:00:1c.0")!])
        #expect(vf.physicalFunction == PCIAddress("0000:01:00.0"))
        #expect(vf.driver == "vfio-pci" && vf.iommuGroup == 8)
        #expect(r.device(PCIAddress("0000:01:00.0")!)?.virtualFunctions == [vf.address])
        #expect(r.devices.map(\.address.description).suffix(2) == ["10000:00:01.0", "10000:01:00.0"])
        let nvme = try #require(r.device(PCIAddress("10000:01:00.0")!))
        #expect(nvme.upstream.map(\.description) == ["0000:00:0e.0", "10000:00:01.0"])
        #expect(nvme.sysfsPath == "pci0000:00/0000:00:0e.0/pci10000:00/10000:00:01.0/10000:01:00.0")
        let topo = PCITopology(r.devices)
        #expect(topo.parent(of: vf.address)?.address == PCIAddress("0000:00:1c.0"))
        #expect(Set(topo.descendants(of: PCIAddress("0000:00:1c.0")!).map(\.address.description)) == ["0000:01:00.0", "0000:01:10.0"])
        #expect(topo.children(of: PCIAddress("0000:01:00.0")!).isEmpty)
        #expect(topo.iommuGroup(of: vf.address).map(\.address) == [vf.address])
        let tree_ = ListFormatter.tree(r.devices)
        #expect(tree_.contains { $0.hasPrefix("└─ 0000:01:10.0") || $0.hasPrefix("├─ 0000:01:10.0") })
    }
}
