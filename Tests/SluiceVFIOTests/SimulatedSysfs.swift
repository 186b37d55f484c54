#if canImport(Glibc)
import Glibc
#endif
@testable import SluiceVFIO
@testable import SluiceBinding

/// A fake of the kernel's PCI sysfs for unit tests of the binding logic: it acts on
/// driver_override, unbind, drivers_probe and bind the way the kernel does, and fails the Nth
/// write (counting from 1) with EIO, applying nothing, so every step's failure can be injected.
final class SimulatedSysfs: SysfsIO {
    struct Device {
        var driver: String?
        var override: String?
        var group: Int
        var classCode: String = "0x020000"
        var defaultDriver: String?
        var vendor = "0x8086", device = "0x10d3"
        var netIfaces: [String] = []
        var physfn: String? = nil
        var numVFs = 0
        var bootVGA = false
    }
    /// Network interface -> its master (bond/bridge) and upper devices, as under /sys/class/net.
    var netMaster: [String: String] = [:]
    var netUppers: [String: [String]] = [:]
    var devices: [String: Device]
    var loadedDrivers: Set<String> = ["vfio-pci", "e1000e", "ahci", "i801_smbus", "lpc_ich", "pcieport"]
    var failAt: Int?
    var writes = 0
    var journal: [String] = []
    /// A driver that refuses the device on probe (the kernel says ENODEV in dmesg; nothing binds).
    var refusingDriver: String?

    init(_ devices: [String: Device]) { self.devices = devices }

    func parts(_ p: String) -> [String] { p.split(separator: "/").map(String.init) }

    func read(_ path: String) -> String? {
        let c = parts(path)
        if c.count == 5, c[4] == "boot_vga", let d = devices[c[3]] { return d.bootVGA ? "1" : "0" }
        guard c.count == 5, c[0] == "bus", c[2] == "devices", let d = devices[c[3]] else { return nil }
        switch c[4] {
        case "driver_override": return d.override ?? "(null)"
        case "class": return d.classCode
        case "vendor": return d.vendor
        case "device": return d.device
        case "sriov_numvfs": return d.physfn == nil && d.numVFs > 0 ? String(d.numVFs) : nil
        default: return nil
        }
    }

    func write(_ path: String, _ value: String) throws(SysfsWriteError) {
        writes += 1
        journal.append("\(path) <- \(value)")
        if writes == failAt { throw SysfsWriteError(path: path, value: value, errno: EIO) }
        let c = parts(path)
        let v = value.trimmingNewlines()
        if path == "bus/pci/drivers_probe" {
            guard var d = devices[v], d.driver == nil else { return }
            let want = d.override ?? d.defaultDriver
            if let w = want, loadedDrivers.contains(w), w != refusingDriver { d.driver = w }
            devices[v] = d
        } else if c.count == 5, c[0] == "bus", c[2] == "drivers", c[4] == "bind" {
            guard var d = devices[v], d.driver == nil else { throw SysfsWriteError(path: path, value: value, errno: EBUSY) }
            if d.override != nil && d.override != c[3] { throw SysfsWriteError(path: path, value: value, errno: ENODEV) }
            d.driver = c[3]; devices[v] = d
        } else if c.count == 5, c[2] == "devices", c[4] == "driver_override" {
            devices[c[3]]?.override = v.isEmpty ? nil : v
        } else if c.count == 6, c[2] == "devices", c[4] == "driver", c[5] == "unbind" {
            guard devices[c[3]]?.driver != nil, v == c[3] else { throw SysfsWriteError(path: path, value: value, errno: ENODEV) }
            devices[c[3]]?.driver = nil
        } else {
            throw SysfsWriteError(path: path, value: value, errno: EACCES)
        }
    }

    func linkTarget(_ path: String) -> String? {
        let c = parts(path)
        if c.count == 4, c[0] == "class", c[1] == "net", c[3] == "master" { return netMaster[c[2]] }
        guard c.count == 5, c[2] == "devices", let d = devices[c[3]] else { return nil }
        switch c[4] {
        case "driver": return d.driver
        case "iommu_group": return String(d.group)
        case "physfn": return d.physfn
        default: return nil
        }
    }

    func list(_ path: String) -> [String] {
        let c = parts(path)
        if c.count == 4, c[0] == "kernel", c[1] == "iommu_groups", let g = Int(c[2]) {
            return devices.filter { $0.value.group == g }.map(\.key).sorted()
        }
        if c.count == 5, c[2] == "devices", c[4] == "net" { return devices[c[3]]?.netIfaces ?? [] }
        if c.count == 3, c[0] == "class", c[1] == "net" { return (netUppers[c[2]] ?? []).map { "upper_" + $0 } }
        return []
    }

    func exists(_ path: String) -> Bool {
        let c = parts(path)
        if c.count == 3, c[0] == "bus", c[1] == "pci", c[2] == "drivers_probe" { return true }
        if c.count == 4, c[2] == "drivers" { return loadedDrivers.contains(c[3]) }
        if c.count == 4, c[2] == "devices" { return devices[c[3]] != nil }
        if c.count == 5, c[2] == "devices", c[4] == "physfn" { return devices[c[3]]?.physfn != nil }
        return false
    }

    /// Driver and override of every device: what "rolled back completely" compares.
    var snapshot: [String: String] {
        devices.mapValues { "\($0.driver ?? "-")|\($0.override ?? "-")" }
    }

    /// The lab's default topology: e1000e alone in group 6, ICH9 functions sharing group 5.
    static func lab(ichDriversLoaded: Bool) -> SimulatedSysfs {
        SimulatedSysfs([
            "0000:00:02.0": Device(driver: "pcieport", group: 2, classCode: "0x060400", defaultDriver: "pcieport"),
            "0000:01:00.0": Device(driver: "e1000e", group: 6, defaultDriver: "e1000e"),
            "0000:00:1f.0": Device(driver: ichDriversLoaded ? "lpc_ich" : nil, group: 5, classCode: "0x060100", defaultDriver: "lpc_ich", device: "0x2918"),
            "0000:00:1f.2": Device(driver: ichDriversLoaded ? "ahci" : nil, group: 5, classCode: "0x010601", defaultDriver: "ahci", device: "0x2922"),
            "0000:00:1f.3": Device(driver: ichDriversLoaded ? "i801_smbus" : nil, group: 5, classCode: "0x0c0500", defaultDriver: "i801_smbus", device: "0x2930"),
        ])
    }
}
