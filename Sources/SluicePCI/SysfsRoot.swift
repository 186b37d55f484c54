import CSluice
import Glibc
import SluiceSystem
import SystemPackage

/// Why a file under the sysfs root could not be read. A captured tree is untrusted input.
public enum SysfsError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(String)
    /// The path, or a symlink on it, leads outside the root (absolute target or `..` past it).
    case escapesRoot(String)
    /// A FIFO, device node, socket or directory where a regular file was expected.
    case notRegularFile(String, kind: String)
    case tooLarge(String, limit: Int)
    case system(SystemError)

    public var description: String {
        switch self {
        case .missing(let p): "\(p): missing"
        case .escapesRoot(let p): "\(p): refused, resolves outside the sysfs root"
        case .notRegularFile(let p, let kind): "\(p): refused, is a \(kind), not a regular file"
        case .tooLarge(let p, let limit): "\(p): refused, larger than \(limit) bytes"
        case .system(let e): e.description
        }
    }
}

/// A directory opened beneath the root: every path below it must resolve inside the root
/// (openat2 RESOLVE_BENEATH), reads are bounded, and only regular files are read.
public struct SysfsDirectory: ~Copyable {
    let fd: CInt
    /// Root-relative path, for messages.
    public let path: String

    init(fd: CInt, path: String) { self.fd = fd; self.path = path }
    deinit { close(fd) }

    func child(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    /// Opens a subdirectory (following symlinks that stay inside the root).
    public func directory(_ relative: String) throws(SysfsError) -> SysfsDirectory {
        let fd = try openBeneath(relative, flags: O_PATH | O_DIRECTORY)
        return SysfsDirectory(fd: fd, path: child(relative))
    }

    /// Reads a regular file of at most `limit` bytes; with `prefixOnly`, the first `limit`
    /// bytes of a longer file instead of refusing it (e.g. just the 64-byte config header).
    public func read(_ relative: String, limit: Int = 16 * 1024, prefixOnly: Bool = false) throws(SysfsError) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused right after.
        let fd = try openBeneath(relative, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system(.current("fstat \(child(relative))")) }
        let format = st.st_mode & S_IFMT
        guard format == S_IFREG else { throw .notRegularFile(child(relative), kind: fileKind(format)) }
        // sysfs reports 4096 for every attribute, so size comes from reading, bounded at limit + 1.
        let capacity = prefixOnly ? limit : limit + 1
        var buffer = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while filled < capacity {
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(.current("read \(child(relative))"))
            }
            if n == 0 { break }
            filled += n
        }
        guard filled <= limit else { throw .tooLarge(child(relative), limit: limit) }
        buffer.removeSubrange(filled...)
        return buffer
    }

    /// Reads a one-line text attribute without its trailing newline.
    public func readText(_ relative: String, limit: Int = 4096) throws(SysfsError) -> String {
        var bytes = try read(relative, limit: limit)
        while let last = bytes.last, last == 0x0a || last == 0x20 || last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The target text of a symlink directly in this directory (not followed).
    public func readLink(_ name: String) throws(SysfsError) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlinkat(fd, name, &buffer, 4096)
        if n < 0 {
            if errno == ENOENT { throw .missing(child(name)) }
            throw .system(.current("readlink \(child(name))"))
        }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Names of the entries of a subdirectory ("" for this one), without `.` and `..`.
    public func list(_ relative: String = ".", limit: Int = 1 << 20) throws(SysfsError) -> [String] {
        let fd = try openBeneath(relative, flags: O_RDONLY | O_DIRECTORY)
        guard let dir = fdopendir(fd) else {
            let error = SystemError.current("opendir \(child(relative))")
            close(fd)
            throw .system(error)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
            guard names.count <= limit else { throw .tooLarge(child(relative), limit: limit) }
        }
        return names
    }

    private func openBeneath(_ relative: String, flags: CInt) throws(SysfsError) -> CInt {
        let fd = csluice_open_beneath(self.fd, relative, flags)
        guard fd < 0 else { return fd }
        switch errno {
        case ENOENT, ENOTDIR: throw .missing(child(relative))
        case EXDEV: throw .escapesRoot(child(relative))
        default: throw .system(.current("open \(child(relative))"))
        }
    }
}

private func fileKind(_ format: mode_t) -> String {
    switch format {
    case S_IFIFO: "FIFO"
    case S_IFCHR: "character device"
    case S_IFBLK: "block device"
    case S_IFSOCK: "socket"
    case S_IFDIR: "directory"
    case S_IFLNK: "symlink"
    default: "special file"
    }
}

/// The root every read goes through: `/` on a live host, or a captured tree (`--sysfs-root DIR`).
/// Glibc does not export O_PATH to Swift (it is behind _GNU_SOURCE).
let O_PATH: CInt = 0o10000000

public enum SysfsRoot {
    public static func open(_ path: String) throws(SysfsError) -> SysfsDirectory {
        let fd = Glibc.open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .missing(path) }
            throw .system(.current("open \(path)"))
        }
        return SysfsDirectory(fd: fd, path: path)
    }
}
