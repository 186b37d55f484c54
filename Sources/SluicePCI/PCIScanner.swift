import SluiceSystem
import Synchronization

/// Enumerates every PCI function under a sysfs root (`/` or a captured tree).
public struct PCIScanner: Sendable {
    public struct Options: Sendable {
        /// Read the full config space (capabilities); otherwise only the 64-byte header.
        public var fullConfig: Bool
        public var idsPath: String
        /// Consult udev's hwdb (through libpci) for ids pci.ids lacks, as lspci does.
        public var useHwdb: Bool
        public var names: Bool
        /// Attributes beyond identity, config, driver, IOMMU group and SR-IOV links: each costs
        /// syscalls per device, so a caller asks for what it shows or judges.
        public var details: Details
        /// Find a captured tree's devices by walking sys/devices (off: through each device's
        /// bus link, as on the live sysfs; tests compare the two).
        var walksCapturedTrees = true

        public init(fullConfig: Bool = true, idsPath: String = PCIIDsFile.defaultPath, useHwdb: Bool = true, names: Bool = true,
                    details: Details = .standard) {
            self.fullConfig = fullConfig; self.idsPath = idsPath; self.useHwdb = useHwdb; self.names = names
            self.details = details
        }
    }

    public struct Details: OptionSet, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let resources = Details(rawValue: 1 << 0)
        public static let numaNode = Details(rawValue: 1 << 1)
        public static let irq = Details(rawValue: 1 << 2)
        public static let resetMethods = Details(rawValue: 1 << 3)
        public static let enable = Details(rawValue: 1 << 4)
        public static let localCPUList = Details(rawValue: 1 << 5)
        public static let d3coldAllowed = Details(rawValue: 1 << 6)
        public static let driverOverride = Details(rawValue: 1 << 7)
        public static let bootVGA = Details(rawValue: 1 << 8)
        public static let removable = Details(rawValue: 1 << 9)
        /// What `sluice list` prints.
        public static let standard: Details = [.resources, .numaNode]
        public static let all = Details(rawValue: (1 << 10) - 1)
        /// What an assignment decision weighs (the audit): resets, overrides, display, slot.
        public static let assignment: Details = [.resetMethods, .driverOverride, .bootVGA, .removable]
    }

    public struct Result: Sendable {
        public var devices: [PCIDevice]
        /// Problems not tied to one kept device: unreadable directories, vanished devices, names.
        public var problems: [String]
        /// Devices whose config space was cut to the 64-byte header (a non-root reader).
        public var truncatedConfigCount: Int
        /// Whether `resolveNames` has run (a scan with `names` runs it).
        public var namesResolved = false

        public func device(_ a: PCIAddress) -> PCIDevice? { devices.first { $0.address == a } }
    }

    static let devicesDir = "sys/bus/pci/devices"

    struct Listed: Sendable {
        var address: PCIAddress
        var name: String
        /// Where it stands in the scan's sorted list (and in its result).
        var position: Int
    }
    /// Every attribute and link a scan may look at (listed once per device in a capture).
    static let attributes = ["config", "vendor", "device", "class", "revision", "subsystem_vendor", "subsystem_device",
                             "resource", "irq", "numa_node", "modalias", "driver", "iommu_group", "physfn",
                             "sriov_totalvfs", "sriov_numvfs", "reset_method", "enable", "local_cpulist", "d3cold_allowed",
                             "driver_override", "boot_vga", "removable"]
    static let attributeNames = SysfsNames(attributes)

    public let rootPath: String
    public let options: Options

    public init(root: String = "/", options: Options = Options()) {
        rootPath = root; self.options = options
    }

    /// Scans. Throws only when the root itself or its PCI device directory cannot be listed.
    public func scan(filter: (PCIAddress) -> Bool = { _ in true }) throws(SysfsError) -> Result {
        let root = try SysfsRoot.open(rootPath)
        let failures = FailureLog()
        let functions: FunctionList
        var devices: [PCIDevice]
        // A captured tree is listed directory by directory anyway (for the types of its
        // files), so walking it down from sys/devices finds each device without its link.
        // The live sysfs is not listed: there each device is found through its link.
        if options.walksCapturedTrees && !root.isLive {
            (functions, devices) = try walk(root: root, filter: filter, failures: failures)
        } else {
            var list = try FunctionList(root: rootPath)
            list.keep(filter)
            functions = list
            devices = readThroughLinks(list.listed, failures: failures)
        }
        let listed = functions.listed
        var problems = functions.problems
        // A device directory that went away between listing and reading (hot unplug, VF
        // teardown) or cannot be entered: say so and keep the others.
        let failed = failures.sorted()
        if !failed.isEmpty {
            for (i, error) in failed { problems.append("\(listed[i].address): \(error)") }
            let drop = Set(failed.map(\.index))
            devices = devices.indices.filter { !drop.contains($0) }.map { devices[$0] }
        }
        let truncated = options.fullConfig ? devices.indices.filter { devices[$0].config.capabilities?.unreadable == true }.count : 0
        linkVirtualFunctions(&devices)
        if truncated > 0 {
            problems.append("config space of \(truncated) device(s) is only the 64-byte header (sysfs gives more to root): capabilities not decoded")
        }
        // Moved, not copied: naming the devices below then changes them in place.
        var result = Result(devices: consume devices, problems: problems, truncatedConfigCount: truncated)
        if options.names { result.resolveNames(idsPath: options.idsPath, useHwdb: options.useHwdb) }
        return result
    }

    /// The kernel's list of functions under a root (`bus/pci/devices`), in address order.
    struct FunctionList: Sendable {
        var listed: [Listed] = []
        /// Entries that are not PCI addresses.
        var problems: [String] = []

        /// Reads the list through a root handle of its own (so any thread can).
        init(root rootPath: String) throws(SysfsError) {
            let dir = try SysfsRoot.open(rootPath).directory(PCIScanner.devicesDir)
            for name in try dir.list() {
                guard let a = PCIAddress(name) else {
                    problems.append("\(dir.path)/\(name): not a PCI address, ignored")
                    continue
                }
                listed.append(Listed(address: a, name: name, position: 0))
            }
            listed.sort { $0.address < $1.address }
        }

        /// Keeps the functions `filter` wants, numbered in order.
        mutating func keep(_ filter: (PCIAddress) -> Bool) {
            listed.removeAll { !filter($0.address) }
            for i in listed.indices { listed[i].position = i }
        }
    }

    /// Reads `listed` through their `bus/pci/devices` links, shared among threads.
    func readThroughLinks(_ listed: [Listed], failures: FailureLog) -> [PCIDevice] {
        // Reading devices is syscall-bound and each one independent: shared among threads,
        // each with its own handles on the root (a descriptor is cheap; sharing one is not
        // wrong, but the handles here are not Sendable by design).
        let scanner = self
        return Parallel.mapShares(count: listed.count) { indices, put in
            scanner.readShare(indices, of: listed, failures: failures, put: put)
        }
    }

    /// A stand-in for a device that could not be read, its error logged (dropped from the result).
    static func placeholder(_ l: Listed, _ error: SysfsError, failures: FailureLog) -> PCIDevice {
        failures.add(l.position, error)
        return PCIDevice(address: l.address, vendorID: 0xffff, deviceID: 0xffff, classCode: 0, revision: 0,
                         config: DecodedConfig(ConfigSpace([]), capabilities: false))
    }

    /// Reads this thread's devices through handles of its own; a device that cannot be read
    /// gets a placeholder (dropped afterwards) and its error logged.
    private func readShare(_ indices: Parallel.Indices, of listed: [Listed], failures: FailureLog, put: (Int, consuming PCIDevice) -> Void) {
        do throws(SysfsError) {
            let root = try SysfsRoot.open(rootPath)
            let dir = try root.directory(Self.devicesDir)
            for i in indices {
                do throws(SysfsError) {
                    put(i, try readDevice(listed[i].address, name: listed[i].name, root: root, devicesDir: dir))
                } catch {
                    put(i, Self.placeholder(listed[i], error, failures: failures))
                }
            }
        } catch {
            for i in indices { put(i, Self.placeholder(listed[i], error, failures: failures)) }
        }
    }

    /// Reads a device through its `bus/pci/devices` link: the live sysfs (not listed, so not
    /// walked), and captured devices the walk did not reach.
    func readDevice(_ a: PCIAddress, name: String, root: borrowing SysfsDirectory,
                    devicesDir: borrowing SysfsDirectory) throws(SysfsError) -> PCIDevice {
        // Opened from the root: the bus link points into sys/devices, outside bus/pci/devices,
        // and RESOLVE_BENEATH is relative to the directory it starts from. Attributes are then
        // read beneath the device directory itself.
        // The bus link is read first: it gives the topology, and its target, resolved
        // lexically, lets the open skip walking the link. The kernel still checks that the
        // path stays beneath the root (RESOLVE_BENEATH); an odd target takes the link path.
        let linkTarget = try? devicesDir.readLink(name)
        let link = linkTarget.map { DeviceLink(base: Self.devicesDir, target: $0) }
        let dev = try root.directory(link?.resolved ?? Self.devicesDir + "/" + name, listing: Self.attributeNames)
        // Topology from where the link points: every path component that is a PCI address
        // above this one is an upstream bridge (or a VMD endpoint).
        guard let link else {
            var d = readDevice(a, in: dev, sysfsPath: "", upstream: [])
            d.problems.append("\(Self.devicesDir)/\(name): not a symlink into sys/devices: topology unknown")
            return d
        }
        return readDevice(a, in: dev, sysfsPath: link.sysfsPath ?? "", upstream: link.upstream)
    }

    /// Reads the device whose directory is `dev`, placed at `sysfsPath` below `sys/devices`
    /// under the functions `upstream`.
    func readDevice(_ a: PCIAddress, in dev: borrowing SysfsDirectory, sysfsPath: String, upstream: [PCIAddress]) -> PCIDevice {
        var problems: [String] = []

        // Each helper first asks the listing (captured trees): an absent attribute then costs
        // neither a system call nor an error value built only to be dropped.
        func text(_ attr: String) -> String? {
            if dev.isListedAbsent(attr) { return nil }
            do { return try dev.readText(attr) } catch {
                if case .missing = error {} else { problems.append(error.description) }
                return nil
            }
        }
        func number(_ attr: String, required: Bool) -> UInt64? {
            if dev.isListedAbsent(attr) {
                if required { problems.append("\(attr): missing") }
                return nil
            }
            do {
                guard let v = try dev.readNumber(attr, hex: true) else { return nil }
                guard let v, v >= 0 else { problems.append("\(attr): not a number"); return nil }
                return UInt64(v)
            } catch {
                if case .missing = error { if required { problems.append("\(attr): missing") } }
                else { problems.append(error.description) }
                return nil
            }
        }
        func decimal(_ attr: String) -> Int? {
            if dev.isListedAbsent(attr) { return nil }
            do {
                guard let v = try dev.readNumber(attr, hex: false) else { return nil }
                guard let v else { problems.append("\(attr): not a number"); return nil }
                return Int(v)
            } catch {
                if case .missing = error {} else { problems.append(error.description) }
                return nil
            }
        }
        func bytes(_ attr: String) -> [UInt8]? {
            if dev.isListedAbsent(attr) { return nil }
            do { return try dev.read(attr) } catch {
                if case .missing = error {} else { problems.append(error.description) }
                return nil
            }
        }
        /// The last component of a link's target (`../../../bus/pci/drivers/e1000e` -> e1000e),
        /// handed over as bytes.
        func linkName<T>(_ attr: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
            if dev.isListedAbsent(attr) { return nil }
            do {
                return try dev.withLinkTarget(attr) { target -> T? in
                    let start = target.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
                    return parse(UnsafeBufferPointer(rebasing: target[start...]))
                }
            } catch {
                if case .missing = error {} else { problems.append(error.description) }
                return nil
            }
        }

        var configBytes: [UInt8] = []
        do {
            if options.fullConfig, dev.isLive {
                configBytes = try dev.withFile("config") { ConfigReader.readSparse($0) }
            } else {
                configBytes = try dev.read("config", limit: options.fullConfig ? 4096 : 64, prefixOnly: !options.fullConfig)
            }
        } catch {
            problems.append(error.description)
        }
        let decoded = DecodedConfig(ConfigSpace(configBytes), capabilities: options.fullConfig)
        let header = decoded.header

        // Identity: vendor and device from the config bytes already read, which is what the
        // kernel's sysfs files hold too, except for SR-IOV VFs (their registers read 0xffff;
        // the kernel takes the ids from the PF): then, or without a header, from the files.
        // The class always from sysfs: kernel quirks fix wrong class codes, lspci shows those.
        var vendor: UInt16 = 0xffff, device: UInt16 = 0xffff
        if let header, header.vendorID != 0xffff, header.deviceID != 0xffff {
            vendor = header.vendorID; device = header.deviceID
        } else {
            vendor = number("vendor", required: true).map { UInt16(truncatingIfNeeded: $0) } ?? header?.vendorID ?? 0xffff
            device = number("device", required: true).map { UInt16(truncatingIfNeeded: $0) } ?? header?.deviceID ?? 0xffff
        }
        let cls = number("class", required: true).map { UInt32(truncatingIfNeeded: $0) } ?? header?.classCode ?? 0
        // Revision and a type 0 header's subsystem ids come from the config bytes already read,
        // as lspci prints them; the files only when the header is missing. (A bridge's
        // subsystem ids live in a capability, so its files are read.)
        let revision = header?.revision ?? number("revision", required: false).map { UInt8(truncatingIfNeeded: $0) } ?? 0

        var d = PCIDevice(address: a, vendorID: vendor, deviceID: device, classCode: cls & 0xff_ffff,
                          revision: revision, config: decoded)
        if case .endpoint(let sv, let sd, _, _, _)? = header?.layout {
            d.subsystemVendorID = sv; d.subsystemDeviceID = sd
        } else if case .bridge? = header?.layout, let ids = Self.bridgeSubsystem(decoded) {
            d.subsystemVendorID = ids.vendor; d.subsystemDeviceID = ids.device
        } else {
            d.subsystemVendorID = number("subsystem_vendor", required: false).map { UInt16(truncatingIfNeeded: $0) }
            d.subsystemDeviceID = number("subsystem_device", required: false).map { UInt16(truncatingIfNeeded: $0) }
        }
        d.driver = linkName("driver") { String(decoding: $0, as: UTF8.self) }
        d.iommuGroup = linkName("iommu_group") { Self.groupNumber($0) }
        d.physicalFunction = linkName("physfn") { PCIAddress(utf8: $0) }
        let details = options.details
        if details.contains(.numaNode) { d.numaNode = decimal("numa_node") }
        if details.contains(.irq) { d.irq = decimal("irq") }
        if details.contains(.resources), let r = bytes("resource") {
            let parsed = PCIResource.parse(r)
            d.resources = parsed.resources
            problems += parsed.problems
        }
        if decoded.sriov != nil {
            d.sriovTotalVFs = decimal("sriov_totalvfs")
            d.sriovNumVFs = decimal("sriov_numvfs")
        }
        d.sysfsPath = sysfsPath
        d.upstream = upstream
        if details.contains(.resetMethods) {
            d.resetMethods = text("reset_method").map { $0.split(separator: " ").map(String.init) }
        }
        if details.contains(.enable) { d.isEnabled = decimal("enable").map { $0 != 0 } }
        if details.contains(.localCPUList) { d.localCPUList = text("local_cpulist") }
        if details.contains(.d3coldAllowed) { d.d3coldAllowed = decimal("d3cold_allowed").map { $0 != 0 } }
        if details.contains(.driverOverride) {
            d.driverOverride = text("driver_override").flatMap { $0 == "(null)" || $0.isEmpty ? nil : $0 }
        }
        // The kernel creates boot_vga for display controllers only.
        if details.contains(.bootVGA), d.baseClass == 0x03 { d.isBootVGA = decimal("boot_vga").map { $0 == 1 } }
        if details.contains(.removable) { d.removable = text("removable") }
        d.problems = problems + decoded.problems
        return d
    }

    /// A bridge's subsystem ids as the kernel sets them (pci_setup_device) and lspci reads them:
    /// from its Bridge Subsystem Vendor ID capability, zero without one. nil when the
    /// capabilities could not be read (a 64-byte config): then the sysfs files say.
    static func bridgeSubsystem(_ decoded: DecodedConfig) -> (vendor: UInt16, device: UInt16)? {
        guard let list = decoded.capabilities, !list.unreadable else { return nil }
        guard let cap = list.standard.first(where: { $0.id == StandardCapabilityID.bridgeSubsystemVendorID }) else { return (0, 0) }
        guard let vendor = decoded.config.u16(cap.offset + 4), let device = decoded.config.u16(cap.offset + 6) else { return nil }
        return (vendor, device)
    }

    /// An IOMMU group's number (a link's last component: decimal digits only), nil for anything else.
    private static func groupNumber(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !text.isEmpty, text.count <= 18 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private func linkVirtualFunctions(_ devices: inout [PCIDevice]) {
        // Fields read by index and the links gathered before any write: iterating the array
        // while appending to one of its elements would copy every device.
        let vfs = devices.indices.compactMap { i in devices[i].physicalFunction.map { (pf: $0, vf: devices[i].address) } }
        guard !vfs.isEmpty else { return }
        var index: [PCIAddress: Int] = [:]
        for i in devices.indices { index[devices[i].address] = i }
        for (pf, vf) in vfs { if let i = index[pf] { devices[i].virtualFunctions.append(vf) } }
    }
}

/// Devices that could not be read, from any scanning thread (rare: a lock is cheap enough).
final class FailureLog: Sendable {
    private let entries = Mutex<[(index: Int, error: SysfsError)]>([])
    func add(_ index: Int, _ error: SysfsError) { entries.withLock { $0.append((index, error)) } }
    func sorted() -> [(index: Int, error: SysfsError)] { entries.withLock { $0.sorted { $0.index < $1.index } } }
}
