// SIGINT/SIGTERM/SIGHUP turned into bytes on a pipe, so the runner's poll loop sees them like any
// other event and tears the guest down itself.
import SluiceSystem
#if canImport(Glibc)
import Glibc
#endif

/// The write end the handler uses; set once before the handlers are installed.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

private func forwardSignal(_ sig: Int32) {
    var byte = UInt8(truncatingIfNeeded: sig)
    _ = write(signalPipeWriteFD, &byte, 1)
}

final class SignalPipe {
    let pipe: Pipe
    private var previous: [Int32: sigaction] = [:]
    static let signals = [SIGINT, SIGTERM, SIGHUP]

    init() throws(SystemError) {
        pipe = try Pipe()
        _ = fcntl(pipe.write, F_SETFL, O_NONBLOCK)
        signalPipeWriteFD = pipe.write
        for sig in Self.signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0 // no SA_RESTART: a blocking wait returns EINTR and looks at the pipe
            var old = sigaction()
            sigaction(sig, &action, &old)
            previous[sig] = old
        }
    }

    /// The signals received so far (consumed).
    func drain() -> [Int32] {
        var buf = [UInt8](repeating: 0, count: 16)
        var got: [Int32] = []
        _ = fcntl(pipe.read, F_SETFL, O_NONBLOCK)
        while true {
            let n = buf.withUnsafeMutableBytes { read(pipe.read, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            got += buf[0..<n].map { Int32($0) }
        }
        return got
    }

    func restore() {
        for (sig, old) in previous {
            var o = old
            sigaction(sig, &o, nil)
        }
        previous.removeAll()
        signalPipeWriteFD = -1
    }

    deinit { restore() }
}
