import ArgumentParser
import SluiceVFIO
import SluiceVMM
#if canImport(Glibc)
import Glibc
#endif

/// `sluice run`: boots a payload in Sluice's VMM, serial console on stdout.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a guest payload in Sluice's KVM VMM (serial console on stdout).",
        discussion: """
            A flat binary runs in real mode (loaded at 0:7C00) or 64-bit long mode (loaded at 1 MiB, \
            identity-mapped); --elf loads an x86-64 ELF executable; --kernel boots a bzImage through the \
            Linux boot protocol. The guest stops by writing its exit code to port 0xF4, by HLT (without \
            --irqchip), by a reset through port 0xCF9 or a triple fault. Exits with the guest's code. \
            Ctrl-C, SIGTERM and --timeout stop the guest and tear the VM down cleanly. \
            --device assigns a vfio-pci device at 00:01.0, 00:02.0, ...: guest RAM DMA-mapped at IOVA = \
            guest-physical around the IOMMU's reserved ranges, BARs in 0xC0000000-0xDFFFFFFF, MSI/MSI-X/INTx \
            through KVM; the device is reset before and after the guest.
            """)

    @Option(name: .long, help: "Flat binary payload.") var payload: String?
    @Option(name: .long, help: "x86-64 ELF payload.") var elf: String?
    @Option(name: .long, help: "Linux bzImage.") var kernel: String?
    @Option(name: .long, help: "initramfs for --kernel.") var initramfs: String?
    @Option(name: .long, help: "Kernel command line for --kernel.") var cmdline = "console=ttyS0 panic=-1"
    @Option(name: .long, help: "CPU mode for a flat payload: real or long.") var mode: ModeArgument = .real
    @Option(name: .long, help: "Guest RAM, e.g. 64M, 1G (page multiple).") var memory = "64M"
    @Flag(name: .long, help: "Create the in-kernel irqchip and PIT (always on for --kernel and --device).") var irqchip = false
    @Option(name: .long, help: ArgumentHelp("Assign a PCI device bound to vfio-pci (repeatable), e.g. 0000:01:00.0.",
                                            valueName: "address")) var device: [String] = []
    @Option(name: .long, help: "Stop the guest after this many seconds (exit status 124).") var timeout: UInt32?
    @Flag(name: .long, help: "Print timings and exit counts on stderr (used by Benchmarks/vmm).") var stats = false

    enum ModeArgument: String, ExpressibleByArgument, CaseIterable { case real, long }

    func validate() throws {
        let given = [payload, elf, kernel].compactMap { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of --payload, --elf, --kernel") }
        guard Self.parseSize(memory) != nil else { throw ValidationError("--memory '\(memory)' is not a size like 64M") }
        if initramfs != nil && kernel == nil { throw ValidationError("--initramfs needs --kernel") }
    }

    /// "64M", "1G", "4096K" or a byte count; must be a positive page multiple.
    static func parseSize(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 10, "M": 20, "G": 30]
        var digits = Substring(text)
        var shift = 0
        if let last = digits.last?.uppercased().first, let s = units[last] { shift = s; digits = digits.dropLast() }
        guard let n = Int(digits), n > 0, n <= (1 << 46) >> shift else { return nil }
        let bytes = n << shift
        return bytes % 4096 == 0 ? bytes : nil
    }

    func run() throws {
        let payload: Payload
        if let path = self.payload {
            payload = .flat(try Self.readFile(path), mode: mode == .real ? .real : .long)
        } else if let path = elf {
            payload = .elf(try Self.readFile(path))
        } else {
            payload = .linux(kernel: try Self.readFile(kernel!), initramfs: try initramfs.map(Self.readFile),
                             commandLine: cmdline)
        }
        let linux = kernel != nil
        let assigned = try device.map(Self.openDevice)
        var config = VMMConfiguration(memorySize: Self.parseSize(memory)!, payload: payload,
                                      irqchip: irqchip || linux || !assigned.isEmpty)
        config.reservedRanges = assigned.flatMap(\.dma.reservedIOVARanges)
        let (vmm, stop) = try Self.boot(config, devices: assigned, timeout: timeout)
        if stats {
            let s = vmm.statistics
            let roundTrip = s.exits > 1 ? Double(s.lastExitTime - s.firstExitTime) / Double(s.exits - 1) : 0
            Self.stderr("""
                stats: start_to_first_exit_ns=\(s.startToFirstExit) exits=\(s.exits) \
                mean_exit_round_trip_ns=\(Int(roundTrip)) rss_bytes=\(Self.statusBytes("VmRSS")) \
                rss_anon_bytes=\(Self.statusBytes("RssAnon")) \
                guest_resident_bytes=\(vmm.guestResidentBytes)

                """)
        }
        if vmm.events.total > 0 { Self.stderr("sluice: \(vmm.events.summary)\n") }
        switch stop {
        case .exitCode(let code): throw ExitCode(Int32(code))
        case .halted, .reset: Self.stderr("sluice: \(stop)\n")
        case .signal(let signal):
            Self.stderr("sluice: \(signal == SIGALRM ? "timed out" : stop.description)\n")
            throw ExitCode(signal == SIGALRM ? 124 : 128 + signal)
        case .shutdown, .exitLimit, .failed:
            Self.stderr("sluice: \(stop)\n")
            throw ExitCode(125)
        }
    }

    /// Opens a device through VFIO (iommufd when the kernel offers it, else the legacy container).
    static func openDevice(_ address: String) throws -> (device: VFIOAssignedDevice, dma: VFIOGuestDMA) {
        do throws(VFIOError) {
            let session = try VFIO.open(address)
            return (VFIOAssignedDevice(session: session), try VFIOGuestDMA(session.dma))
        } catch {
            throw ValidationError("sluice run: --device \(address): \(error)")
        }
    }

    static func boot(_ config: VMMConfiguration, devices: [(device: VFIOAssignedDevice, dma: VFIOGuestDMA)],
                     timeout: UInt32?) throws -> (VirtualMachineMonitor, GuestStop) {
        let vmm: VirtualMachineMonitor
        do throws(VMMError) { vmm = try VirtualMachineMonitor(config) } catch { throw ValidationError("sluice run: \(error)") }
        vmm.events.onViolation = { Self.stderr("sluice: guest: \($0)\n") }
        for (i, d) in devices.enumerated() {
            do throws(VirtualMachineMonitor.AssignError) {
                try vmm.assign(d.device, dma: d.dma, slot: UInt8(i + 1))
            } catch {
                throw ValidationError("sluice run: --device \(d.device.name): \(error)")
            }
        }
        let outcome = Result { () throws(VMMError) -> (VirtualMachineMonitor, GuestStop) in
            try vmm.stopOnSignals([SIGINT, SIGTERM, SIGALRM])
            if let timeout, timeout > 0 { alarm(timeout) }
            return (vmm, try vmm.run())
        }
        switch outcome {
        case .success(let r): return r
        case .failure(let e): throw ValidationError("sluice run: \(e)")
        }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            if bytes.count > 1 << 31 { throw ValidationError("\(path) is larger than 2 GiB") }
        }
    }

    static func stderr(_ s: String) {
        var s = s
        s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// A "Name:  N kB" field of /proc/self/status (VmRSS, RssAnon), in bytes.
    static func statusBytes(_ name: String) -> Int {
        guard let status = try? readFile("/proc/self/status") else { return 0 }
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + ":") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
}
