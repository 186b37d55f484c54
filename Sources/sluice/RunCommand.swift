import ArgumentParser
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
        guard MemorySize.parse(memory) != nil else { throw ValidationError("--memory '\(memory)' is not a size like 64M") }
        if initramfs != nil && kernel == nil { throw ValidationError("--initramfs needs --kernel") }
    }

    /// The VMM runs in its own small executable (sluice-vmm, beside this one): the guest's
    /// process must not carry the CLI's libraries. It replaces this process, so signals, the
    /// exit status and the devices' file descriptors are the VMM's own.
    func run() throws {
        var arguments = ["--memory", memory]
        if let payload { arguments += ["--payload", payload, "--mode", mode.rawValue] }
        if let elf { arguments += ["--elf", elf] }
        if let kernel { arguments += ["--kernel", kernel, "--cmdline", cmdline] }
        if let initramfs { arguments += ["--initramfs", initramfs] }
        if irqchip { arguments.append("--irqchip") }
        for d in device { arguments += ["--device", d] }
        if let timeout { arguments += ["--timeout", String(timeout)] }
        if stats { arguments.append("--stats") }
        let vmm = Self.vmmExecutable()
        Self.exec(vmm, arguments)
        throw ValidationError("cannot execute the VMM \(vmm): \(String(cString: strerror(errno))) (build it: swift build --product sluice-vmm)")
    }

    /// $SLUICE_VMM, else sluice-vmm in the directory of this executable.
    static func vmmExecutable() -> String {
        if let path = getenv("SLUICE_VMM") { return String(cString: path) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let me = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "sluice"
        let directory = me.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (directory.isEmpty ? "." : directory) + "/sluice-vmm"
    }

    /// execv; returns only on failure (errno set).
    static func exec(_ path: String, _ arguments: [String]) {
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        _ = execv(path, argv)
    }
}
