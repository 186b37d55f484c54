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
        let needles = keywords.map { Array($0.utf8) }
        var total = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8192) { buffer in
            while total < limitBytes {
                let n = read(fd, buffer.baseAddress, buffer.count)
                if n < 0 {
                    if errno == EPIPE { continue }      // a record was overwritten while we read: go on
                    break                               // EAGAIN: the end of the buffer
                }
                if n == 0 { break }
                total += n
                // "prio,seq,usec,flags;message\n continuation lines": matched as bytes, and
                // only a matching message becomes a String.
                let record = UnsafeBufferPointer(rebasing: buffer[..<n])
                guard let semicolon = record.firstIndex(of: UInt8(ascii: ";")) else { continue }
                let rest = record[(semicolon + 1)...]
                let message = UnsafeBufferPointer(rebasing: rest.prefix { $0 != 0x0a })
                let hit = needles.contains { contains(message, $0) }
                if hit { lines.append(String(decoding: message, as: UTF8.self)) }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Whether `needle` occurs in `hay` (glibc's memmem is not visible to Swift).
    static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, hay.count >= needle.count else { return needle.isEmpty }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first {
                var j = 1
                while j < needle.count, hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
