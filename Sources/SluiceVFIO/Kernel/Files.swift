import SluiceSystem
import SystemPackage

/// Reads a (small, procfs or sysfs) file whole.
func readWholeFile(_ path: String, limit: Int = 1 << 20) throws -> String {
    let fd = try OwnedFD(path: path, mode: .readOnly)
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while out.count < limit {
        let n = try chunk.withUnsafeMutableBytes { try fd.descriptor.read(into: $0) }
        if n == 0 { break }
        out += chunk[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}
