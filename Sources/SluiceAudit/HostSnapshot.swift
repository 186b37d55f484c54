import SluicePCI
import SluiceSystem

/// Everything the audit reads from a host (or a captured tree), read once, up front. The rest of
/// the audit is pure functions over this value, so a captured tree and a live host are judged alike.
public struct HostSnapshot: Sendable {
    public var root: String
    public var isLiveHost: Bool
    public var pci: PCIScanner.Result
    public var cmdline: String?
    public var interrupts: String?
    public var kernelLog: String?
    public var kernelVersion: String?
    public var ipv4Routes: String?
    public var ipv6Routes: String?
    public var mounts: String?
    public var swaps: String?
    public var dmar: [UInt8]?
    public var ivrs: [UInt8]?
    public var units: [IOMMUUnit]
    public var groups: [KernelGroup]
    /// Network interfaces: name -> what sysfs says of it.
    public var interfaces: [NetworkInterface]
    public var blockDevices: [BlockDevice]
    /// virtio 9p mount tags -> the PCI function carrying them.
    public var ninePTags: [String: PCIAddress]
    /// /dev/vfio/N -> processes holding it open (live hosts only).
    public var vfioHolders: [String: [String]]
    public var loadedModules: Set<String>
    /// /sys/kernel/security/lockdown, e.g. "none [integrity] confidentiality".
    public var lockdown: String?
    public var moduleParameters: [String: String]
    public var devVFIO: [String]
    /// The caller's soft RLIMIT_MEMLOCK (nil: unlimited or not known) and CAP_IPC_LOCK; read on
    /// live hosts only, since they are facts of this process, not of a captured machine.
    public var memlockLimit: UInt64?
    public var hasIPCLock = false
    public var problems: [String]

    public struct IOMMUUnit: Sendable {
        public var name: String
        public var kind: String
        public var capability: UInt64?
        public var extendedCapability: UInt64?
        public var version: String?
        public var address: String?
        public var amdFeatures: String?
        public var devices: [PCIAddress]
    }

    public struct KernelGroup: Sendable {
        public var id: Int
        public var type: String?
        public var reservedRegions: [String]
        public var devices: [PCIAddress]
    }

    public struct NetworkInterface: Sendable {
        public var name: String
        public var device: PCIAddress?
        /// bond/bridge/team this interface is enslaved to.
        public var master: String?
        /// Interfaces stacked on this one (VLANs, macvlans): upper_* links.
        public var uppers: [String]
    }

    public struct BlockDevice: Sendable {
        public var name: String
        public var device: PCIAddress?
        public var partitions: [String]
        public var holders: [String]
        /// dm-N's name under /dev/mapper.
        public var mapperName: String?
        public var slaves: [String]
    }
}

extension HostSnapshot {
    /// Reads a host or a captured tree. Never throws for a missing piece: it becomes a problem
    /// and the audit says what it could not judge. Throws only when PCI devices cannot be listed.
    public static func read(root path: String = "/") throws(SysfsError) -> HostSnapshot {
        try read(root: path, scan: scanDevices(root: path))
    }

    /// The PCI scan a snapshot starts from. The device attributes the audit weighs
    /// (reset_method, boot_vga, removable, driver_override) come with it, through the device
    /// directory it already holds.
    /// `names` false: the devices come unnamed (`lookUpNames` then names them).
    public static func scanDevices(root path: String, names: Bool = true) throws(SysfsError) -> PCIScanner.Result {
        try PCIScanner(root: path, options: .init(names: names, details: .assignment)).scan()
    }

    /// The rest of the snapshot around a finished scan (names looked up if the scan had none).
    /// Throws only when the root itself cannot be opened.
    public static func read(root path: String, scan: PCIScanner.Result) throws(SysfsError) -> HostSnapshot {
        try read(root: path, scan: scan, resolvingNames: true)
    }

