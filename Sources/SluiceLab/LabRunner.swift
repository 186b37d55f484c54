// Runs one disposable lab guest: QEMU in a process group of its own, killed with us
// (PR_SET_PDEATHSIG through setpriv), under a lock so only one lab QEMU runs at a time, with
// the command's stdout and stderr streamed from two serial ports and its exit code read from
// the console. Whatever happens (exit, timeout, Ctrl-C, SIGTERM, QEMU crash), no QEMU is left.
import SluiceSystem
#if canImport(Glibc)
import Glibc
#endif

/// How a lab run ended, with its timings (seconds on the host's monotonic clock).
public struct LabOutcome: Sendable {
    public enum End: Equatable, Sendable {
        /// The command ran and exited with this code.
        case exited(Int32)
        case timedOut
        case interrupted(signal: Int32)
        /// The guest never reported an exit code (boot failure, panic, QEMU error).
        case guestFailed(String)
    }
    public var end: End
    public var bootSeconds: Double?
    public var totalSeconds: Double
    /// The last console lines (kernel log, init, QEMU's own messages).
    public var consoleTail: [String]

    /// The process exit code `sluice lab run` returns: the command's, 124 on timeout (as
    /// timeout(1)), 128+N on a signal, 125 when the lab itself failed (as `docker run`).
    public var exitCode: Int32 {
        switch end {
        case .exited(let c): c
        case .timedOut: 124
        case .interrupted(let s): 128 + s
        case .guestFailed: 125
        }
    }
}

public struct LabRunner {
    public var command: QEMUCommand
    /// Held while QEMU runs; nil runs without it.
    public var lockPath: String?
    /// Print every console line to stderr as it arrives.
    public var verbose = false
    public var progress: (String) -> Void

    public init(command: QEMUCommand, lockPath: String?, progress: @escaping (String) -> Void) {
        self.command = command
        self.lockPath = lockPath
        self.progress = progress
    }

    /// The default lock: one lab QEMU at a time on this machine ($SLUICE_LAB_LOCK overrides; empty disables).
    public static func defaultLockPath() -> String? {
        let p = Files.environment("SLUICE_LAB_LOCK") ?? "/var/tmp/sluice-qemu.lock"
        return p.isEmpty ? nil : p
    }

    /// setpriv makes the kernel SIGKILL QEMU when we die, even by SIGKILL. The kernel ties the
    /// death signal to the spawning *thread*: spawn from a thread that lives as long as the run
    /// (the CLI's main thread), not from a pool thread that may exit.
    var argv: [String] { ["setpriv", "--pdeathsig", "KILL", "--"] + command.arguments }

    public func run() throws(LabError) -> LabOutcome {
        let signals: SignalPipe
        do { signals = try SignalPipe() } catch { throw LabError("\(error)") }
        defer { signals.restore() }
        let lock = try acquireLock(signals)
        defer { if lock >= 0 { close(lock) } }
        if command.mode == .shell { return try runInteractive(signals) }
        return try runBatch(signals)
    }

