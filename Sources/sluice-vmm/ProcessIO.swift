#if canImport(Glibc)
import Glibc
#endif

struct FileError: Error, CustomStringConvertible { let description: String }

/// A whole file (payloads, kernels, initramfs; at most 2 GiB).
func readFile(_ path: String) throws(FileError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw FileError(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        if n == 0 { return bytes }
        bytes += chunk[0..<n]
        if bytes.count > 1 << 31 { throw FileError(description: "\(path) is larger than 2 GiB") }
    }
}

func printError(_ s: String) {
    var s = s
    s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// A "Name:  N kB" field of /proc/self/status (VmRSS, RssAnon), in bytes.
func statusBytes(_ name: String) -> Int {
    guard let status = try? readFile("/proc/self/status") else { return 0 }
    for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + ":") {
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
    return 0
}
