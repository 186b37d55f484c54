import SluiceTestSupport
import SluiceSystem
#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /var/tmp, removed by the caller with `removeTree`.
func makeTempDirectory() -> String {
    var template = Array("/var/tmp/sluice-lab-test.XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(p != nil, "mkdtemp failed")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func removeTree(_ path: String) {
    precondition(path.hasPrefix("/var/tmp/sluice-lab-test."))
    _ = try? Subprocess.run(["rm", "-rf", path])
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

func readFile(_ path: String) -> [UInt8]? {
    guard let out = try? Subprocess.run(["cat", path]), out.status == .exited(0) else { return nil }
    return out.stdout
}

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

/// The package root, from this file's path.
func packageRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3) // Tests/SluiceLabTests/<file>
    return parts.joined(separator: "/")
}

/// The shared generator, visible to every file of this target.
typealias SplitMix64 = SluiceTestSupport.SplitMix64
