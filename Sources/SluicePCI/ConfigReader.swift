import Glibc

/// Reads a live function's config space the way lspci does: only the parts that will be
/// decoded. On real hardware every dword of sysfs `config` is a config cycle (ECAM MMIO or
/// port I/O, a VM exit under virtualisation), so reading all 4 KiB of each PCIe function
/// costs far more than the header and each capability's registers.
enum ConfigReader {
    /// Bytes each decoder reads from its capability's offset; other capabilities need only
    /// their 4-byte header (id, next pointer / version).
    static func standardWindow(_ id: UInt8) -> Int {
        switch UInt16(id) {
        case StandardCapabilityID.powerManagement: 8
        case StandardCapabilityID.msi: 24
        case StandardCapabilityID.pciExpress: 0x2c
        case StandardCapabilityID.msix: 12
        default: 4
        }
    }

    static func extendedWindow(_ id: UInt16) -> Int {
        switch id {
        case ExtendedCapabilityID.aer: 0x1c
        case ExtendedCapabilityID.deviceSerialNumber: 12
        case ExtendedCapabilityID.acs, ExtendedCapabilityID.ats, ExtendedCapabilityID.pasid: 8
        case ExtendedCapabilityID.sriov: 0x40
        case ExtendedCapabilityID.pri: 0x10
        case ExtendedCapabilityID.resizableBAR: 0x34
        default: 4
        }
    }

    /// Reads the header, then follows both capability lists with the decoder's rules, fetching
    /// each capability's window. Bytes never fetched read as zero and are never reached by a
    /// decoder (it walks the same chains). Returns the bytes up to the last one fetched.
    static func readSparse(_ fd: CInt) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 4096)
        var length = 0
        buf.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            func fetch(_ offset: Int, _ count: Int) -> Bool {
                let count = min(count, 4096 - offset)
                var done = 0
                while done < count {
                    let n = pread(fd, base + offset + done, count - done, off_t(offset + done))
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { break }
                    done += n
                }
                length = max(length, offset + done)
                return done == count
            }
            func u32(_ o: Int) -> UInt32 {
                UInt32(raw[o]) | UInt32(raw[o + 1]) << 8 | UInt32(raw[o + 2]) << 16 | UInt32(raw[o + 3]) << 24
            }
            guard fetch(0, 64) else { return }
            let status = UInt16(raw[6]) | UInt16(raw[7]) << 8
            guard status & 0x10 != 0 else { return }
            let headerType = raw[0x0e] & 0x7f
            var offset = Int(raw[headerType == 2 ? 0x14 : 0x34] & 0xfc)
            var visited = Set<Int>()
            var express = false
            while offset != 0, visited.insert(offset).inserted {
                guard fetch(offset, 4) else { return }
                let id = raw[offset]
                if id == 0xff { break }
                if UInt16(id) == StandardCapabilityID.pciExpress { express = true }
                let window = standardWindow(id)
                if window > 4 { _ = fetch(offset + 4, window - 4) }
                offset = Int(raw[offset + 1] & 0xfc)
            }
            // Extended space only behind a PCI Express capability (as the decoder walks it).
            guard express else { return }
            offset = 0x100
            visited.removeAll()
            while offset < 4096, visited.insert(offset).inserted {
                guard fetch(offset, 4) else { return }
                let h = u32(offset)
                if h == 0 || h == 0xffff_ffff { return }
                let window = extendedWindow(UInt16(h & 0xffff))
                if window > 4 { _ = fetch(offset + 4, window - 4) }
                offset = Int((h >> 20) & 0xffc)
                if offset == 0 { return }
            }
        }
        buf.removeSubrange(length...)
        return buf
    }
}
