#if canImport(Glibc)
import Glibc
#endif

/// Errors reading or parsing model inputs (register files, memory images).
public enum VTdInputError: Error, Equatable, CustomStringConvertible {
    case io(operation: String, errno: Int32)
    case format(String)
    public var description: String {
        switch self {
        case .io(let op, let e): "\(op): \(String(cString: strerror(e)))"
        case .format(let s): s
        }
    }
}

/// On-disk format of a sparse physical-memory image:
///
///     DIR/<hex physical address>[.bin]
///
/// Each regular file holds raw little-endian memory starting at the page-aligned physical address
/// its name gives in hexadecimal (an optional `0x` prefix and an optional `.bin` suffix are
/// accepted, e.g. `7f3a1000.bin`). Its size is a non-zero multiple of 4096 bytes; a file of N pages
/// covers N consecutive pages (what QEMU's `pmemsave ADDR N*4096 FILE` writes). Files whose names
/// are not hexadecimal (README, registers) are ignored; a malformed page file is an error.
public enum MemoryImageDirectory {
    public static func load(_ path: String, into memory: PhysicalMemory = PhysicalMemory(),
                            maxBytes: Int = 1 << 30) throws -> PhysicalMemory {
        guard let dir = opendir(path) else { throw VTdInputError.io(operation: "opendir \(path)", errno: errno) }
        defer { closedir(dir) }
        var total = 0
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let address = pageAddress(fromFileName: name) else { continue }
            let bytes = try readFile(path + "/" + name, limit: maxBytes - total)
            total += bytes.count
            guard !bytes.isEmpty, bytes.count % 4096 == 0 else {
                throw VTdInputError.format("\(path)/\(name): size \(bytes.count) is not a non-zero multiple of 4096")
            }
            guard address & 0xfff == 0 else {
                throw VTdInputError.format("\(path)/\(name): address \(hex(address)) is not page-aligned")
            }
            for i in 0..<(bytes.count / 4096) {
                memory.setPage(at: address + UInt64(i * 4096), bytes: bytes[(i * 4096)..<((i + 1) * 4096)])
            }
        }
        return memory
    }

    /// Writes every page as its own file `%016x.bin`.
    public static func save(_ memory: PhysicalMemory, to path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw VTdInputError.io(operation: "mkdir \(path)", errno: errno) }
        for address in memory.pageAddresses {
            let name = String(address, radix: 16)
            let padded = String(repeating: "0", count: max(0, 16 - name.count)) + name
            try writeFile(path + "/" + padded + ".bin", memory.pageBytes(at: address)!)
        }
    }

    static func pageAddress(fromFileName name: String) -> UInt64? {
        var s = Substring(name)
        if s.hasSuffix(".bin") { s = s.dropLast(4) }
        if s.hasPrefix("0x") { s = s.dropFirst(2) }
        guard !s.isEmpty, s.count <= 16 else { return nil }
        return UInt64(s, radix: 16)
    }
}

/// Reads a whole file (at most `limit` bytes, else a format error).
public func readFile(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw VTdInputError.io(operation: "open \(path)", errno: errno) }
    defer { close(fd) }
    var out = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw VTdInputError.io(operation: "read \(path)", errno: errno)
        }
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<n])
        if out.count > limit { throw VTdInputError.format("\(path): larger than \(limit) bytes") }
    }
    return out
}

public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw VTdInputError.io(operation: "open \(path)", errno: errno) }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            throw VTdInputError.io(operation: "write \(path)", errno: errno)
        }
        offset += n
    }
}

/// Names in a directory (without "." and ".."); an absent directory is an empty list.
public func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else {
        if errno == ENOENT { return [] }
        throw VTdInputError.io(operation: "opendir \(path)", errno: errno)
    }
    defer { closedir(dir) }
    var names = [String]()
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
