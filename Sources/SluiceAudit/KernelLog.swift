#if canImport(Glibc)
import Glibc
#endif

/// The IOMMU lines of the live kernel log, read from /dev/kmsg without blocking (root only;
/// nil when unreadable). A captured tree carries them in `dmesg-iommu.txt` instead.
enum KernelLog {
    static let keywords = ["DMAR", "IOMMU", "iommu", "AMD-Vi", "remapping", "x2apic", "vfio"]

    static func iommuLines(limitBytes: Int = 4 << 20) -> String? {
        let fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var lines: [String] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        var total = 0
        while total < limitBytes {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EPIPE { continue }      // a record was overwritten while we read: go on
                break                               // EAGAIN: the end of the buffer
            }
            if n == 0 { break }
            total += n
            // "prio,seq,usec,flags;message"
            let record = String(decoding: buffer[0..<n], as: UTF8.self)
            guard let semicolon = record.firstIndex(of: ";") else { continue }
            let message = record[record.index(after: semicolon)...].prefix { $0 != "\n" }
            if keywords.contains(where: { message.contains($0) }) { lines.append(String(message)) }
        }
        return lines.joined(separator: "\n")
    }
}
