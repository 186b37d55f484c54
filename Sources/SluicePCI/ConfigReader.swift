import Glibc

/// Reads a live function's config space the way lspci does: only the parts that will be
/// decoded. On real hardware every dword of sysfs `config` is a config cycle (ECAM MMIO or
/// port I/O, a VM exit under virtualisation), so reading all 4 KiB of each PCIe function
/// costs far more than the header, the standard capabilities and each extended capability.
enum ConfigReader {
    /// Bytes fetched per extended capability: covers every decoder's registers (SR-IOV 0x40).
    static let extendedWindow = 0x40

    /// Reads header, standard capability area and the extended capability chain. Unfetched
    /// bytes between fetched windows read as zero and are never reached by a decoder (they
    /// follow the same chain). Returns what was read, cut at the last byte fetched.
    static func readSparse(_ fd: CInt) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 4096)
        var length = 0
        buf.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            func fetch(_ offset: Int, _ count: Int) -> Int {
                var done = 0
                while done < count {
                    let n = pread(fd, base + offset + done, count - done, off_t(offset + done))
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { break }
                    done += n
                }
                length = max(length, offset + done)
                return done
            }
            guard fetch(0, 64) == 64 else { return }
            let status = UInt16(raw[6]) | UInt16(raw[7]) << 8
            guard status & 0x10 != 0, fetch(64, 192) == 192 else { return }
            // Extended space only behind a PCI Express capability (as the decoder walks it).
            let head = ConfigSpace(Array(raw[0..<256]))
            guard let header = ConfigHeader(head),
                  CapabilityList(head, header: header).first(UInt8(StandardCapabilityID.pciExpress)) != nil else { return }
            var offset = 0x100
            var visited = Set<Int>()
            while offset >= 0x100, offset < 4096, visited.insert(offset).inserted {
                guard fetch(offset, min(extendedWindow, 4096 - offset)) >= 4 else { return }
                let h = UInt32(raw[offset]) | UInt32(raw[offset + 1]) << 8 | UInt32(raw[offset + 2]) << 16 | UInt32(raw[offset + 3]) << 24
                if h == 0 || h == 0xffff_ffff { return }
                offset = Int((h >> 20) & 0xffc)
            }
        }
        buf.removeSubrange(length...)
        return buf
    }
}
