/// Naming a scan's devices (pci.ids, then udev's hwdb), one lookup per distinct identity.
extension PCIScanner.Result {
    /// Looks up the vendor, device, subsystem and class names of every device (pci.ids, then
    /// udev's hwdb through libpci). A separate step so that a caller can scan without names
    /// and resolve them while it does other work; lookup problems join `problems`.
    public mutating func resolveNames(idsPath: String = PCIIDsFile.defaultPath, useHwdb: Bool = true) {
        var vendors = Set<UInt16>(), ids = Set<UInt32>()
        for i in devices.indices {
            vendors.insert(devices[i].vendorID)
            if let sv = devices[i].subsystemVendorID { vendors.insert(sv) }
            ids.insert(UInt32(devices[i].vendorID) << 16 | UInt32(devices[i].deviceID))
        }
        let names = PCINames(idsPath: idsPath, vendors: vendors, devices: ids, useHwdb: useHwdb)
        problems += names.problems
        // A big machine repeats a few models many times: each distinct identity is looked up once.
        var seen: [DeviceNames.Identity: DeviceNames] = [:]
        for i in devices.indices { DeviceNames.apply(to: &devices[i], names, memo: &seen) }
        namesResolved = true
    }
}

/// The names of one device identity (ids, subsystem ids and class).
private struct DeviceNames {
    struct Identity: Hashable {
        var vendor: UInt16, device: UInt16, classCode: UInt32
        var subsystemVendor: UInt16?, subsystemDevice: UInt16?
    }

    /// Names `d`, looking its identity up once per distinct identity. (Through `inout`: a
    /// device passed by value would be copied whole, every string and array retained.)
    static func apply(to d: inout PCIDevice, _ names: PCINames, memo: inout [Identity: DeviceNames]) {
        let id = Identity(vendor: d.vendorID, device: d.deviceID, classCode: d.classCode,
                          subsystemVendor: d.subsystemVendorID, subsystemDevice: d.subsystemDeviceID)
        let found: DeviceNames
        if let known = memo[id] { found = known } else { found = DeviceNames(id, names); memo[id] = found }
        found.apply(to: &d)
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
