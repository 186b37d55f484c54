// Child processes through posix_spawn (no Foundation.Process in Sluice): argv, environment,
// where each standard stream goes, extra inherited descriptors, an optional process group of
// its own, and waiting that survives EINTR.
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How a child's exit looked to waitpid.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// The shell convention: the exit code, or 128 + the signal number.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let sig): 128 + sig
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let sig): "killed by signal \(sig)"
        }
    }

    init(waitStatus s: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros that do not import.
        if s & 0x7f == 0 { self = .exited((s >> 8) & 0xff) } else { self = .signaled(s & 0x7f) }
    }
}

/// A running (or finished, not yet reaped) child process.
public final class Subprocess: @unchecked Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        case inherit
        case null
        /// This descriptor of ours, duplicated into the child.
        case fd(Int32)
    }

    public let pid: pid_t
    public let executable: String
    /// Whether the child leads its own process group (so signalling the group reaches its children).
    public let ownGroup: Bool
    private var reaped: ExitStatus?

    private init(pid: pid_t, executable: String, ownGroup: Bool) {
        self.pid = pid
        self.executable = executable
        self.ownGroup = ownGroup
    }

    /// Spawns `argv` (looked up in PATH when argv[0] has no slash).
    /// - Parameters:
    ///   - environment: the child's environment; nil inherits ours.
    ///   - extraFds: (our descriptor, number in the child) pairs; everything else of ours is
    ///     expected to be close-on-exec.
    ///   - newProcessGroup: put the child in a process group of its own, so that a terminal's
    ///     Ctrl-C reaches only us and we decide how the child ends.
    public static func spawn(
        _ argv: [String],
        environment: [String]? = nil,
        stdin: Stream = .inherit, stdout: Stream = .inherit, stderr: Stream = .inherit,
        extraFds: [(Int32, Int32)] = [],
        newProcessGroup: Bool = false
    ) throws(SystemError) -> Subprocess {
        precondition(!argv.isEmpty, "spawn needs a program")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }

        // Every descriptor we hand over is first duplicated above all target numbers: a source
        // equal to another pair's target would otherwise be overwritten before its own dup2 ran.
        var redirects: [(Int32, Int32)] = extraFds
        for (stream, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
            switch stream {
            case .inherit: break
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .fd(let fd): redirects.append((fd, target))
            }
        }
        let floor = (redirects.map(\.1).max() ?? 2) + 1
        var staged: [Int32] = []
        defer { staged.forEach { close($0) } }
        for (ours, theirs) in redirects {
            let copy = fcntl(ours, F_DUPFD_CLOEXEC, floor)
            if copy < 0 { throw SystemError.current("dup descriptor \(ours) for \(argv[0])") }
            staged.append(copy)
            posix_spawn_file_actions_adddup2(&actions, copy, theirs)
        }

        // The child starts with default dispositions and an empty mask whatever we installed.
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attr, 0)
        }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(truncatingIfNeeded: flags))

        let cArgv = argv.map { strdup($0) } + [nil]
        defer { cArgv.forEach { free($0) } }
        let cEnv: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer { cEnv?.forEach { free($0) } }

        var pid: pid_t = 0
        let rc = cArgv.withUnsafeBufferPointer { argvBuf -> Int32 in
            let argvPtr = UnsafeMutablePointer(mutating: argvBuf.baseAddress!)
            if let cEnv {
                return cEnv.withUnsafeBufferPointer { envBuf in
                    posix_spawnp(&pid, argv[0], &actions, &attr, argvPtr, UnsafeMutablePointer(mutating: envBuf.baseAddress!))
                }
            }
            return posix_spawnp(&pid, argv[0], &actions, &attr, argvPtr, environ)
        }
        if rc != 0 { throw SystemError(Errno(rawValue: rc), "spawn \(argv[0])") }
        return Subprocess(pid: pid, executable: argv[0], ownGroup: newProcessGroup)
    }

    /// Waits for the child to end (retrying on EINTR) and reaps it.
    @discardableResult
    public func wait() throws(SystemError) -> ExitStatus {
        if let reaped { return reaped }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if currentErrno() == EINTR { continue }
            throw SystemError.current("waitpid \(pid) (\(executable))")
        }
        let s = ExitStatus(waitStatus: status)
        reaped = s
        return s
    }

    /// The exit status if the child has ended, nil while it runs.
    public func poll() throws(SystemError) -> ExitStatus? {
        if let reaped { return reaped }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r < 0 { throw SystemError.current("waitpid \(pid) (\(executable))") }
        if r == 0 { return nil }
        let s = ExitStatus(waitStatus: status)
        reaped = s
        return s
    }

    /// Sends `signal` to the child (and to its whole group when it has one). A child already
    /// reaped is not signalled: its pid may belong to someone else by now.
    public func send(_ signal: Int32) {
        guard reaped == nil else { return }
        _ = kill(ownGroup ? -pid : pid, signal)
    }

    /// SIGTERM, up to `grace` seconds to exit, then SIGKILL; always reaps.
    @discardableResult
    public func terminate(grace: Double = 2) -> ExitStatus? {
        if let reaped { return reaped }
        send(SIGTERM)
        var waited = 0.0
        while waited < grace {
            if let s = try? poll() { return s }
            usleep(20_000)
            waited += 0.02
        }
        send(SIGKILL)
        return try? wait()
    }
}

extension Subprocess {
    /// What a finished command printed and how it ended.
    public struct Output: Sendable {
        public var status: ExitStatus
        public var stdout: [UInt8]
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `argv` to completion, collecting its standard output (stderr is inherited, so a
    /// failing tool explains itself to the user).
    public static func run(_ argv: [String], environment: [String]? = nil, stdin: Stream = .null) throws(SystemError) -> Output {
        let pipe = try Pipe()
        let child: Subprocess
        do {
            child = try spawn(argv, environment: environment, stdin: stdin, stdout: .fd(pipe.write))
        } catch {
            pipe.closeBoth()
            throw error
        }
        pipe.closeWrite()
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(pipe.read, $0.baseAddress, $0.count) }
            if n > 0 { out += buf[0..<n]; continue }
            if n < 0 && currentErrno() == EINTR { continue }
            break
        }
        pipe.closeRead()
        return Output(status: try child.wait(), stdout: out)
    }
}

/// A close-on-exec pipe; the ends a child needs are dup2'ed into it by `spawn`.
public final class Pipe: @unchecked Sendable {
    public private(set) var read: Int32
    public private(set) var write: Int32

    public init() throws(SystemError) {
        var fds: [Int32] = [-1, -1]
        // pipe2 is not visible to Swift; spawn only passes descriptors it is told to.
        if pipe(&fds) != 0 { throw SystemError.current("pipe") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        read = fds[0]
        write = fds[1]
    }

    public func closeRead() { if read >= 0 { close(read); read = -1 } }
    public func closeWrite() { if write >= 0 { close(write); write = -1 } }
    public func closeBoth() { closeRead(); closeWrite() }
    deinit { closeBoth() }
}
