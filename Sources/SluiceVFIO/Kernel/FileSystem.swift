#if canImport(Glibc)
import Glibc
#endif

// `package`: SluiceBinding reads sysfs with these too.

/// access(2) as a Bool.
package func access(_ path: String, _ mode: CInt) -> Bool { Glibc.access(path, mode) == 0 }

/// readlink(2); nil when `path` is not a symlink.
package func readLink(_ path: String) -> String? {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = Glibc.readlink(path, &buf, buf.count - 1)
    guard n >= 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Entry names of a directory (no "." or ".."), sorted.
package func listDirectory(_ path: String) throws -> [String] {
    guard let d = opendir(path) else { throw FileSystemError(path: path, errno: errno) }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

package struct FileSystemError: Error { package let path: String; package let errno: CInt }