    /// `resolvingNames` false: an unnamed scan stays unnamed (its caller names it).
    static func read(root path: String, scan: PCIScanner.Result, resolvingNames: Bool) throws(SysfsError) -> HostSnapshot {
        var pci = scan
        if resolvingNames, !pci.namesResolved { pci.resolveNames() }
        let root = try SysfsRoot.open(path)
        var problems: [String] = []
        func text(_ p: String, limit: Int = 1 << 20) -> String? {
            do { return try root.readText(p, limit: limit) } catch {
                if case .missing = error { return nil }
                problems.append("\(error)")
                return nil
            }
        }
        func bytes(_ p: String) -> [UInt8]? {
            do { return try root.read(p, limit: 1 << 20) } catch {
                if case .missing = error { return nil }
                problems.append("\(error)")
                return nil
            }
        }
        func list(_ p: String) -> [String] { (try? root.list(p)) ?? [] }
        func link(_ dir: String, _ name: String) -> String? {
            guard let d = try? root.directory(dir) else { return nil }
            return try? d.readLink(name)
        }

        var snapshot = HostSnapshot(
            root: path, isLiveHost: path == "/", pci: pci,
            cmdline: text("proc/cmdline"), interrupts: text("proc/interrupts", limit: 8 << 20),
            kernelLog: text("dmesg-iommu.txt", limit: 8 << 20), kernelVersion: text("proc/version"),
            ipv4Routes: text("proc/net/route", limit: 8 << 20), ipv6Routes: text("proc/net/ipv6_route", limit: 8 << 20),
            mounts: text("proc/mounts", limit: 8 << 20), swaps: text("proc/swaps"),
            dmar: bytes("sys/firmware/acpi/tables/DMAR"), ivrs: bytes("sys/firmware/acpi/tables/IVRS"),
            units: [], groups: [], interfaces: [], blockDevices: [], ninePTags: [:],
            vfioHolders: [:], loadedModules: Set(list("sys/module")),
            lockdown: text("sys/kernel/security/lockdown"), moduleParameters: [:],
            devVFIO: list("dev/vfio"), memlockLimit: nil, problems: [])

        for (module, params) in [("vfio", ["enable_unsafe_noiommu_mode"]),
                                 ("vfio_iommu_type1", ["allow_unsafe_interrupts", "dma_entry_limit"])] {
            for p in params {
                if let v = text("sys/module/\(module)/parameters/\(p)") { snapshot.moduleParameters["\(module).\(p)"] = v }
            }
        }

        for unit in list("sys/class/iommu").sorted() {
            let base = "sys/class/iommu/\(unit)"
            let intel = text("\(base)/intel-iommu/cap")
            var u = IOMMUUnit(name: unit, kind: intel != nil ? "intel-vtd" : "amd-vi",
                              capability: intel.flatMap { UInt64($0, radix: 16) },
                              extendedCapability: text("\(base)/intel-iommu/ecap").flatMap { UInt64($0, radix: 16) },
                              version: text("\(base)/intel-iommu/version"), address: text("\(base)/intel-iommu/address"),
                              amdFeatures: text("\(base)/amd-iommu/features"), devices: [])
            if intel == nil, let cap = text("\(base)/amd-iommu/cap") { u.capability = UInt64(cap.dropHexPrefix, radix: 16) }
            u.devices = list("\(base)/devices").compactMap(PCIAddress.init).sorted()
            snapshot.units.append(u)
        }

        // Membership comes from each device's iommu_group link, which the scan already read.
        var members: [Int: [PCIAddress]] = [:]
        for i in pci.devices.indices { if let g = pci.devices[i].iommuGroup { members[g, default: []].append(pci.devices[i].address) } }
        // A group's attributes are two small files; hosts have as many groups as devices, so
        // these reads are shared among threads like the device scan.
        let ids = list("sys/kernel/iommu_groups").compactMap { Int($0) }.sorted()
        let attributes = Parallel.mapShares(count: ids.count) { indices, put in
            readGroupAttributes(indices, of: ids, root: path, put: put)
        }
        for (id, (type, reserved)) in zip(ids, attributes) {
            snapshot.groups.append(KernelGroup(id: id, type: type, reservedRegions: reserved, devices: (members[id] ?? []).sorted()))
        }

        for name in list("sys/class/net").sorted() where name != "lo" {
            let base = "sys/class/net/\(name)"
            let entries = list(base)
            snapshot.interfaces.append(NetworkInterface(
                name: name, device: link("sys/class/net", name).flatMap(lastPCIAddress),
                master: link(base, "master").map { String($0.split(separator: "/").last ?? "") },
                uppers: entries.filter { $0.hasPrefix("upper_") }.map { String($0.dropFirst(6)) }))
        }

        // sys/block has disks only; sys/class/block (what a capture may hold) also partitions.
        let blockDir = list("sys/block").isEmpty ? "sys/class/block" : "sys/block"
        for name in list(blockDir).sorted() {
            let base = "\(blockDir)/\(name)"
            let entries = list(base)
            snapshot.blockDevices.append(BlockDevice(
                name: name, device: link(blockDir, name).flatMap(lastPCIAddress),
                partitions: entries.filter { $0.hasPrefix(name) },
                holders: list("\(base)/holders"), mapperName: text("\(base)/dm/name"),
                slaves: list("\(base)/slaves")))
        }

        for name in list("sys/bus/virtio/devices") {
            if let tag = text("sys/bus/virtio/devices/\(name)/mount_tag")?.trimmingCharacters(in: ["\0"]),
               let pci = link("sys/bus/virtio/devices", name).flatMap(lastPCIAddress) {
                snapshot.ninePTags[tag] = pci
            }
        }

        if snapshot.isLiveHost {
            snapshot.vfioHolders = findVFIOHolders(root)
            // The log is only the fallback evidence for interrupt remapping (each record is a
            // read of /dev/kmsg): read when /proc/interrupts does not already decide it.
            if snapshot.kernelLog == nil,
               InterruptRemappingEvidence.judge(interrupts: snapshot.interrupts, kernelLog: nil).state == .unknown {
                snapshot.kernelLog = KernelLog.iommuLines()
            }
            snapshot.memlockLimit = ResourceLimits.memlock()
            snapshot.hasIPCLock = ResourceLimits.hasIPCLock()
        }
        snapshot.problems = pci.problems + problems
        return snapshot
    }

