/// Naming a scan's devices (pci.ids, then udev's hwdb), one lookup per distinct identity.
extension PCIScanner.Result {
    /// Looks up the vendor, device, subsystem and class names of every device (pci.ids, then
    /// udev's hwdb through libpci). A separate step so that a caller can scan without names
    /// and resolve them while it does other work; lookup problems join `problems`.
    public mutating func resolveNames(idsPath: String = PCIIDsFile.defaultPath, useHwdb: Bool = true) {
        apply(lookUpNames(idsPath: idsPath, useHwdb: useHwdb))
    }

    /// The names `resolveNames` would give, without changing the scan: for a caller that looks
    /// them up on one thread while others read the scan, and applies them after.
    public func lookUpNames(idsPath: String = PCIIDsFile.defaultPath, useHwdb: Bool = true) -> ScanNames {
        var vendors = Set<UInt16>(), ids = Set<UInt32>()
        for i in devices.indices {
            vendors.insert(devices[i].vendorID)
            if let sv = devices[i].subsystemVendorID { vendors.insert(sv) }
            ids.insert(UInt32(devices[i].vendorID) << 16 | UInt32(devices[i].deviceID))
        }
        let names = PCINames(idsPath: idsPath, vendors: vendors, devices: ids, useHwdb: useHwdb)
        // A big machine repeats a few models many times: each distinct identity is looked up once.
        var seen: [DeviceNames.Identity: Int] = [:]
        var distinct: [DeviceNames] = []
        let byDevice = devices.indices.map { i -> Int in
            let id = DeviceNames.Identity(devices[i])
            if let known = seen[id] { return known }
            distinct.append(DeviceNames(id, names))
            seen[id] = distinct.count - 1
            return distinct.count - 1
        }
        return ScanNames(count: devices.count, byDevice: byDevice, distinct: distinct, problems: names.problems)
    }

    /// Names the devices (in place) with what `lookUpNames` found for this scan.
    public mutating func apply(_ names: ScanNames) {
        precondition(names.count == devices.count, "names looked up for another scan")
        for i in devices.indices { names.distinct[names.byDevice[i]].apply(to: &devices[i]) }
        problems += names.problems
        namesResolved = true
    }
}

/// The names of a scan's devices, looked up and not yet applied (`lookUpNames`).
public struct ScanNames: Sendable {
    let count: Int
    let byDevice: [Int]
    let distinct: [DeviceNames]
    /// What kept names from being found (pci.ids unreadable).
    public let problems: [String]
}

/// The names of one device identity (ids, subsystem ids and class).
struct DeviceNames: Sendable {
    struct Identity: Hashable {
        var vendor: UInt16, device: UInt16, classCode: UInt32
        var subsystemVendor: UInt16?, subsystemDevice: UInt16?

        /// (Borrowed: a device passed by value would be copied whole, every string and array retained.)
        init(_ d: borrowing PCIDevice) {
            vendor = d.vendorID; device = d.deviceID; classCode = d.classCode
            subsystemVendor = d.subsystemVendorID; subsystemDevice = d.subsystemDeviceID
        }
    }

    var vendor: String?, device: String?, subsystemVendor: String?, subsystem: String?
    var className: (name: String, subclassKnown: Bool)?, progIf: String?

    init(_ id: Identity, _ names: PCINames) {
        vendor = names.vendor(id.vendor)
        device = names.device(id.vendor, id.device)
        if let sv = id.subsystemVendor, let sd = id.subsystemDevice {
            subsystemVendor = names.vendor(sv)
            subsystem = names.subsystem(id.vendor, id.device, sv, sd)
        }
        className = names.className(id.classCode)
        progIf = names.progIf(id.classCode)
    }

    func apply(to d: inout PCIDevice) {
        d.vendorName = vendor
        d.deviceName = device
        if d.subsystemVendorID != nil, d.subsystemDeviceID != nil {
            d.subsystemVendorName = subsystemVendor
            d.subsystemName = subsystem
        }
        if let c = className { d.className = c.name; d.classNameIsBaseClassOnly = !c.subclassKnown }
        d.progIfName = progIf
    }
}
