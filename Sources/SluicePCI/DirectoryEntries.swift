import CSluice
import Glibc

/// A directory's entries through raw getdents64 on a descriptor the caller holds: the one loop
/// under every listing a scan makes (a device's attributes, bus/pci/devices, the IOMMU groups),
/// with no opendir, no dup and no String per entry unless the caller makes one.
enum DirectoryEntries {
    /// Hands `body` each entry's name (its bytes, no NUL) and d_type, `.` and `..` left out,
    /// until the directory ends or `body` returns false. Entries past `maxBytes` are refused.
    /// `shortReplyEnds`: the filesystem fills a reply until the directory ends, so a reply
    /// that left room for the longest entry was the last (`ListingFilesystems`).
    static func read(_ fd: CInt, path: @autoclosure () -> String, bufferSize: Int, maxBytes: Int = 1 << 20, shortReplyEnds: Bool,
                     _ body: (UnsafeBufferPointer<UInt8>, UInt8) -> Bool) throws(SysfsError) {
        var failure: SysfsError?
        withUnsafeTemporaryAllocation(byteCount: bufferSize, alignment: 8) { buf in
            var total = 0
            while true {
                let n = csluice_getdents64(fd, buf.baseAddress!, buf.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .system(.current("getdents \(path())")); return
                }
                if n == 0 { return }
                total += n
                if total > maxBytes { failure = .tooLarge(path(), limit: maxBytes); return }
                var off = 0
                while off + 19 < n {
                    // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
                    let rec = buf.baseAddress! + off
                    let reclen = Int(rec.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                    guard reclen >= 20, off + reclen <= n else { break }
                    off += reclen
                    let count = strnlen((rec + 19).assumingMemoryBound(to: CChar.self), reclen - 19)
                    let name = UnsafeBufferPointer(start: (rec + 19).assumingMemoryBound(to: UInt8.self), count: count)
                    let dot = UInt8(ascii: ".")
                    if count == 0 || (name[0] == dot && (count == 1 || (count == 2 && name[1] == dot))) { continue }
                    if !body(name, rec.load(fromByteOffset: 18, as: UInt8.self)) { return }
                }
                if shortReplyEnds, buf.count - n >= ListingFilesystems.largestEntry { return }
            }
        }
        if let failure { throw failure }
    }
}
