// What a lab guest looks like: kernel, IOMMU, PCI topology and devices, resources, time limit.
// Pure values: the QEMU command line is derived from them (QEMUCommand) and tested without a guest.

/// Which kernel the guest boots.
public enum KernelChoice: Equatable, Sendable {
    /// Debian 12's current 6.1 image (behind `linux-image-amd64`).
    case debian61
    /// Debian 12's 6.12 backport image (behind `linux-image-6.12-amd64`).
    case debian612
    /// A kernel image on disk (bzImage or ELF vmlinux) with the lab's drivers built in.
    case path(String)

    public init(argument: String) {
        switch argument {
        case "6.1", "61", "k61": self = .debian61
        case "6.12", "612", "k612": self = .debian612
        default: self = .path(argument)
        }
    }

    /// The Debian metapackage whose dependency names the current image package.
    public var metaPackage: String? {
        switch self {
        case .debian61: "linux-image-amd64"
        case .debian612: "linux-image-6.12-amd64"
        case .path: nil
        }
    }
}

/// The emulated IOMMU.
public enum IOMMUModel: String, CaseIterable, Sendable {
    case intel, amd, none
}

/// Where the endpoint devices sit.
public enum Topology: String, CaseIterable, Sendable {
    /// Each device on its own PCIe root port, plus a virtio-net (iommu_platform) on the root bus.
    case `default`
    /// Root port -> x3130 upstream -> two xio3130 downstream ports, one device under each.
    case `switch`
    /// Root port -> PCIe-to-PCI bridge -> two devices on the conventional bus.
    case pciBridge = "pci-bridge"
    /// Two functions of one multifunction device on one root port.
    case multifunction
    /// The default topology plus two extra host bridges (pxb-pcie): bus 0x20 with a root port and
    /// the device, and bus 0x40, created with bypass_iommu=on (outside the DMAR scope), likewise.
    case pxb
}

/// Endpoint device models a lab guest may get. Every NIC is attached to an isolated
/// in-process hub: frames go nowhere.
public enum DeviceModel: String, CaseIterable, Sendable {
    case e1000e, e1000, rtl8139
    case virtioNet = "virtio-net"
    case nvme
    /// nvme with two SR-IOV VFs available (enable them with sriov_numvfs in the guest).
    case nvmeSRIOV = "nvme-sriov"

    public var isNIC: Bool {
        switch self {
        case .e1000e, .e1000, .rtl8139, .virtioNet: true
        case .nvme, .nvmeSRIOV: false
        }
    }

    var qemuDriver: String {
        switch self {
        case .e1000e: "e1000e"
        case .e1000: "e1000"
        case .rtl8139: "rtl8139"
        case .virtioNet: "virtio-net-pci"
        case .nvme, .nvmeSRIOV: "nvme"
        }
    }
}

/// Everything that decides one lab guest.
public struct LabConfig: Equatable, Sendable {
    public var kernel: KernelChoice = .debian61
    public var iommu: IOMMUModel = .intel
    public var scalableMode = false
    public var interruptRemapping = true
    public var topology: Topology = .default
    /// Devices in topology order; the topology's slots repeat the last one when there are more slots.
    public var devices: [DeviceModel] = [.e1000e]
    public var memoryMiB = 2048
    public var cpus = 2
    /// Seconds until the guest is torn down; nil waits for ever.
    public var timeout: Double? = 300
    /// Extra kernel command-line words.
    public var extraKernelArgs: [String] = []
    /// Host directories the guest may write: each is mounted read-write over its own path
    /// inside the chroot, so a command writes to the same path it would on the host.
    public var writableShares: [String] = []

    public init() {}
}

/// A configuration that cannot be built, said in words a user can act on.
public struct LabConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension LabConfig {
    /// Rejects combinations QEMU would refuse or that make no sense.
    public func validate() throws(LabConfigError) {
        if scalableMode && iommu != .intel { throw LabConfigError("--scalable needs the Intel IOMMU") }
        if !(1...64).contains(cpus) { throw LabConfigError("--cpus must be 1...64") }
        if !(256...65536).contains(memoryMiB) { throw LabConfigError("--memory must be 256 MiB...64 GiB") }
        if devices.isEmpty { throw LabConfigError("at least one --device is needed") }
        if let timeout, !(timeout > 0) { throw LabConfigError("--timeout must be positive") }
        for word in extraKernelArgs where word.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            throw LabConfigError("kernel argument '\(word)' contains white space")
        }
        for dir in writableShares {
            guard dir.hasPrefix("/"), dir != "/", !dir.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "," }) else {
                throw LabConfigError("--share \(dir): give an absolute directory path without spaces or commas")
            }
            guard GuestCommand.isVisibleInGuest(dir) else {
                throw LabConfigError("--share \(dir): the guest mounts its own /tmp, /run, /proc, /sys and /dev; share a directory elsewhere")
            }
        }
        if topology == .pciBridge, devices.contains(where: { $0 == .nvmeSRIOV }) {
            throw LabConfigError("SR-IOV needs PCI Express: nvme-sriov cannot sit behind a PCI bridge")
        }
    }
}
