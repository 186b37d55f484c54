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
        case .escapesRoot(let p): "\(p): refused, resolves outside the sysfs root (or the device directory it is read from)"
        case .notRegularFile(let p, let kind): "\(p): refused, is a \(kind), not a regular file"
        case .tooLarge(let p, let limit): "\(p): refused, larger than \(limit) bytes"
        case .system(let e): e.description
        }
    }
}

/// Names to look for in a directory listing, with their UTF-8 bytes prepared once. A class:
/// every directory opened with a listing keeps one, and a reference is one retain where a
/// struct of five arrays would be five.
public final class SysfsNames: Sendable {
    public let names: [String]
    /// The names' bytes end to end, and where each starts and ends.
    let flat: [UInt8]
    let starts: [Int]
    let ends: [Int]
    /// For each first byte, a bit per name that starts with it: a directory entry is compared
    /// only with the names it could be.
    let byFirstByte: [UInt64]

    public init(_ names: [String]) {
        precondition(names.count <= 64, "SysfsNames: at most 64 names")
        self.names = names
        var flat: [UInt8] = [], starts: [Int] = [], ends: [Int] = []
        var table = [UInt64](repeating: 0, count: 256)
        for (i, name) in names.enumerated() {
            let bytes = Array(name.utf8)
            starts.append(flat.count); flat += bytes; ends.append(flat.count)
            if let first = bytes.first { table[Int(first)] |= 1 << UInt64(i) }
        }
        self.flat = flat; self.starts = starts; self.ends = ends
        byFirstByte = table
    }

    /// Which name `bytes` is, if any (one buffer access per table: this runs for every entry
    /// of every device directory).
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = bytes.first else { return nil }
        var candidates = byFirstByte[Int(first)]
        guard candidates != 0 else { return nil }
        return flat.withUnsafeBufferPointer { flat in
            while candidates != 0 {
                let i = candidates.trailingZeroBitCount
                candidates &= candidates - 1
                let start = starts[i], end = ends[i]
                if end - start == bytes.count, memcmp(flat.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0 { return i }
            }
            return nil
        }
    }

    /// Where `name` is among the names (it runs for every attribute of every device).
    func index(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { index(of: $0) }
    }
}

/// A directory opened beneath the root: every path below it must resolve inside the root
/// (openat2 RESOLVE_BENEATH), reads are bounded, and only regular files are read.
public struct SysfsDirectory: ~Copyable {
    let fd: CInt
    /// Root-relative path, for messages.
    public let path: String
    /// Check a file's type before opening it: on for captured trees, off for the live `/`
    /// (the kernel's sysfs holds no FIFOs or device nodes).
    let verifyFileType: Bool
    /// The tree's filesystem fills a getdents buffer until the directory ends (see
    /// `ListingFilesystems`): a reply that left room for another entry was the whole listing.
    let shortListingIsComplete: Bool
    /// When opened with a listing: the names asked about and their d_type (0: absent), so
    /// each attribute's type check, and each absent attribute, cost no syscall.
    private let listed: SysfsNames?
    private let listedTypes: [UInt8]

    init(fd: CInt, path: String, verifyFileType: Bool, shortListingIsComplete: Bool = false,
         listed: SysfsNames? = nil, listedTypes: [UInt8] = []) {
        self.fd = fd; self.path = path; self.verifyFileType = verifyFileType
        self.shortListingIsComplete = shortListingIsComplete
        self.listed = listed; self.listedTypes = listedTypes
    }

    /// d_type of a listed name: nil when this name was not part of the listing.
    private func listedType(_ name: String) -> UInt8? {
        guard let listed, let i = listed.index(of: name) else { return nil }
        return listedTypes[i]
    }
    deinit { close(fd) }

