#if canImport(Glibc)
import SluiceSystem
import Glibc
#endif
import SluiceVFIO

/// The sysfs operations binding needs, over a root directory, so tests can use a fake tree.
/// Paths are relative to the sysfs root ("bus/pci/devices/0000:01:00.0/driver_override").
public protocol SysfsIO: AnyObject {
    func read(_ path: String) -> String?
    func write(_ path: String, _ value: String) throws(SysfsWriteError)
    /// The last path component a symlink points at ("vfio-pci" for .../driver).
    func linkTarget(_ path: String) -> String?
    func list(_ path: String) -> [String]
    func exists(_ path: String) -> Bool
}

public struct SysfsWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var value: String
    public var errno: CInt
    public var description: String {
        "write \"\(value)\" to \(path): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The real sysfs (or a captured/writable copy of one) under `root`, normally "/sys".
public final class DirectorySysfs: SysfsIO {
    public let root: String
    public init(root: String = "/sys") { self.root = root }

    func full(_ p: String) -> String { root + "/" + p }

    public func read(_ path: String) -> String? {
        (try? Files.readText(full(path)))?.trimmingNewlines()
    }

    public func write(_ path: String, _ value: String) throws(SysfsWriteError) {
        // One write(2) of the whole value: sysfs stores take a single buffer.
        let fd = open(full(path), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SysfsWriteError(path: path, value: value, errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw SysfsWriteError(path: path, value: value, errno: n < 0 ? errno : EIO) }
    }

    public func linkTarget(_ path: String) -> String? {
        Files.readLink(full(path)).flatMap { $0.split(separator: "/").last.map(String.init) }
    }

    public func list(_ path: String) -> [String] { (try? Files.list(full(path))) ?? [] }
    public func exists(_ path: String) -> Bool { Files.exists(full(path)) }
}

extension String {
    func trimmingNewlines() -> String {
        var s = Substring(self)
        while let l = s.last, l == "\n" || l == " " || l == "\0" { s = s.dropLast() }
        return String(s)
    }
}

/// One PCI function as binding sees it in sysfs.
public struct SysfsPCIFunction: Sendable, Equatable, Codable {
    public var address: String
    public var driver: String?
    public var driverOverride: String?
    public var classCode: UInt32
    public var vendorDevice: String
    public var iommuGroup: Int?
    public var isBridge: Bool { classCode >> 8 == 0x0604 || classCode >> 8 == 0x0609 }
    public var isVF: Bool
    public var sriovVFsEnabled: Int

    public static func read(_ address: String, from sysfs: SysfsIO) -> SysfsPCIFunction? {
        let dir = "bus/pci/devices/\(address)"
        guard sysfs.exists(dir) else { return nil }
        let override = sysfs.read("\(dir)/driver_override")
        let hex = { (s: String?) in s.flatMap { UInt32($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) } }
        let vendor = sysfs.read("\(dir)/vendor").map { $0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0 } ?? "????"
        let device = sysfs.read("\(dir)/device").map { $0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0 } ?? "????"
        return SysfsPCIFunction(
            address: address, driver: sysfs.linkTarget("\(dir)/driver"),
            driverOverride: (override == nil || override == "(null)" || override == "") ? nil : override,
            classCode: hex(sysfs.read("\(dir)/class")) ?? 0, vendorDevice: "\(vendor):\(device)",
            iommuGroup: sysfs.linkTarget("\(dir)/iommu_group").flatMap { Int($0) },
            isVF: sysfs.exists("\(dir)/physfn"),
            sriovVFsEnabled: sysfs.read("\(dir)/sriov_numvfs").flatMap { Int($0) } ?? 0)
    }
}
