// What the guest's init says on the console (ttyS0), read line by line on the host.

public enum ConsoleEvent: Equatable, Sendable {
    /// Modules loaded and the host root mounted; `uptime` is the guest's clock in seconds.
    case ready(uptime: Double?)
    /// The command ended with this exit code.
    case exit(code: Int32)
    /// The guest could not run the command; the words say why.
    case error(String)
    /// Any other line: kernel log, init progress.
    case log(String)

    public init(line: String) {
        if line.hasPrefix("SLUICE-LAB-EXIT ") {
            let code = line.dropFirst("SLUICE-LAB-EXIT ".count).split(separator: " ").first.flatMap { Int32($0) }
            self = code.map { .exit(code: $0) } ?? .log(line)
        } else if line.hasPrefix("SLUICE-LAB-ERROR ") {
            self = .error(String(line.dropFirst("SLUICE-LAB-ERROR ".count)))
        } else if line.hasPrefix("SLUICE-LAB: ready") {
            let t = line.split(separator: " ").first { $0.hasPrefix("t=") }.flatMap { Double($0.dropFirst(2)) }
            self = .ready(uptime: t)
        } else {
            self = .log(line)
        }
    }
}

/// Splits a byte stream into lines (without the line end), keeping a partial last line.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    public init() {}

    public mutating func feed(_ bytes: some Collection<UInt8>) -> [String] {
        var lines: [String] = []
        for b in bytes {
            if b == UInt8(ascii: "\n") {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else if pending.count < 1 << 16 {
                pending.append(b)
            }
        }
        return lines
    }

    /// The unterminated rest, if any.
    public mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}
