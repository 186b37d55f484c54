// The QEMU command line of a lab guest, derived from a LabConfig. Nothing here reaches outside
// the machine: NICs sit on in-process hubs of their own, `-nic none` stops QEMU's default
// user-mode NIC, and the host root is shared read-only.

/// What the guest does once it is up.
public enum GuestMode: Equatable, Sendable {
    /// Run the command prepared in the run directory, report its exit code, power off.
    case run
    /// An interactive shell on the console (chroot into the host root).
    case shell
}

/// Host-side paths a guest boots with.
public struct GuestBootFiles: Equatable, Sendable {
    public var kernel: String
    public var initramfs: String
    /// The kernel's module tree (…/lib/modules/<version>) as the guest sees it over 9p, so
    /// `modprobe` works inside the chroot; nil when the kernel has its drivers built in.
    public var moduleTree: String?
    public init(kernel: String, initramfs: String, moduleTree: String?) {
        self.kernel = kernel
        self.initramfs = initramfs
        self.moduleTree = moduleTree
    }
}

/// Builds the argv of `qemu-system-x86_64`.
public struct QEMUCommand: Sendable {
    public var config: LabConfig
    public var boot: GuestBootFiles
    public var mode: GuestMode
    /// Run directory holding cmd.sh; the guest sees it at the same path through the host root.
    public var runDirectory: String
    /// Descriptors (in QEMU) for the command's stdout and stderr serial ports (ttyS1, ttyS2).
    public var stdoutFD: Int32 = 3
    public var stderrFD: Int32 = 4
    public var executable = "qemu-system-x86_64"

    public init(config: LabConfig, boot: GuestBootFiles, mode: GuestMode, runDirectory: String) {
        self.config = config
        self.boot = boot
        self.mode = mode
        self.runDirectory = runDirectory
    }

    public var kernelCommandLine: [String] {
        var words = ["console=ttyS0", "panic=-1", "loglevel=4"]
        switch config.iommu {
        case .intel: words += ["intel_iommu=on", "iommu=nopt"]
        case .amd: words += ["iommu=nopt"]
        case .none: break
        }
        words.append("sluice.run=\(runDirectory)")
        if let tree = boot.moduleTree { words.append("sluice.modules=\(tree)") }
        for (i, dir) in config.writableShares.enumerated() { words.append("sluice.share=share\(i):\(dir)") }
        if mode == .shell { words.append("sluice.shell") }
        return words + config.extraKernelArgs
    }

    public var arguments: [String] {
        var a = [executable,
                 "-M", "q35,kernel-irqchip=split", "-accel", "tcg", "-cpu", "max",
                 "-m", "\(config.memoryMiB)M", "-smp", "\(config.cpus)",
                 "-display", "none", "-no-reboot", "-nic", "none"]
        a += iommuArguments
        a += ["-kernel", boot.kernel, "-initrd", boot.initramfs,
              "-append", kernelCommandLine.joined(separator: " ")]
        switch mode {
        case .run:
            a += ["-monitor", "none", "-serial", "stdio",
                  "-chardev", "file,id=cmdout,path=/proc/self/fd/\(stdoutFD)", "-serial", "chardev:cmdout",
                  "-chardev", "file,id=cmderr,path=/proc/self/fd/\(stderrFD)", "-serial", "chardev:cmderr"]
        case .shell:
            a += ["-serial", "mon:stdio"]
        }
        a += deviceArguments
        a += ["-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"]
        for (i, dir) in config.writableShares.enumerated() {
            a += ["-virtfs", "local,path=\(dir),mount_tag=share\(i),security_model=none,multidevs=remap"]
        }
        // Extra host bridges come last: QEMU puts a device given without bus= on the newest
        // bus, and pxb-pcie accepts only bridges.
        a += extraHostBridgeArguments
        return a
    }

    var iommuArguments: [String] {
        let ir = config.interruptRemapping ? "on" : "off"
        switch config.iommu {
        case .intel:
            var dev = "intel-iommu,intremap=\(ir),caching-mode=on"
            if config.scalableMode { dev += ",x-scalable-mode=on" }
            return ["-device", dev]
        case .amd: return ["-device", "amd-iommu,intremap=\(ir)"]
        case .none: return []
        }
    }