    private func acquireLock(_ signals: SignalPipe) throws(LabError) -> Int32 {
        guard let lockPath else { return -1 }
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        if fd < 0 { throw LabError("\(SystemError.current("open lock \(lockPath)"))") }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        progress("waiting for \(lockPath): another lab QEMU is running")
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR, !signals.drain().isEmpty { close(fd); throw LabError("interrupted while waiting for the lab lock") }
            if errno != EINTR { let e = SystemError.current("flock \(lockPath)"); close(fd); throw LabError("\(e)") }
        }
        return fd
    }

    private func runBatch(_ signals: SignalPipe) throws(LabError) -> LabOutcome {
        let console: Pipe, out: Pipe, err: Pipe
        do { console = try Pipe(); out = try Pipe(); err = try Pipe() } catch { throw LabError("\(error)") }
        let start = monotonicSeconds()
        let qemu: Subprocess
        do {
            qemu = try Subprocess.spawn(argv, stdin: .null, stdout: .fd(console.write), stderr: .fd(console.write),
                                        extraFds: [(out.write, command.stdoutFD), (err.write, command.stderrFD)],
                                        newProcessGroup: true)
        } catch { throw LabError("cannot start QEMU: \(error)") }
        console.closeWrite(); out.closeWrite(); err.closeWrite()

        var splitter = LineSplitter()
        var tail: [String] = []
        var exitCode: Int32?
        var guestError: String?
        var bootSeconds: Double?
        var end: LabOutcome.End?
        let deadline = command.config.timeout.map { start + $0 }
        var open: [(fd: Int32, sink: Int32)] = [(console.read, -1), (out.read, 1), (err.read, 2)]
        var buf = [UInt8](repeating: 0, count: 65536)

        func consoleLines(_ lines: [String]) {
            for line in lines {
                if verbose { Files.writeAll(2, "│ " + line + "\n") }
                switch ConsoleEvent(line: line) {
                case .ready: bootSeconds = monotonicSeconds() - start
                case .exit(let code): exitCode = code
                case .error(let why): guestError = why
                case .log: break
                }
                tail.append(line)
                if tail.count > 40 { tail.removeFirst() }
            }
        }

        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: signals.pipe.read, events: Int16(POLLIN), revents: 0))
            var timeoutMS: Int32 = -1
            if let deadline { timeoutMS = Int32(max(0, min(Double(Int32.max), (deadline - monotonicSeconds()) * 1000))) }
            let n = poll(&fds, nfds_t(fds.count), timeoutMS)
            if n < 0 && errno != EINTR { break }
            if let sig = signals.drain().first {
                end = .interrupted(signal: sig)
                progress("signal \(sig): stopping the guest")
                break
            }
            if let deadline, monotonicSeconds() >= deadline {
                end = .timedOut
                progress("timed out after \(command.config.timeout!) s: stopping the guest")
                break
            }
            if n <= 0 { continue }
            var closed: [Int32] = []
            for (i, p) in fds.dropLast().enumerated() where p.revents != 0 {
                let entry = open[i]
                let r = buf.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if r > 0 {
                    if entry.sink < 0 { consoleLines(splitter.feed(buf[0..<r])) } else { Files.writeAll(entry.sink, buf[0..<r]) }
                } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                    closed.append(entry.fd)
                }
            }
            open.removeAll { closed.contains($0.fd) }
        }
        if let rest = splitter.finish() { consoleLines([rest]) }
        // Pipes at EOF mean QEMU is exiting: give it time before signalling; otherwise stop it now.
        var status: ExitStatus?
        if end == nil {
            for _ in 0..<500 {
                if let s = try? qemu.poll() { status = s; break }
                usleep(20_000)
            }
        }
        if status == nil { status = qemu.terminate(grace: 2) }
        console.closeRead(); out.closeRead(); err.closeRead()
        if end == nil {
            if let exitCode { end = .exited(exitCode) }
            else {
                let why = guestError ?? "QEMU ended (\(status.map { "\($0)" } ?? "unknown status")) before the guest reported an exit code"
                end = .guestFailed(why)
            }
        }
        return LabOutcome(end: end!, bootSeconds: bootSeconds, totalSeconds: monotonicSeconds() - start, consoleTail: tail)
    }

    /// The console is the user's terminal: QEMU puts it in raw mode and Ctrl-A X quits it.
    private func runInteractive(_ signals: SignalPipe) throws(LabError) -> LabOutcome {
        let start = monotonicSeconds()
        let qemu: Subprocess
        do { qemu = try Subprocess.spawn(argv) } catch { throw LabError("cannot start QEMU: \(error)") }
        while true {
            if let s = try? qemu.poll() {
                return LabOutcome(end: s == .exited(0) ? .exited(0) : .guestFailed("\(s)"), bootSeconds: nil,
                                  totalSeconds: monotonicSeconds() - start, consoleTail: [])
            }
            if let sig = signals.drain().first {
                qemu.terminate(grace: 2)
                return LabOutcome(end: .interrupted(signal: sig), bootSeconds: nil, totalSeconds: monotonicSeconds() - start, consoleTail: [])
            }
            if let t = command.config.timeout, monotonicSeconds() - start > t {
                qemu.terminate(grace: 2)
                return LabOutcome(end: .timedOut, bootSeconds: nil, totalSeconds: monotonicSeconds() - start, consoleTail: [])
            }
            usleep(50_000)
        }
    }
}