    /// `type` and `reserved_regions` of each group, read through a root handle of this thread's own.
    static func readGroupAttributes(_ indices: Parallel.Indices, of ids: [Int], root path: String,
                                    put: (Int, (String?, [String])) -> Void) {
        guard let root = try? SysfsRoot.open(path), let groups = try? root.directory("sys/kernel/iommu_groups") else {
            for j in indices { put(j, (nil, [])) }
            return
        }
        // Each file read by its path from the groups directory: no handle per group to open
        // and close, and an absent attribute costs one failed stat.
        for j in indices {
            let dir = String(ids[j])
            let reserved = ((try? groups.readTextIfPresent(dir + "/reserved_regions")) ?? nil).map { $0.split(separator: "\n").map(String.init) }
            put(j, ((try? groups.readTextIfPresent(dir + "/type")) ?? nil, reserved ?? []))
        }
    }

    /// Processes holding /dev/vfio/N open: a device of a running VM.
    static func findVFIOHolders(_ root: borrowing SysfsDirectory) -> [String: [String]] {
        var holders: [String: [String]] = [:]
        for pid in (try? root.list("proc")) ?? [] where pid.allSatisfy(\.isNumber) {
            guard let fds = try? root.directory("proc/\(pid)/fd"), let names = try? root.list("proc/\(pid)/fd") else { continue }
            for fd in names {
                guard let target = try? fds.readLink(fd), target.hasPrefix("/dev/vfio/"), target != "/dev/vfio/vfio" else { continue }
                let comm = (try? root.readText("proc/\(pid)/comm")) ?? "?"
                holders[String(target.dropFirst("/dev/vfio/".count)), default: []].append("\(comm)[\(pid)]")
            }
        }
        return holders
    }
}

/// The last path component that is a PCI address: the function a class device hangs off.
func lastPCIAddress(_ linkTarget: String) -> PCIAddress? {
    linkTarget.split(separator: "/").reversed().lazy.compactMap { PCIAddress(String($0)) }.first
}

extension String {
    var dropHexPrefix: String { hasPrefix("0x") ? String(dropFirst(2)) : self }
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) || f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, set.contains(l) || l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
