import ArgumentParser
import SluiceLab
#if canImport(Glibc)
import Glibc
#endif

/// `sluice lab`: disposable QEMU guests with a real kernel and an emulated IOMMU.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Boot disposable QEMU guests (real kernel, emulated VT-d or AMD-Vi) to test passthrough.",
        discussion: """
        The guest sees the host's root file system read-only (9p) and runs commands in a chroot of it,
        so host-built programs run unchanged. NICs are attached to isolated in-process hubs: no traffic
        leaves QEMU. Kernels come from Debian's archive (apt-get download, unpacked into the cache,
        never installed). Cache: $SLUICE_LAB_CACHE or /var/cache/sluice/lab. Only one lab QEMU runs at a
        time per lock file ($SLUICE_LAB_LOCK, default /var/tmp/sluice-qemu.lock; empty disables it).
        """,
        subcommands: [LabRun.self, LabShell.self, LabPrepare.self]
    )
}

struct LabGuestOptions: ParsableArguments {
    @Option(help: "Kernel: 6.1, 6.12 (Debian packages) or the path of a bzImage/vmlinux with the drivers built in.")
    var kernel = "6.1"
    @Option(name: .customLong("device"), help: "Endpoint device (repeatable): \(DeviceModel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var devices: [String] = []
    @Option(help: "PCI topology: \(Topology.allCases.map(\.rawValue).joined(separator: ", ")).")
    var topology = "default"
    @Option(help: "Emulated IOMMU: intel, amd or none.")
    var iommu = "intel"
    @Flag(help: "Intel IOMMU in scalable mode.")
    var scalable = false
    @Flag(name: .customLong("no-intremap"), help: "Interrupt remapping off in the emulated IOMMU.")
    var noInterruptRemapping = false
    @Option(help: "Guest memory in MiB.")
    var memory = 2048
    @Option(help: "Guest CPUs.")
    var cpus = 2
    @Option(name: .customLong("append"), help: "Extra kernel command-line word (repeatable).")
    var kernelArgs: [String] = []
    @Option(name: .customLong("share"), help: "Host directory the guest may write, at the same path (repeatable).")
    var shares: [String] = []
    @Option(help: "Cache directory (default $SLUICE_LAB_CACHE or /var/cache/sluice/lab).")
    var cache: String?
    @Flag(name: .shortAndLong, help: "Show the guest's console (kernel log) as it boots.")
    var verbose = false

    func config(timeout: Double?) throws -> LabConfig {
        var c = LabConfig()
        c.kernel = KernelChoice(argument: kernel)
        guard let t = Topology(rawValue: topology) else { throw ValidationError("unknown topology '\(topology)'") }
        c.topology = t
        guard let i = IOMMUModel(rawValue: iommu) else { throw ValidationError("unknown IOMMU '\(iommu)'") }
        c.iommu = i
        c.devices = try devices.isEmpty ? [.e1000e] : devices.map { name in
            guard let d = DeviceModel(rawValue: name) else { throw ValidationError("unknown device '\(name)'") }
            return d
        }
        c.scalableMode = scalable
        c.interruptRemapping = !noInterruptRemapping
        c.memoryMiB = memory
        c.cpus = cpus
        c.extraKernelArgs = kernelArgs
        c.writableShares = shares
        c.timeout = timeout
        do { try c.validate() } catch { throw ValidationError(error.description) }
        return c
    }

    func session(mode: GuestMode, argv: [String], timeout: Double?) throws -> LabSession {
        var s = LabSession(config: try config(timeout: timeout), mode: mode, argv: argv, progress: labProgress)
        if let cache { s.cacheRoot = cache }
        s.verbose = verbose
        return s
    }
}

func labProgress(_ message: String) {
    var line = Array("sluice lab: \(message)\n".utf8)
    line.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
}

struct LabRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Boot a guest, run COMMAND inside it, stream its output, exit with its exit code.",
        discussion: "Exit codes: the command's own; 124 on timeout; 125 when the lab failed; 128+N on signal N."
    )
    @OptionGroup var guest: LabGuestOptions
    @Option(help: "Seconds before the guest is torn down.")
    var timeout: Double = 300
    @Flag(help: "Print the QEMU command line and exit (after preparing the cache).")
    var dryRun = false
    @Flag(help: "Print boot and total times on stderr.")
    var timing = false
    @Option(name: .customLong("env"), help: "NAME=VALUE exported to the command (repeatable; the host environment is not passed).")
    var environment: [String] = []
    @Argument(parsing: .postTerminator, help: "The command, after --.")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("give the command after --, e.g. sluice lab run -- lspci -nnk") }
        for e in environment where !GuestCommand.isEnvironmentAssignment(e) {
            throw ValidationError("--env \(e): expected NAME=VALUE")
        }
    }

    func run() throws {
        var session = try guest.session(mode: .run, argv: command, timeout: timeout)
        session.environment = environment
        do {
            if dryRun {
                print(session.commandLine(boot: try session.prepare()).arguments.map(shellWord).joined(separator: " "))
                return
            }
            let outcome = try session.run()
            report(outcome, timing: timing)
            throw ExitCode(outcome.exitCode)
        } catch let e as LabError {
            labProgress("error: \(e)")
            throw ExitCode(125)
        }
    }
}

struct LabShell: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Boot a guest with an interactive shell on this terminal (Ctrl-A X quits QEMU)."
    )
    @OptionGroup var guest: LabGuestOptions
    @Option(help: "Seconds before the guest is torn down (default: none).")
    var timeout: Double?

    func run() throws {
        let session = try guest.session(mode: .shell, argv: [], timeout: timeout)
        let outcome: LabOutcome
        do { outcome = try session.run() } catch {
            labProgress("error: \(error)")
            throw ExitCode(125)
        }
        throw ExitCode(outcome.exitCode)
    }
}

struct LabPrepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Fetch and build what a guest needs (host tools, kernel, initramfs) without booting."
    )
    @OptionGroup var guest: LabGuestOptions

    func run() throws {
        let session = try guest.session(mode: .run, argv: [], timeout: nil)
        let boot: GuestBootFiles
        do { boot = try session.prepare() } catch {
            labProgress("error: \(error)")
            throw ExitCode(125)
        }
        print("kernel \(boot.kernel)\ninitramfs \(boot.initramfs)")
        if let tree = boot.moduleTree { print("modules \(tree)") }
    }
}

private func report(_ outcome: LabOutcome, timing: Bool) {
    switch outcome.end {
    case .exited: break
    case .timedOut, .interrupted: labProgress("guest torn down (\(outcome.end))")
    case .guestFailed(let why):
        labProgress("the guest failed: \(why); last console lines:")
        for line in outcome.consoleTail { labProgress("  \(line)") }
    }
    if timing {
        let boot = outcome.bootSeconds.map { formatSeconds($0) } ?? "?"
        labProgress("boot to ready \(boot) s, boot-run-poweroff \(formatSeconds(outcome.totalSeconds)) s")
    }
}

private func formatSeconds(_ s: Double) -> String {
    let ms = Int((s * 1000).rounded())
    let frac = ms % 1000
    return "\(ms / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
}

private func shellWord(_ s: String) -> String { ShellQuote.word(s) }
