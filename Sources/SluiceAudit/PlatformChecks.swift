import SluiceACPI
import SluicePCI
import SluiceVTd

/// The platform-wide checks: is there an IOMMU, is it on, is interrupt remapping on, is anything
/// unsafe switched on. Each is a named check with a status and a one-line remedy.
struct PlatformFacts: Sendable {
    var checks: [PlatformCheck] = []
    var units: [RemappingUnitSummary] = []
    var dmar: DMARTable?
    var ivrs: IVRSTable?
    var iommuEnabled = false
    var interruptRemapping: InterruptRemappingEvidence
    var unsafeInterruptsAllowed = false
    var noIOMMUMode = false
    var acsOverride = false
    var problems: [String] = []

    init(_ s: HostSnapshot, memlock: MemlockBudget?, memlockLimit: UInt64?, hasIPCLock: Bool) {
        let cmd = KernelCommandLine(s.cmdline ?? "")
        interruptRemapping = .judge(interrupts: s.interrupts, kernelLog: s.kernelLog)

        // Firmware tables.
        if let bytes = s.dmar {
            do { dmar = try DMARTable(bytes: bytes) } catch { problems.append("ACPI DMAR: \(error)") }
        }
        if let bytes = s.ivrs {
            do { ivrs = try IVRSTable(bytes: bytes) } catch { problems.append("ACPI IVRS: \(error)") }
        }
        let tableDiagnostics = (dmar?.diagnostics ?? []) + (ivrs?.diagnostics ?? [])
        if dmar != nil || ivrs != nil {
            let which = [dmar.map { _ in "DMAR (Intel VT-d)" }, ivrs.map { _ in "IVRS (AMD-Vi)" }].compactMap { $0 }.joined(separator: " and ")
            let units = (dmar?.hardwareUnits.count ?? 0)
            checks.append(PlatformCheck("iommu.firmware", tableDiagnostics.isEmpty ? .pass : .warn,
                                        "firmware describes an IOMMU: ACPI \(which)" + (units > 0 ? ", \(units) remapping unit(s)" : ""),
                                        evidence: tableDiagnostics.isEmpty ? nil : "table problems: " + tableDiagnostics.prefix(3).map(\.message).joined(separator: "; "),
                                        remedy: tableDiagnostics.isEmpty ? nil : "firmware bug: update the BIOS; `sluice acpi dmar` shows the details"))
        } else if s.units.isEmpty {
            checks.append(PlatformCheck("iommu.firmware", .fail, "no ACPI DMAR or IVRS table: firmware does not describe an IOMMU",
                                        remedy: "enable VT-d (Intel) or IOMMU/AMD-Vi (AMD) in the firmware setup"))
        }

        // Enabled in the kernel.
        iommuEnabled = !s.units.isEmpty && !s.groups.isEmpty
        if iommuEnabled {
            checks.append(PlatformCheck("iommu.enabled", .pass,
                                        "IOMMU enabled: \(s.units.count) unit(s) in /sys/class/iommu, \(s.groups.count) IOMMU group(s)"))
        } else {
            let why = cmd.iommuDisabled ? "the kernel command line turns it off" :
                (s.dmar != nil && cmd.intelIOMMU == nil ? "intel_iommu is not on (many distributions default it off)" : "no remapping unit registered")
            checks.append(PlatformCheck("iommu.enabled", .fail, "IOMMU not enabled: \(why)",
                                        evidence: s.cmdline.map { "cmdline: \($0)" },
                                        remedy: s.dmar != nil ? "boot with intel_iommu=on" : "boot with the IOMMU on (amd_iommu is on by default; remove iommu=off/amd_iommu=off)"))
        }

        // Command line, as the kernel reads it.
        var notes: [String] = []
        if let v = cmd.value("intel_iommu") { notes.append("intel_iommu=\(v)") }
        if let v = cmd.value("amd_iommu") { notes.append("amd_iommu=\(v)") }
        if let v = cmd.value("iommu") { notes.append("iommu=\(v)") }
        if let v = cmd.value("iommu.passthrough") { notes.append("iommu.passthrough=\(v)") }
        if let v = cmd.value("iommu.strict") { notes.append("iommu.strict=\(v)") }
        if !cmd.vfioPCIIDs.isEmpty { notes.append("vfio-pci.ids=\(cmd.vfioPCIIDs.joined(separator: ","))") }
        checks.append(PlatformCheck("kernel.cmdline", .info,
                                    notes.isEmpty ? "no IOMMU options on the kernel command line (kernel defaults apply)" : notes.joined(separator: " "),
                                    evidence: cmd.passthroughDefault ? "iommu=pt: host devices use identity domains; assigned devices still get translated domains" : nil))
        if !cmd.vfioPCIIDs.isEmpty {
            checks.append(PlatformCheck("vfio.boot-ids", .warn,
                                        "vfio-pci.ids= claims every device with these ids at boot: \(cmd.vfioPCIIDs.joined(separator: ", "))",
                                        remedy: "prefer per-address binding (`sluice bind --persist`): ids match every identical card"))
        }

        // Interrupt remapping.
        let irSupported = s.units.contains { $0.extendedCapability.map { ExtendedCapability($0).interruptRemapping } ?? false }
            || dmar?.flags.contains(.interruptRemapping) == true
        unsafeInterruptsAllowed = cmd.allowUnsafeInterrupts || ["Y", "1"].contains(s.moduleParameters["vfio_iommu_type1.allow_unsafe_interrupts"] ?? "")
        switch interruptRemapping.state {
        case .enabled:
            checks.append(PlatformCheck("irq-remapping.enabled", .pass, "interrupt remapping enabled",
                                        evidence: "\(interruptRemapping.confidence.rawValue): \(interruptRemapping.detail)"))
        case .disabled:
            checks.append(PlatformCheck("irq-remapping.enabled", .fail,
                                        "interrupt remapping is off" + (irSupported ? " (the hardware supports it)" : ""),
                                        evidence: "\(interruptRemapping.confidence.rawValue): \(interruptRemapping.detail)",
                                        remedy: irSupported ? "remove intremap=off / enable x2APIC and interrupt remapping in firmware" : "a platform without interrupt remapping cannot isolate device MSIs"))
        case .unknown:
            checks.append(PlatformCheck("irq-remapping.enabled", .warn,
                                        "interrupt remapping state unknown" + (irSupported ? " (hardware supports it)" : ""),
                                        evidence: interruptRemapping.detail, remedy: "run as root on the live host so /proc/interrupts can be read"))
        }

        // Unsafe modes.
        noIOMMUMode = cmd.vfioNoIOMMU || ["Y", "1"].contains(s.moduleParameters["vfio.enable_unsafe_noiommu_mode"] ?? "")
        if noIOMMUMode {
            checks.append(PlatformCheck("unsafe.noiommu", .fail, "VFIO no-IOMMU mode is on: assigned devices can DMA anywhere in host memory",
                                        remedy: "unset vfio.enable_unsafe_noiommu_mode"))
        }
        if unsafeInterruptsAllowed {
            checks.append(PlatformCheck("unsafe.interrupts", .fail, "vfio_iommu_type1.allow_unsafe_interrupts is on: a guest can forge MSIs",
                                        remedy: "unset it and enable interrupt remapping"))
        }
        if let o = cmd.acsOverride {
            acsOverride = true
            checks.append(PlatformCheck("unsafe.acs-override", .fail, "pcie_acs_override=\(o): IOMMU groups no longer reflect real isolation",
                                        remedy: "remove pcie_acs_override; use hardware with ACS"))
        }
        if let l = s.lockdown, let mode = l.split(separator: " ").first(where: { $0.hasPrefix("[") }), mode != "[none]" {
            checks.append(PlatformCheck("kernel.lockdown", .warn, "kernel lockdown \(mode): config-space writes and BAR mmap through sysfs are blocked",
                                        remedy: "VFIO still works; tools that poke sysfs resources do not"))
        }

        // Default domains.
        if !s.groups.isEmpty {
            var types: [String: Int] = [:]
            for g in s.groups { types[g.type ?? "unknown", default: 0] += 1 }
            checks.append(PlatformCheck("iommu.default-domains", .info,
                                        types.keys.sorted().map { "\($0) x\(types[$0]!)" }.joined(separator: ", ")))
        }

        // RMRRs.
        if let rmrrs = dmar?.reservedMemoryRegions, !rmrrs.isEmpty {
            checks.append(PlatformCheck("iommu.rmrr", .warn,
                                        "\(rmrrs.count) RMRR(s): firmware keeps DMA to reserved memory for the devices they name",
                                        evidence: rmrrs.map { "\(hex64($0.baseAddress))-\(hex64($0.limitAddress)) for \($0.deviceScopes.map(\.pathDescription).joined(separator: ","))" }.joined(separator: "; ")))
        }

        // VFIO readiness.
        // vfio_pci and vfio_iommu_type1 need vfio itself, so they are what to look for.
        let want = ["vfio_pci", "vfio_iommu_type1"]
        let missing = want.filter { !s.loadedModules.contains($0) }
        checks.append(PlatformCheck("vfio.modules", missing.isEmpty ? .pass : .warn,
                                    missing.isEmpty ? "vfio_pci and vfio_iommu_type1 are loaded" : "not loaded: \(missing.joined(separator: ", "))",
                                    remedy: missing.isEmpty ? nil : "modprobe vfio-pci (sluice bind loads it)"))

        if let budget = memlock {
            switch budget.judge(softLimit: memlockLimit, hasIPCLock: hasIPCLock) {
            case .privileged:
                checks.append(PlatformCheck("vfio.memlock", .pass, "CAP_IPC_LOCK: the caller can pin any amount of guest memory"))
            case .unlimited:
                checks.append(PlatformCheck("vfio.memlock", .pass, "RLIMIT_MEMLOCK is unlimited"))
            case .sufficient(let limit):
                checks.append(PlatformCheck("vfio.memlock", .pass, "RLIMIT_MEMLOCK \(bytes(limit)) covers \(bytes(budget.required))"))
            case .insufficient(let limit, let needed):
                checks.append(PlatformCheck("vfio.memlock", .fail,
                                            "RLIMIT_MEMLOCK \(bytes(limit)) is below the \(bytes(needed)) (\(needed) bytes) a \(bytes(budget.guestMemory)) guest pins",
                                            remedy: "raise it: `ulimit -l \(needed / 1024)` (KiB) or LimitMEMLOCK=\(needed) in the unit"))
            }
        }

        // Remapping units.
        for u in s.units {
            var features: [String] = []
            if let c = u.capability, u.kind == "intel-vtd" {
                let cap = Capability(c)
                features.append("\(cap.supportedSecondStageLevels.map { "\($0)-level" }.joined(separator: "/")) second-stage tables, MGAW \(cap.maximumGuestAddressWidth)")
                if cap.cachingMode { features.append("caching mode (a virtual IOMMU)") }
                if cap.supports2MiBSecondStage || cap.supports1GiBSecondStage {
                    features.append("superpages: " + [cap.supports2MiBSecondStage ? "2M" : nil, cap.supports1GiBSecondStage ? "1G" : nil].compactMap { $0 }.joined(separator: ","))
                }
                features.append("\(cap.numberOfDomains) domain ids")
            }
            if let e = u.extendedCapability {
                let ecap = ExtendedCapability(e)
                if ecap.interruptRemapping { features.append("interrupt remapping" + (ecap.extendedInterruptMode ? " (x2APIC)" : "")) }
                if ecap.queuedInvalidation { features.append("queued invalidation") }
                if ecap.passThrough { features.append("pass-through") }
                if ecap.scalableModeTranslation { features.append("scalable mode") }
                if ecap.firstStageTranslation { features.append("first-stage") }
                if ecap.pasid { features.append("PASID") }
                if ecap.deviceTLB { features.append("device TLB (ATS)") }
            }
            units.append(RemappingUnitSummary(name: u.name, kind: u.kind, registerBase: u.address, version: u.version,
                                              capability: u.capability.map(hex64), extendedCapability: u.extendedCapability.map(hex64),
                                              features: features))
        }
    }
}

func hex64(_ v: UInt64) -> String { "0x" + hex(v, width: 1) }

func bytes(_ v: UInt64) -> String {
    for (unit, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] as [(String, UInt64)] where v >= (1 << shift) {
        let whole = v >> shift
        return v & ((1 << shift) - 1) == 0 ? "\(whole) \(unit)" : "\(whole)+ \(unit)"
    }
    return "\(v) B"
}

extension DMARDeviceScope {
    var pathDescription: String {
        "\(hex(startBus, width: 2)):" + path.map { "\(hex($0.device, width: 2)).\($0.function)" }.joined(separator: "/")
    }
}
