// One lab session end to end: host tools, kernel and initramfs from the cache (fetched or built
// on first use), the command written where the guest can read it, the guest run, the run
// directory removed.
import SluiceSystem
#if canImport(Glibc)
import Glibc
#endif

public struct LabSession {
    public var config: LabConfig
    public var mode: GuestMode
    /// The command for `.run` mode.
    public var argv: [String]
    /// NAME=VALUE words exported to the command.
    public var environment: [String] = []
    public var cacheRoot = LabCache.defaultRoot()
    public var lockPath = LabRunner.defaultLockPath()
    public var verbose = false
    public var progress: (String) -> Void

    public init(config: LabConfig, mode: GuestMode, argv: [String], progress: @escaping (String) -> Void) {
        self.config = config
        self.mode = mode
        self.argv = argv
        self.progress = progress
    }

    /// Fetches and builds what the guest needs; returns the boot files.
    public func prepare() throws(LabError) -> GuestBootFiles {
        let cache = try LabCache(root: cacheRoot, progress: progress)
        // Two sessions preparing the same kernel at once would race on the unpack and the build.
        let lock = open("\(cacheRoot)/.prepare.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        defer { if lock >= 0 { close(lock) } }
        if lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) != 0 {
            progress("waiting for another sluice lab preparing \(cacheRoot)")
            while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        }
        try cache.ensureHostTools()
        let kernel = try cache.prepareKernel(config.kernel)
        let initramfs = try cache.initramfs(for: kernel)
        return GuestBootFiles(kernel: kernel.image, initramfs: initramfs, moduleTree: kernel.moduleTree)
    }

    public func commandLine(boot: GuestBootFiles) -> QEMUCommand {
        QEMUCommand(config: config, boot: boot, mode: mode, runDirectory: runDirectory)
    }

    var runDirectory: String { "\(cacheRoot)/runs/\(getpid())" }

    public func run() throws(LabError) -> LabOutcome {
        do { try config.validate() } catch { throw LabError(error.description) }
        for share in config.writableShares where !Files.isDirectory(share) {
            throw LabError("--share \(share): no such directory")
        }
        let boot = try prepare()
        removeStaleRuns()
        let dir = runDirectory
        let script = "\(dir)/cmd.sh"
        do {
            try Files.makeDirectories(dir)
            try Files.writeAtomically(script, Array(GuestCommand.script(argv: argv, workingDirectory: currentDirectory(), environment: environment).utf8))
        } catch { throw LabError("\(error)") }
        defer { unlink(script); rmdir(dir) }
        var runner = LabRunner(command: commandLine(boot: boot), lockPath: lockPath, progress: progress)
        runner.verbose = verbose
        progress("booting \(config.kernel == .debian612 ? "6.12" : config.kernel == .debian61 ? "6.1" : "the given kernel") with \(config.iommu) IOMMU, \(config.topology.rawValue) topology")
        return try runner.run()
    }

    /// Run directories of sessions that died without cleaning up (SIGKILL).
    private func removeStaleRuns() {
        let runs = "\(cacheRoot)/runs"
        for name in (try? Files.list(runs)) ?? [] {
            guard let pid = pid_t(name), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink("\(runs)/\(name)/cmd.sh")
            rmdir("\(runs)/\(name)")
        }
    }

    private func currentDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return nil }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