    func child(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    /// Opens a subdirectory (following symlinks that stay inside the root).
    /// With `listing` (captured trees), the directory is read once and the types of those
    /// names recorded, so each attribute's type check and each absent one cost no syscall.
    /// The names are prepared once (`SysfsNames`) for a caller opening thousands of directories.
    public func directory(_ relative: String, listing names: SysfsNames? = nil) throws(SysfsError) -> SysfsDirectory {
        try Self.open(relative, beneath: fd, path: child(relative), listing: names, rules: rules, subdirectory: { _ in })
    }

    /// `directory(_:listing:)` that also hands `subdirectory` the name of every entry that is,
    /// or may be, a directory: how a walk down the tree learns the level below from the
    /// listing it makes anyway. Captured trees only (the live sysfs is not listed).
    func directory(_ relative: String, listing names: SysfsNames,
                   subdirectory: (UnsafeBufferPointer<UInt8>) -> Void) throws(SysfsError) -> SysfsDirectory {
        try Self.open(relative, beneath: fd, path: child(relative), listing: names, rules: rules, subdirectory: subdirectory)
    }

    /// How a tree is read (the same for every directory of one root), as a value another
    /// thread can take.
    struct Rules: Sendable {
        var verifyFileType: Bool
        var shortListingIsComplete: Bool
    }
    var rules: Rules { Rules(verifyFileType: verifyFileType, shortListingIsComplete: shortListingIsComplete) }

    /// Opens `relative` beneath the directory `parent` (a descriptor the caller keeps open, e.g.
    /// one shared by the threads of a walk), reading it by `rules`. `path` names the result in
    /// messages.
    static func open(_ relative: String, beneath parent: CInt, path: String, listing names: SysfsNames?, rules: Rules,
                     subdirectory: (UnsafeBufferPointer<UInt8>) -> Void) throws(SysfsError) -> SysfsDirectory {
        let verify = rules.verifyFileType, shortComplete = rules.shortListingIsComplete
        guard let names, verify else {
            let fd = try openBeneath(relative, in: parent, path: path, flags: O_PATH | O_DIRECTORY)
            return SysfsDirectory(fd: fd, path: path, verifyFileType: verify, shortListingIsComplete: shortComplete)
        }
        let fd = try openBeneath(relative, in: parent, path: path, flags: O_RDONLY | O_DIRECTORY)
        let types: [UInt8]
        do { types = try listTypes(fd, path: path, of: names, shortListingIsComplete: shortComplete, subdirectory: subdirectory) } catch {
            close(fd)
            throw error
        }
        return SysfsDirectory(fd: fd, path: path, verifyFileType: verify,
                              shortListingIsComplete: shortComplete, listed: names, listedTypes: types)
    }

    /// Reads the directory `fd` once and returns the d_type of each of `names` (0: absent).
    private static func listTypes(_ fd: CInt, path: String, of names: SysfsNames, shortListingIsComplete: Bool,
                                  subdirectory: (UnsafeBufferPointer<UInt8>) -> Void) throws(SysfsError) -> [UInt8] {
        var types = [UInt8](repeating: 0, count: names.names.count)
        // One call per device directory instead of two, where the filesystem allows.
        try DirectoryEntries.read(fd, path: path, bufferSize: 16384, shortReplyEnds: shortListingIsComplete) { name, type in
            if let i = names.index(of: name) { types[i] = type == 0 ? UInt8(DT_UNKNOWN) : type }
            if type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN) { subdirectory(name) }
            return true
        }
        return types
    }

    /// Reads a regular file of at most `limit` bytes; with `prefixOnly`, the first `limit`
    /// bytes of a longer file instead of refusing it (e.g. just the 64-byte config header).
    public func read(_ relative: String, limit: Int = 4096, prefixOnly: Bool = false) throws(SysfsError) -> [UInt8] {
        // An exactly-sized copy: a 4 KiB buffer kept per device for a 256-byte config space
        // would be thousands of page faults in a big scan.
        try withContents(relative, limit: limit, prefixOnly: prefixOnly) { Array($0) }
    }

    /// Reads a regular file as `read` does and hands its bytes to `body` in scratch space: for
    /// attributes parsed on the spot (numbers, short text), nothing is allocated to hold them.
    public func withContents<T>(_ relative: String, limit: Int = 4096, prefixOnly: Bool = false,
                                _ body: (UnsafeBufferPointer<UInt8>) -> T) throws(SysfsError) -> T {
        guard let value = try withContentsIfPresent(relative, limit: limit, prefixOnly: prefixOnly, body) else {
            throw .missing(child(relative))
        }
        return value
    }

