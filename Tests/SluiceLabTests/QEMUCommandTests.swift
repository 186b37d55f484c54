import Testing
@testable import SluiceLab

private let boot = GuestBootFiles(kernel: "/cache/vmlinux", initramfs: "/cache/initramfs.cpio", moduleTree: "/cache/k/lib/modules/6.1.0-1-amd64")

private func command(_ configure: (inout LabConfig) -> Void = { _ in }, mode: GuestMode = .run) -> QEMUCommand {
    var c = LabConfig()
    configure(&c)
    return QEMUCommand(config: c, boot: boot, mode: mode, runDirectory: "/cache/runs/42")
}

/// The values of every `-flag` occurrence.
private func values(_ args: [String], _ flag: String) -> [String] {
    zip(args, args.dropFirst()).filter { $0.0 == flag }.map(\.1)
}

@Suite struct QEMUCommandTests {
    @Test func defaultGuestMatchesTheLabTopology() {
        let args = command().arguments
        #expect(args.first == "qemu-system-x86_64")
        #expect(values(args, "-M") == ["q35,kernel-irqchip=split"])
        #expect(values(args, "-accel") == ["tcg"])
        #expect(values(args, "-nic") == ["none"])
        let devices = values(args, "-device")
        #expect(devices.contains("intel-iommu,intremap=on,caching-mode=on"))
        #expect(devices.contains("pcie-root-port,id=rp1,chassis=1,slot=1"))
        #expect(devices.contains("e1000e,netdev=net0,mac=52:54:00:5c:00:00,bus=rp1"))
        #expect(devices.contains("virtio-net-pci,netdev=net1,mac=52:54:00:5c:00:01,iommu_platform=on,disable-legacy=on"))
        #expect(values(args, "-virtfs") == ["local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"])
        #expect(values(args, "-kernel") == ["/cache/vmlinux"])
        #expect(values(args, "-initrd") == ["/cache/initramfs.cpio"])
    }

    @Test func kernelCommandLineCarriesTheRunAndModuleTree() {
        let words = command().kernelCommandLine
        #expect(words.contains("intel_iommu=on"))
        #expect(words.contains("iommu=nopt"))
        #expect(words.contains("sluice.run=/cache/runs/42"))
        #expect(words.contains("sluice.modules=/cache/k/lib/modules/6.1.0-1-amd64"))
        #expect(!words.contains("sluice.shell"))
        #expect(command({ $0.extraKernelArgs = ["foo=1"] }).kernelCommandLine.last == "foo=1")
    }

    @Test func runModeSendsCommandOutputToTwoSerialPorts() {
        let args = command().arguments
        #expect(values(args, "-serial") == ["stdio", "chardev:cmdout", "chardev:cmderr"])
        #expect(values(args, "-chardev") == ["file,id=cmdout,path=/proc/self/fd/3", "file,id=cmderr,path=/proc/self/fd/4"])
        #expect(values(args, "-monitor") == ["none"])
    }

    @Test func shellModeUsesTheTerminal() {
        let c = command(mode: .shell)
        #expect(values(c.arguments, "-serial") == ["mon:stdio"])
        #expect(values(c.arguments, "-chardev").isEmpty)
        #expect(c.kernelCommandLine.contains("sluice.shell"))
    }

    @Test func iommuVariants() {
        #expect(values(command({ $0.scalableMode = true }).arguments, "-device").contains("intel-iommu,intremap=on,caching-mode=on,x-scalable-mode=on"))
        #expect(values(command({ $0.interruptRemapping = false }).arguments, "-device").contains("intel-iommu,intremap=off,caching-mode=on"))
        let amd = command({ $0.iommu = .amd })
        #expect(values(amd.arguments, "-device").contains("amd-iommu,intremap=on"))
        #expect(!amd.kernelCommandLine.contains("intel_iommu=on"))
        let none = command({ $0.iommu = .none })
        #expect(!values(none.arguments, "-device").contains { $0.hasPrefix("intel-iommu") || $0.hasPrefix("amd-iommu") })
        #expect(!none.kernelCommandLine.contains("iommu=nopt"))
    }

    @Test func switchTopology() {
        let devices = values(command({ $0.topology = .switch }).arguments, "-device")
        #expect(devices.contains("x3130-upstream,id=up1,bus=rp1"))
        #expect(devices.contains("xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=1"))
        #expect(devices.contains("xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=2"))
        #expect(devices.filter { $0.hasPrefix("e1000e,") }.map { $0.split(separator: ",").last! } == ["bus=dn1", "bus=dn2"])
    }

    @Test func pciBridgeTopologyPlacesTwoConventionalDevices() {
        let devices = values(command({ $0.topology = .pciBridge; $0.devices = [.e1000, .rtl8139] }).arguments, "-device")
        #expect(devices.contains("pcie-pci-bridge,id=br1,bus=rp1"))
        #expect(devices.contains("e1000,netdev=net0,mac=52:54:00:5c:00:00,bus=br1,addr=1"))
        #expect(devices.contains("rtl8139,netdev=net1,mac=52:54:00:5c:00:01,bus=br1,addr=2"))
    }

