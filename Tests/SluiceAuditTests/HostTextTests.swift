import Testing
@testable import SluiceAudit

@Suite struct KernelCommandLineParsing {
    @Test func interpretsIOMMUOptions() {
        let c = KernelCommandLine("BOOT_IMAGE=/vmlinuz root=UUID=1 ro quiet intel_iommu=on,sm_on iommu=pt vfio-pci.ids=8086:10d3,10de:1b80 pcie_acs_override=downstream,multifunction vfio_iommu_type1.allow_unsafe_interrupts=1\n")
        #expect(c.intelIOMMU == true)
        #expect(c.passthroughDefault)
        #expect(!c.iommuDisabled)
        #expect(c.vfioPCIIDs == ["8086:10d3", "10de:1b80"])
        #expect(c.acsOverride == "downstream,multifunction")
        #expect(c.allowUnsafeInterrupts)
        #expect(c.value("root") == "UUID=1")
    }

    @Test func quotesAndLaterValuesWin() {
        let c = KernelCommandLine("intel_iommu=on dyndbg=\"file a.c +p\" intel_iommu=off")
        #expect(c.intelIOMMU == false)
        #expect(c.iommuDisabled)
        #expect(c.value("dyndbg") == "file a.c +p")
    }
}

@Suite struct InterruptRemappingJudgement {
    @Test func remappedChipsMeanEnabled() {
        let text = """
                   CPU0       CPU1
          24:          0          0  IR-PCI-MSI 512000-edge      ahci[0000:00:1f.2]
          25:         12          0  IR-IO-APIC    9-fasteoi   acpi
        """
        let e = InterruptRemappingEvidence.judge(interrupts: text, kernelLog: nil)
        #expect(e.state == .enabled && e.confidence == .interruptChips)
    }

    @Test func plainChipsMeanDisabled() {
        let text = """
                   CPU0
          24:          0  PCI-MSI 512000-edge      virtio0-config
        """
        #expect(InterruptRemappingEvidence.judge(interrupts: text, kernelLog: nil).state == .disabled)
    }

    @Test func kernelLogWhenNoInterrupts() {
        let e = InterruptRemappingEvidence.judge(interrupts: nil, kernelLog: "[0.1] DMAR-IR: Enabled IRQ remapping in x2apic mode")
        #expect(e.state == .enabled && e.confidence == .kernelLog)
        #expect(InterruptRemappingEvidence.judge(interrupts: nil, kernelLog: nil).state == .unknown)
    }
}

@Suite struct HostFileParsing {
    @Test func routedInterfaces() {
        let v4 = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\nlo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"
        let v6 = "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     ens3\n"
        #expect(HostFiles.routedInterfaces(ipv4: v4, ipv6: v6) == ["eth0", "ens3"])
    }

    @Test func mountsUnescapeOctal() {
        let m = HostFiles.mounts("/dev/nvme0n1p2 / ext4 rw 0 0\nhost:/srv /mnt/my\\040share nfs4 rw 0 0\n")
        #expect(m.count == 2)
        #expect(m[1].target == "/mnt/my share" && m[1].type == "nfs4")
    }

    @Test func memlockSizes() {
        #expect(MemlockBudget.parseSize("16G") == 16 << 30)
        #expect(MemlockBudget.parseSize("512m") == 512 << 20)
        #expect(MemlockBudget.parseSize("4096") == 4096)
        #expect(MemlockBudget.parseSize("99999999999T") == nil)
        #expect(MemlockBudget.parseSize("lots") == nil)
        let b = MemlockBudget(guestMemory: 16 << 30)
        #expect(b.judge(softLimit: 64 << 10, hasIPCLock: false) == .insufficient(limit: 64 << 10, needed: (16 << 30) + (64 << 20)))
        #expect(b.judge(softLimit: 64 << 10, hasIPCLock: true) == .privileged)
    }
}
