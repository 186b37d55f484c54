#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Whole-file reads of trusted local paths (procfs, the state directory, guest payloads).
/// A captured sysfs tree is untrusted: read it through SluicePCI's rooted SysfsDirectory instead.
public enum Files {
    /// The file's bytes; fails, naming the path, when it is larger than `limit`. With
    /// `prefixOnly`, its first `limit` bytes instead (e.g. a magic number).
    public static func read(_ path: String, limit: Int = 1 << 20, prefixOnly: Bool = false) throws(SystemError) -> [UInt8] {
        let fd = try OwnedFD(path: path, mode: .readOnly)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd.raw, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw SystemError.current("read \(path)")
            }
            if n == 0 { return out }
            out += chunk[0..<n]
            if out.count > limit {
                if prefixOnly { return Array(out.prefix(limit)) }
                throw SystemError(.fileTooLarge, "read \(path) (more than \(limit) bytes)")
            }
        }
    }

    /// The file as UTF-8 text.
    public static func readText(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    /// Entry names of a directory (no "." or ".."), sorted.
    public static func list(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError.current("opendir \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The target of the symlink at `path`; nil when it is not one or cannot be read.
    public static func readLink(_ path: String) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buf -> String? in
            let n = Glibc.readlink(path, buf.baseAddress!, buf.count)
            guard n >= 0 else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: buf.baseAddress!, count: n), as: UTF8.self)
        }
    }

    /// Whether something exists at `path` (access F_OK; a dangling symlink does not).
    public static func exists(_ path: String) -> Bool { Glibc.access(path, F_OK) == 0 }

    /// Writes all of `bytes` to `fd` (an output stream or pipe), through short writes and EINTR.
    /// Stops quietly at an error such as a closed pipe: there is no one left to tell.
    public static func writeAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 { if Glibc.errno == EINTR { continue }; return }
            if n == 0 { return }
            done += n
        }
    }

    public static func writeAll(_ fd: CInt, _ text: String) {
        var text = text
        text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    public static func writeAll(_ fd: CInt, _ bytes: some Collection<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ writeAll(fd, UnsafeRawBufferPointer($0)) }) == nil {
            writeAll(fd, Array(bytes))
        }
    }
}