    var extraHostBridgeArguments: [String] {
        guard config.topology == .pxb else { return [] }
        var plan = DevicePlan(startingAfter: config.devices.count + 1, chassis: 20)
        let model = config.devices[0]
        for (id, bus, bypass) in [("pxb1", "0x20", false), ("pxb2", "0x40", true)] {
            plan.args += ["-device", "pxb-pcie,id=\(id),bus_nr=\(bus),bus=pcie.0" + (bypass ? ",bypass_iommu=on" : "")]
            let port = plan.rootPort(bus: id)
            plan.endpoint(model, bus: port)
        }
        return plan.args
    }

    /// The topology's ports and bridges, then each endpoint in its slot.
    var deviceArguments: [String] {
        var plan = DevicePlan()
        let devices = config.devices
        func device(_ i: Int) -> DeviceModel { devices[min(i, devices.count - 1)] }
        switch config.topology {
        case .default, .pxb:
            for i in devices.indices {
                let port = plan.rootPort()
                plan.endpoint(devices[i], bus: port)
            }
            plan.endpoint(.virtioNet, bus: nil)
        case .switch:
            let port = plan.rootPort()
            plan.args += ["-device", "x3130-upstream,id=up1,bus=\(port)"]
            for (i, slot) in [(0, 1), (1, 2)] {
                let chassis = plan.nextChassis()
                plan.args += ["-device", "xio3130-downstream,id=dn\(slot),bus=up1,chassis=\(chassis),slot=\(slot)"]
                plan.endpoint(device(i), bus: "dn\(slot)")
            }
        case .pciBridge:
            let port = plan.rootPort()
            plan.args += ["-device", "pcie-pci-bridge,id=br1,bus=\(port)"]
            plan.endpoint(device(0), bus: "br1", address: "1")
            plan.endpoint(device(1), bus: "br1", address: "2")
        case .multifunction:
            let port = plan.rootPort()
            plan.endpoint(device(0), bus: port, address: "0x0", multifunction: true)
            plan.endpoint(device(1), bus: port, address: "0x0.1")
        }
        return plan.args
    }
}

/// Allocates ids, chassis numbers, hubs and MAC addresses while the device list is laid out.
struct DevicePlan {
    var args: [String] = []
    private var ports = 0
    private var chassis = 0
    private var endpoints = 0

    init() {}

    /// A plan continuing another: endpoint and port numbers after `endpoints`, chassis from `chassis`.
    init(startingAfter endpoints: Int, chassis: Int) {
        self.endpoints = endpoints
        self.ports = endpoints
        self.chassis = chassis
    }

    mutating func nextChassis() -> Int { chassis += 1; return chassis }

    mutating func rootPort(bus: String? = nil) -> String {
        ports += 1
        let id = "rp\(ports)"
        let c = nextChassis()
        args += ["-device", "pcie-root-port,id=\(id),chassis=\(c),slot=\(c)" + (bus.map { ",bus=\($0)" } ?? "")]
        return id
    }

    mutating func endpoint(_ model: DeviceModel, bus: String?, address: String? = nil, multifunction: Bool = false) {
        let n = endpoints
        endpoints += 1
        var props = [model.qemuDriver]
        if model.isNIC {
            // Each NIC alone on a hub of its own: QEMU warns that the hub has no peer, and no frame leaves.
            args += ["-netdev", "hubport,id=net\(n),hubid=\(10 + n)"]
            props.append("netdev=net\(n)")
            props.append("mac=52:54:00:5c:00:\(hex2(n))")
        }
        switch model {
        case .virtioNet: props += ["iommu_platform=on", "disable-legacy=on"]
        case .nvme: props.append("serial=sluice\(n)")
        case .nvmeSRIOV:
            args += ["-device", "nvme-subsys,id=subsys\(n)"]
            props += ["serial=sluice\(n)", "subsys=subsys\(n)", "sriov_max_vfs=2", "sriov_vq_flexible=4",
                      "sriov_vi_flexible=2", "max_ioqpairs=6", "msix_qsize=8"]
        default: break
        }
        if let bus { props.append("bus=\(bus)") }
        if let address { props.append("addr=\(address)") }
        if multifunction { props.append("multifunction=on") }
        args += ["-device", props.joined(separator: ",")]
    }

    private func hex2(_ n: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[(n >> 4) & 0xf], digits[n & 0xf]])
    }
}