    @Test func multifunctionTopology() {
        let devices = values(command({ $0.topology = .multifunction }).arguments, "-device")
        #expect(devices.contains("e1000e,netdev=net0,mac=52:54:00:5c:00:00,bus=rp1,addr=0x0,multifunction=on"))
        #expect(devices.contains("e1000e,netdev=net1,mac=52:54:00:5c:00:01,bus=rp1,addr=0x0.1"))
    }

    @Test func nvmeWithSRIOV() {
        let devices = values(command({ $0.devices = [.nvmeSRIOV] }).arguments, "-device")
        #expect(devices.contains("nvme-subsys,id=subsys0"))
        #expect(devices.contains { $0.hasPrefix("nvme,serial=sluice0,subsys=subsys0,sriov_max_vfs=2,") && $0.hasSuffix(",bus=rp1") })
    }

    @Test func extraHostBridgesComeAfterTheSharesAndOneBypassesTheIOMMU() {
        let args = command({ $0.topology = .pxb; $0.writableShares = ["/var/tmp/out"] }).arguments
        let lastVirtfs = args.lastIndex(of: "-virtfs")!
        let firstPxb = args.firstIndex { $0.hasPrefix("pxb-pcie,") }!
        #expect(firstPxb > lastVirtfs)
        let devices = values(args, "-device")
        #expect(devices.contains("pxb-pcie,id=pxb1,bus_nr=0x20,bus=pcie.0"))
        #expect(devices.contains("pxb-pcie,id=pxb2,bus_nr=0x40,bus=pcie.0,bypass_iommu=on"))
        #expect(devices.contains { $0.hasPrefix("pcie-root-port,") && $0.hasSuffix(",bus=pxb2") })
        #expect(devices.filter { $0.hasPrefix("e1000e,") }.count == 3)
        // Ids stay unique across the main plan and the extra bridges.
        let ids = devices.compactMap { $0.split(separator: ",").first { $0.hasPrefix("id=") } }
        #expect(Set(ids).count == ids.count)
    }

    @Test func writableSharesAreMountedOverTheirOwnPath() {
        let c = command({ $0.writableShares = ["/var/tmp/a", "/srv/b"] })
        #expect(values(c.arguments, "-virtfs").dropFirst() == [
            "local,path=/var/tmp/a,mount_tag=share0,security_model=none,multidevs=remap",
            "local,path=/srv/b,mount_tag=share1,security_model=none,multidevs=remap",
        ])
        #expect(c.kernelCommandLine.contains("sluice.share=share0:/var/tmp/a"))
        #expect(c.kernelCommandLine.contains("sluice.share=share1:/srv/b"))
        var bad = LabConfig()
        for dir in ["/tmp/x", "relative", "/var/tmp/a b", "/", "/a,b"] {
            bad.writableShares = [dir]
            #expect(throws: LabConfigError.self) { try bad.validate() }
        }
    }

    /// Every combination: each NIC has a hub of its own, and no network backend other than an
    /// in-process hub port appears anywhere.
    @Test(arguments: Topology.allCases)
    func noNetworkLeavesQEMU(topology: Topology) {
        for iommu in IOMMUModel.allCases {
            for model in DeviceModel.allCases {
                var c = LabConfig()
                c.topology = topology
                c.iommu = iommu
                c.devices = [model, .virtioNet]
                if (try? c.validate()) == nil { continue }
                let args = QEMUCommand(config: c, boot: boot, mode: .run, runDirectory: "/r").arguments
                let netdevs = values(args, "-netdev")
                #expect(netdevs.allSatisfy { $0.hasPrefix("hubport,") })
                let hubs = netdevs.map { $0.split(separator: ",").first { $0.hasPrefix("hubid=") }! }
                #expect(Set(hubs).count == hubs.count)
                #expect(values(args, "-nic") == ["none"])
                #expect(!args.contains("-net"))
                let nics = values(args, "-device").filter { d in DeviceModel.allCases.contains { $0.isNIC && d.hasPrefix($0.qemuDriver + ",") } }
                #expect(nics.count == netdevs.count)
                #expect(nics.allSatisfy { $0.contains("netdev=net") })
            }
        }
    }

    @Test func validationRejectsWhatQEMUWouldRefuse() {
        var c = LabConfig()
        c.iommu = .amd
        c.scalableMode = true
        #expect(throws: LabConfigError.self) { try c.validate() }
        c = LabConfig()
        c.topology = .pciBridge
        c.devices = [.nvmeSRIOV]
        #expect(throws: LabConfigError.self) { try c.validate() }
        c = LabConfig()
        c.extraKernelArgs = ["a b"]
        #expect(throws: LabConfigError.self) { try c.validate() }
        c = LabConfig()
        c.devices = []
        #expect(throws: LabConfigError.self) { try c.validate() }
        #expect(throws: Never.self) { try LabConfig().validate() }
    }

    @Test func kernelChoiceArguments() {
        #expect(KernelChoice(argument: "6.1") == .debian61)
        #expect(KernelChoice(argument: "6.12") == .debian612)
        #expect(KernelChoice(argument: "/boot/vmlinuz") == .path("/boot/vmlinuz"))
        #expect(KernelChoice.debian61.metaPackage == "linux-image-amd64")
        #expect(KernelChoice.debian612.metaPackage == "linux-image-6.12-amd64")
    }
}
