import SluiceSystem
import SluiceVFIO

/// Facts about the host outside sysfs that binding consults: other device managers and whether
/// the host needs a device. Reads files under `root` ("" for the real host; a directory in tests).
public struct HostFacts: Sendable {
    public var root: String
    /// What the IOMMU audit found the host depends on (address -> reasons). When set, it replaces
    /// the minimal built-in check below: the CLI fills it from `sluice audit`'s host snapshot.
    public var hostCriticalDevices: [String: [String]]?
    public init(root: String = "", hostCriticalDevices: [String: [String]]? = nil) {
        self.root = root
        self.hostCriticalDevices = hostCriticalDevices
    }

    func file(_ p: String) -> String? { try? Files.readText(root + p) }

    /// driverctl overrides, libvirt domains holding the device, vfio-pci.ids= on the command line
    /// or in modprobe.d: each would fight Sluice over the device, so each is named.
    public func otherManagers(_ f: SysfsPCIFunction) -> [String] {
        var notes: [String] = []
        if Files.exists(root + "/etc/driverctl.d/pci-\(f.address)") {
            notes.append("driverctl has an override for \(f.address) (/etc/driverctl.d/pci-\(f.address)); it reapplies it at boot: `driverctl unset-override \(f.address)` to let Sluice manage it")
        }
        let parts = f.address.split(whereSeparator: { $0 == ":" || $0 == "." })
        if parts.count == 4 {
            let needle = "bus='0x\(parts[1])' slot='0x\(parts[2])' function='0x\(parts[3])'"
            for dir in ["/etc/libvirt/qemu", "/run/libvirt/qemu"] {
                for name in ((try? Files.list(root + dir)) ?? []) where name.hasSuffix(".xml") {
                    if let xml = file("\(dir)/\(name)"), xml.contains(needle) {
                        notes.append("libvirt domain \(dir)/\(name) assigns \(f.address) (managed hostdev): libvirt rebinds it when that domain starts or stops")
                    }
                }
            }
        }
        let ids = f.vendorDevice.lowercased()
        if let cmdline = file("/proc/cmdline"), let arg = cmdline.split(separator: " ").first(where: { $0.hasPrefix("vfio-pci.ids=") }) {
            let hit = arg.dropFirst("vfio-pci.ids=".count).split(separator: ",").contains { $0.lowercased().hasPrefix(ids) }
            notes.append("kernel command line has \(String(arg).trimmingNewlines())" + (hit ? ": it claims every \(ids) device for vfio-pci at boot, not only \(f.address)" : ""))
        }
        for name in ((try? Files.list(root + "/etc/modprobe.d")) ?? []) {
            if let conf = file("/etc/modprobe.d/\(name)"), conf.contains("vfio-pci"), conf.contains("ids=") {
                notes.append("/etc/modprobe.d/\(name) sets vfio-pci ids=: vendor:device-wide claims at module load")
            }
        }
        return notes
    }

    /// Why the host needs this device, if it does (a minimal check until the audit's verdicts are
    /// wired in): the boot VGA device, a network interface that is enslaved to a bond or bridge,
    /// has a VLAN or other upper device, or carries a route, or a block device that is mounted.
    public func hostCriticalReason(_ f: SysfsPCIFunction, sysfs: SysfsIO) -> String? {
        if let audited = hostCriticalDevices {
            return audited[f.address].map { $0.joined(separator: "; ") }
        }
        if sysfs.read("bus/pci/devices/\(f.address)/boot_vga") == "1" {
            return "it is the boot VGA device (the host console)"
        }
        let ifaces = sysfs.list("bus/pci/devices/\(f.address)/net")
        for i in ifaces {
            if let master = sysfs.linkTarget("class/net/\(i)/master") {
                return "network interface \(i) is a member of \(master) (bond or bridge)"
            }
            if let upper = sysfs.list("class/net/\(i)").first(where: { $0.hasPrefix("upper_") }) {
                return "network interface \(i) has \(upper.dropFirst(6)) stacked on it (VLAN, bond or macvlan)"
            }
        }
        if !ifaces.isEmpty, let routes = file("/proc/net/route") {
            for line in routes.split(separator: "\n").dropFirst() {
                if let i = line.split(separator: "\t").first, ifaces.contains(String(i)) {
                    return "network interface \(i) carries a route (/proc/net/route)"
                }
            }
        }
        if let mounts = file("/proc/mounts") {
            let disks = sysfs.list("bus/pci/devices/\(f.address)/nvme").flatMap { sysfs.list("class/nvme/\($0)") }
                + sysfs.list("bus/pci/devices/\(f.address)/block")
            for d in disks where !d.isEmpty {
                if mounts.split(separator: "\n").contains(where: { $0.hasPrefix("/dev/\(d)") }) {
                    return "block device /dev/\(d) is mounted"
                }
            }
        }
        return nil
    }

    func vfNote(_ f: SysfsPCIFunction, sysfs: SysfsIO) -> String {
        let pf = sysfs.linkTarget("bus/pci/devices/\(f.address)/physfn") ?? "?"
        let pfDriver = sysfs.linkTarget("bus/pci/devices/\(pf)/driver")
        let autoprobe = sysfs.read("bus/pci/devices/\(pf)/sriov_drivers_autoprobe") ?? "?"
        var note = "\(f.address) is an SR-IOV VF of \(pf) (PF driver \(pfDriver ?? "none"), sriov_drivers_autoprobe=\(autoprobe))"
        if pfDriver == "vfio-pci" {
            note += "; the PF is on vfio-pci, so opening this VF needs the PF user's VF token (VFIO_GROUP_GET_DEVICE_FD \"\(f.address) vf_token=UUID\")"
        }
        return note
    }
}
