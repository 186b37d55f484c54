import SluiceTestSupport
import Foundation
@testable import SluicePCI

/// Paths and helpers shared by the PCI tests.
enum TestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every captured tree in Tests/Fixtures/sysfs (whatever exists when the test runs), plus
    /// any listed in SLUICE_SYSFS_ROOTS (colon-separated), e.g. a fresh capture being checked.
    static var fixtureRoots: [String] {
        let dir = packageRoot.appendingPathComponent("Tests/Fixtures/sysfs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let extra = ProcessInfo.processInfo.environment["SLUICE_SYSFS_ROOTS"]?.split(separator: ":").map(String.init) ?? []
        return (names.sorted().map { dir.appendingPathComponent($0).path } + extra)
            .filter { FileManager.default.fileExists(atPath: $0 + "/sys/bus/pci/devices") }
    }

    static func run(_ tool: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func tempDir(_ tag: String) -> String {
        let path = NSTemporaryDirectory() + "sluice-pci-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The shared generator (Tests/SluiceTestSupport), visible to every file of this target.
typealias SplitMix64 = SluiceTestSupport.SplitMix64

/// Builds a small capture-format tree (DIR/sys/bus/pci/devices/<BDF> -> ../../../devices/...).
struct TreeBuilder {
    let root: String
    init(_ tag: String) { root = TestSupport.tempDir(tag) }

    struct Function {
        var address: String
        var config: [UInt8]
        var driver: String? = nil
        var iommuGroup: Int? = nil
        var physfn: String? = nil
        var parent: String? = nil
        /// Host bridge directory under sys/devices; default `pci<domain>:<bus>` of the address.
        var host: String? = nil
        var extra: [String: String] = [:]
        var omit: Set<String> = []
    }

    @discardableResult
    func add(_ f: Function) -> String {
        let fm = FileManager.default
        let host = f.host ?? "pci" + f.address.prefix(7)
        let rel = f.parent.map { "devices/\(host)/\($0)/\(f.address)" } ?? "devices/\(host)/\(f.address)"
        let dir = root + "/sys/" + rel
        try! fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try! fm.createDirectory(atPath: root + "/sys/bus/pci/devices", withIntermediateDirectories: true)
        func le16(_ o: Int) -> UInt16 { f.config.count >= o + 2 ? UInt16(f.config[o]) | UInt16(f.config[o + 1]) << 8 : 0xffff }
        let cls = f.config.count >= 12 ? UInt32(f.config[9]) | UInt32(f.config[10]) << 8 | UInt32(f.config[11]) << 16 : 0
        var attrs: [String: String] = [
            "vendor": "0x" + hex(le16(0), width: 4), "device": "0x" + hex(le16(2), width: 4),
            "class": "0x" + hex(cls, width: 6), "revision": "0x" + hex(f.config.count > 8 ? f.config[8] : 0, width: 2),
            "subsystem_vendor": "0x" + hex(le16(0x2c), width: 4), "subsystem_device": "0x" + hex(le16(0x2e), width: 4),
            "irq": "0", "numa_node": "-1", "enable": "1",
            "resource": String(repeating: "0x0000000000000000 0x0000000000000000 0x0000000000000000\n", count: 13),
        ]
        for (k, v) in f.extra { attrs[k] = v }
        for (k, v) in attrs where !f.omit.contains(k) { fm.createFile(atPath: dir + "/" + k, contents: Data((v.hasSuffix("\n") ? v : v + "\n").utf8)) }
        if !f.omit.contains("config") { fm.createFile(atPath: dir + "/config", contents: Data(f.config)) }
        let up = String(repeating: "../", count: 3)
        try! fm.createSymbolicLink(atPath: root + "/sys/bus/pci/devices/" + f.address, withDestinationPath: up + rel)
        let depth = rel.split(separator: "/").count
        let back = String(repeating: "../", count: depth)
        if let drv = f.driver {
            try! fm.createDirectory(atPath: root + "/sys/bus/pci/drivers/" + drv, withIntermediateDirectories: true)
            try! fm.createSymbolicLink(atPath: dir + "/driver", withDestinationPath: back + "bus/pci/drivers/" + drv)
        }
        if let g = f.iommuGroup {
            try? fm.createDirectory(atPath: root + "/sys/kernel/iommu_groups/\(g)/devices", withIntermediateDirectories: true)
            try! fm.createSymbolicLink(atPath: dir + "/iommu_group", withDestinationPath: back + "kernel/iommu_groups/\(g)")
        }
        if let pf = f.physfn {
            try! fm.createSymbolicLink(atPath: dir + "/physfn", withDestinationPath: "../" + pf)
        }
        return dir
    }

    /// SLUICE_KEEP_TREES=1 keeps generated trees for a look with lspci after a failure.
    func remove() {
        if ProcessInfo.processInfo.environment["SLUICE_KEEP_TREES"] == nil { try? FileManager.default.removeItem(atPath: root) }
    }
}

/// Config-space bytes built field by field.
struct ConfigBuilder {
    var bytes: [UInt8]
    init(size: Int = 256, vendor: UInt16 = 0x8086, device: UInt16 = 0x10d3, classCode: UInt32 = 0x020000, headerType: UInt8 = 0) {
        bytes = [UInt8](repeating: 0, count: size)
        put16(0, vendor); put16(2, device)
        bytes[9] = UInt8(classCode & 0xff); bytes[10] = UInt8((classCode >> 8) & 0xff); bytes[11] = UInt8(classCode >> 16)
        bytes[0x0e] = headerType
        put16(0x2c, vendor); put16(0x2e, 0x0001)
    }
    mutating func put8(_ o: Int, _ v: UInt8) { bytes[o] = v }
    mutating func put16(_ o: Int, _ v: UInt16) { bytes[o] = UInt8(v & 0xff); bytes[o + 1] = UInt8(v >> 8) }
    mutating func put32(_ o: Int, _ v: UInt32) { put16(o, UInt16(v & 0xffff)); put16(o + 2, UInt16(v >> 16)) }
    /// Standard capability: id at o, next pointer at o+1; sets the status bit and list head.
    mutating func cap(_ o: Int, id: UInt8, next: UInt8) {
        bytes[6] |= 0x10
        if bytes[0x34] == 0 { bytes[0x34] = UInt8(o) }
        bytes[o] = id; bytes[o + 1] = next
    }
    mutating func extCap(_ o: Int, id: UInt16, version: UInt8 = 1, next: Int) {
        put32(o, UInt32(id) | UInt32(version) << 16 | UInt32(next) << 20)
    }
}
