// The script a guest runs for `sluice lab run -- COMMAND...`: argv quoted for /bin/sh, started in
// the caller's directory when the guest can see it.

public enum ShellQuote {
    /// One word, single-quoted unless it is made only of characters the shell never interprets.
    public static func word(_ s: String) -> String {
        let plain = !s.isEmpty && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || "-_./=:,+@%".utf8.contains(c)
        }
        if plain { return s }
        return "'" + s.replacingAll("'", with: "'\\''") + "'"
    }
}

public enum GuestCommand {
    /// Paths the guest replaces with fresh mounts of its own, so the host's files there are invisible.
    public static let hiddenPrefixes = ["/tmp", "/run", "/proc", "/sys", "/dev"]

    public static func isVisibleInGuest(_ path: String) -> Bool {
        !hiddenPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// Whether `assignment` is NAME=VALUE with a shell-safe NAME.
    public static func isEnvironmentAssignment(_ assignment: String) -> Bool {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else { return false }
        let name = assignment[..<eq].utf8
        return name.allSatisfy { c in c == 0x5f || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) }
            && !(name.first! >= 0x30 && name.first! <= 0x39)
    }

    /// - Parameter environment: NAME=VALUE words (checked with isEnvironmentAssignment) exported
    ///   after the lab's defaults, so they can override them.
    public static func script(argv: [String], workingDirectory: String?, environment: [String] = []) -> String {
        var s = "# written by sluice lab run\n"
        s += "export SLUICE_LAB=1 HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
        for assignment in environment where isEnvironmentAssignment(assignment) {
            let eq = assignment.firstIndex(of: "=")!
            s += "export \(assignment[..<eq])=\(ShellQuote.word(String(assignment[assignment.index(after: eq)...])))\n"
        }
        if let dir = workingDirectory, isVisibleInGuest(dir) {
            s += "cd \(ShellQuote.word(dir)) 2>/dev/null || cd /\n"
        } else {
            s += "cd /\n"
        }
        s += "exec " + argv.map(ShellQuote.word).joined(separator: " ") + "\n"
        return s
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