    /// `withContents`, or nil when the file does not exist: for a caller probing thousands of
    /// optional files, an absent one costs its system call and nothing else (no error to build).
    public func withContentsIfPresent<T>(_ relative: String, limit: Int = 4096, prefixOnly: Bool = false,
                                         _ body: (UnsafeBufferPointer<UInt8>) -> T) throws(SysfsError) -> T? {
        guard try isRegularFile(relative) else { return nil }
        let fd = csluice_open_beneath(self.fd, relative, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw Self.openError(path: child(relative))
        }
        defer { close(fd) }
        let capacity = prefixOnly ? limit : limit + 1
        let result = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buf -> Result<T, SysfsError> in
            var filled = 0
            while filled < capacity {
                let want = capacity - filled
                let n = Glibc.read(fd, buf.baseAddress! + filled, want)
                if n < 0 {
                    if errno == EINTR { continue }
                    return .failure(errno == EISDIR ? .notRegularFile(child(relative), kind: "directory")
                        : .system(.current("read \(child(relative))")))
                }
                filled += n
                // A short read of a regular file (sysfs attributes included) means end of
                // file: saves a second read per attribute.
                if n < want { break }
            }
            guard filled <= limit else { return .failure(.tooLarge(child(relative), limit: limit)) }
            return .success(body(UnsafeBufferPointer(rebasing: buf[..<filled])))
        }
        return try result.get()
    }

    /// Opens a regular file beneath this directory (same checks as `read`) for a caller that
    /// needs positioned reads, e.g. config space fetched piecewise.
    public func withFile<T>(_ relative: String, _ body: (CInt) -> T) throws(SysfsError) -> T {
        guard try isRegularFile(relative) else { throw .missing(child(relative)) }
        let fd = try openBeneath(relative, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY)
        defer { close(fd) }
        return body(fd)
    }

    /// True for the live system's sysfs (reads there cost config cycles, not page-cache copies).
    public var isLive: Bool { !verifyFileType }

    /// Reads a one-line text attribute without its trailing newline.
    public func readText(_ relative: String, limit: Int = 4096) throws(SysfsError) -> String {
        try withContents(relative, limit: limit) { String(decoding: $0[..<Self.trimmedEnd($0)], as: UTF8.self) }
    }

    /// `readText`, or nil when the file does not exist (see `withContentsIfPresent`).
    public func readTextIfPresent(_ relative: String, limit: Int = 4096) throws(SysfsError) -> String? {
        try withContentsIfPresent(relative, limit: limit) { String(decoding: $0[..<Self.trimmedEnd($0)], as: UTF8.self) }
    }

    /// Reads a one-number attribute (`0x8086`, `-1`, `42`) without building a String.
    /// nil when the text is not one number; `hex` forces base 16 even without `0x`.
    public func readNumber(_ relative: String, hex forceHex: Bool) throws(SysfsError) -> Int64?? {
        try withContents(relative, limit: 64) { bytes -> Int64?? in
            let end = Self.trimmedEnd(bytes)
            var i = 0, negative = false, base: Int64 = forceHex ? 16 : 10
            if i < end, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            if end - i > 2, bytes[i] == UInt8(ascii: "0"), bytes[i + 1] | 0x20 == UInt8(ascii: "x") { base = 16; i += 2 }
            guard i < end, end - i <= 16 else { return .some(nil) }
            var value: Int64 = 0
            while i < end {
                guard let d = hexDigitValue(bytes[i]), Int64(d) < base else { return .some(nil) }
                value = value &* base &+ Int64(d)
                i += 1
            }
            return .some(negative ? -value : value)
        }
    }

    /// Where a sysfs value ends once its trailing newline, spaces and NULs are dropped.
    private static func trimmedEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0a || bytes[end - 1] == 0x20 || bytes[end - 1] == 0 { end -= 1 }
        return end
    }

    /// The target text of a symlink directly in this directory (not followed).
    public func readLink(_ name: String) throws(SysfsError) -> String {
        try withLinkTarget(name) { String(decoding: $0, as: UTF8.self) }
    }

    /// The target of a symlink directly in this directory, handed to `body` as bytes in
    /// scratch space (for a caller that keeps only its last component, or a number).
    public func withLinkTarget<T>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) throws(SysfsError) -> T {
        if listedType(name) == 0 { throw .missing(child(name)) }
        let result = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buf -> T? in
            let n = buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: 4096) { readlinkat(fd, name, $0, 4096) }
            return n >= 0 ? body(UnsafeBufferPointer(rebasing: buf[..<n])) : nil
        }
        guard let result else {
            if errno == ENOENT { throw .missing(child(name)) }
            throw .system(.current("readlink \(child(name))"))
        }
        return result
    }

    /// True when this directory was opened with a listing that names `name` and found it
    /// absent: the caller can skip it without a system call (or an error to build).
    public func isListedAbsent(_ name: String) -> Bool { listedType(name) == 0 }

    /// Names of the entries of a subdirectory ("" for this one), without `.` and `..`.
    public func list(_ relative: String = ".", limit: Int = 1 << 20) throws(SysfsError) -> [String] {
        let fd = try openBeneath(relative, flags: O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        var names: [String] = []
        var tooMany = false
        // A directory of thousands (bus/pci/devices, the IOMMU groups) in a few calls.
        try DirectoryEntries.read(fd, path: child(relative), bufferSize: 1 << 16, maxBytes: .max,
                                  shortReplyEnds: shortListingIsComplete) { name, _ in
            names.append(String(decoding: name, as: UTF8.self))
            tooMany = names.count > limit
            return !tooMany
        }
        if tooMany { throw .tooLarge(child(relative), limit: limit) }
        return names
    }

    /// Whether `relative` may be opened as a regular file: false when it does not exist,
    /// thrown when it is something else.
    private func isRegularFile(_ relative: String) throws(SysfsError) -> Bool {
        guard verifyFileType else { return true }
        switch listedType(relative) {
        case nil: break  // not listed: stat below
        case 0: return false
        case UInt8(DT_REG): return true
        case UInt8(DT_LNK), UInt8(DT_UNKNOWN): break  // the target's type needs a stat
        case let t?: throw .notRegularFile(child(relative), kind: fileKind(mode_t(t) << 12))
        }
        // Look before opening: opening a FIFO or a device node planted in a capture could
        // block or have side effects. stat does neither; the open still refuses escapes.
        var st = stat()
        if fstatat(fd, relative, &st, 0) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return false }
            // An escaping symlink may not stat (its target lies outside): the open decides.
        } else if st.st_mode & S_IFMT != S_IFREG {
            throw .notRegularFile(child(relative), kind: fileKind(st.st_mode & S_IFMT))
        }
        return true
    }

    private func openBeneath(_ relative: String, flags: CInt) throws(SysfsError) -> CInt {
        try Self.openBeneath(relative, in: fd, path: child(relative), flags: flags)
    }

    /// openat2 RESOLVE_BENEATH `dir`; `path` (root-relative) is built by the caller, and used
    /// only in the error.
    private static func openBeneath(_ relative: String, in dir: CInt, path: @autoclosure () -> String,
                                    flags: CInt) throws(SysfsError) -> CInt {
        let fd = csluice_open_beneath(dir, relative, flags)
        guard fd < 0 else { return fd }
        throw openError(path: path())
    }

    /// What a failed openat2 RESOLVE_BENEATH means, from errno.
    private static func openError(path: String) -> SysfsError {
        switch errno {
        case ENOENT, ENOTDIR: .missing(path)
        case EXDEV: .escapesRoot(path)
        default: .system(.current("open \(path)"))
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
        let captured = path != "/"
        return SysfsDirectory(fd: fd, path: path, verifyFileType: captured,
                              shortListingIsComplete: captured && ListingFilesystems.fillsWholeBuffer(fd))
    }
}

/// Filesystems whose readdir fills the caller's buffer until the directory ends (each loops
/// over its entries until `dir_emit` reports the buffer full): on these, a getdents64 reply
/// that left room for one more entry of the longest name held the rest of the directory, and
/// the second call that would return 0 can be skipped. Elsewhere (FUSE answers a page at a
/// time; NFS and 9p by server reply) the listing reads until getdents64 returns 0.
enum ListingFilesystems {
    /// A linux_dirent64 for a 255-byte name: 19 bytes of header, the name, its NUL, 8-aligned.
    static let largestEntry = (19 + 255 + 1 + 7) & ~7

    static let magics: Set<Int> = [
        0xEF53,         // ext2/3/4
        0x5846_5342,    // xfs
        0x9123_683E,    // btrfs
        0x0102_1994,    // tmpfs
        0x794C_7630,    // overlayfs
    ]

    static func fillsWholeBuffer(_ fd: CInt) -> Bool {
        magics.contains(csluice_filesystem_type(fd))
    }
}
