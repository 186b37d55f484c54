/// One PCI function as sysfs and its config space describe it.
public struct PCIDevice: Sendable {
    public let address: PCIAddress
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var subsystemVendorID: UInt16?
    public var subsystemDeviceID: UInt16?
    /// Class, subclass and programming interface (24 bits), as the kernel reports it.
    public var classCode: UInt32
    public var revision: UInt8

    public var vendorName: String?
    public var deviceName: String?
    public var subsystemVendorName: String?
    public var subsystemName: String?
    /// Subclass name, or the base class name when pci.ids has no subclass entry.
    public var className: String?
    public var classNameIsBaseClassOnly = false
    public var progIfName: String?

    /// The kernel driver bound now (`driver` symlink), if any.
    public var driver: String?
    /// `modalias`: what module loading would match (candidate drivers). The kernel's file is a
    /// pure function of the ids (pci-sysfs.c modalias_show), so it is computed, not read:
    /// `pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X`.
    public var modalias: String {
        func up(_ v: some BinaryInteger, _ w: Int) -> String { hex(v, width: w).uppercased() }
        return "pci:v" + up(vendorID, 8) + "d" + up(deviceID, 8) + "sv" + up(subsystemVendorID ?? 0, 8)
            + "sd" + up(subsystemDeviceID ?? 0, 8) + "bc" + up(baseClass, 2) + "sc" + up(subclass, 2) + "i" + up(progIf, 2)
    }
    public var iommuGroup: Int?
    public var numaNode: Int?
    public var irq: Int?
    public var resources: [PCIResource] = []

    /// SR-IOV: the physical function of a VF, and the VFs of a PF.
    public var physicalFunction: PCIAddress?
    public var virtualFunctions: [PCIAddress] = []
    public var sriovTotalVFs: Int?
    public var sriovNumVFs: Int?

    /// Details read when `Options.details` asks (`sluice list -v`: all), nil otherwise or if absent:
    /// the resets the kernel can do (`reset_method`, e.g. ["flr", "bus"]), whether the device is
    /// enabled, its CPU affinity, D3cold permission, a pending `driver_override`, whether it is
    /// the firmware's boot display (`boot_vga`) and what the kernel says of its slot (`removable`:
    /// "removable" behind an external-facing port, "fixed", "unknown").
    public var resetMethods: [String]?
    public var isBootVGA: Bool?
    public var removable: String?
    public var isEnabled: Bool?
    public var localCPUList: String?
    public var d3coldAllowed: Bool?
    public var driverOverride: String?

    /// Bridges from the root complex down to this function's parent (nearest last),
    /// across domains (a VMD endpoint appears in the chain of the devices behind it).
    public var upstream: [PCIAddress] = []
    /// Where the device sits under `sys/devices` (e.g. `pci0000:00/0000:00:1c.0/0000:01:00.0`).
    public var sysfsPath: String = ""

    public var config: DecodedConfig
    /// What could not be read or made no sense, in words; the rest of the device is kept.
    public var problems: [String] = []

    public var baseClass: UInt8 { UInt8(truncatingIfNeeded: classCode >> 16) }
    public var subclass: UInt8 { UInt8(truncatingIfNeeded: classCode >> 8) }
    public var progIf: UInt8 { UInt8(truncatingIfNeeded: classCode) }
    /// The root complex segment this device's hierarchy hangs from ("pci0000:00" in sysfs).
    public var isBridge: Bool { config.header?.headerType == 1 }
    public var isVirtualFunction: Bool { physicalFunction != nil }
}
