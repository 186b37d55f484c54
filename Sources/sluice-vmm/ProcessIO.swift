#if canImport(Glibc)
import Glibc
#endif
import SluiceSystem
import SluiceVFIO

/// A payload, kernel or initramfs, whole (at most 2 GiB).
func readPayload(_ path: String) throws(SystemError) -> [UInt8] { try Files.read(path, limit: 1 << 31) }

func printError(_ s: String) { Files.writeAll(2, s) }

/// A "Name:  N kB" field of /proc/self/status (VmRSS, RssAnon), in bytes.
func statusBytes(_ name: String) -> Int {
    guard let status = try? Files.readText("/proc/self/status") else { return 0 }
    return ProcStatus.kilobyteField(name, in: status).map(Int.init) ?? 0
}
