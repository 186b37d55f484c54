#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Whole-file reads of trusted local paths (procfs, the state directory, guest payloads).
/// A captured sysfs tree is untrusted: read it through SluicePCI's rooted SysfsDirectory instead.
public enum Files {
    /// The file's bytes; fails, naming the path, when it is larger than `limit`.
    public static func read(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
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
            if out.count > limit { throw SystemError(.fileTooLarge, "read \(path) (more than \(limit) bytes)") }
        }
    }

    /// The file as UTF-8 text.
    public static func readText(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }
}
