import SluiceSystem
import SystemPackage

extension VFIODevice {
    /// Reads `count` bytes at `offset` of a region through the device fd (pread).
    public func read(region: RegionInfo, offset: UInt64, count: Int) throws(VFIOError) -> [UInt8] {
        guard count >= 0, offset <= region.size, UInt64(count) <= region.size - offset else {
            throw .invalidArgument("read of \(count) bytes at 0x\(String(offset, radix: 16)) beyond region \(region.index) (\(region.size) bytes)")
        }
        var buf = [UInt8](repeating: 0, count: count)
        let n: Int
        do {
            n = try buf.withUnsafeMutableBytes {
                try fd.descriptor.read(fromAbsoluteOffset: Int64(region.offset + offset), into: $0)
            }
        } catch {
            throw .system(SystemError(error, "pread \(name) region \(region.index) offset 0x\(String(offset, radix: 16))"))
        }
        return Array(buf[0..<n])
    }

    public func write(region: RegionInfo, offset: UInt64, bytes: [UInt8]) throws(VFIOError) {
        guard offset <= region.size, UInt64(bytes.count) <= region.size - offset else {
            throw .invalidArgument("write of \(bytes.count) bytes at 0x\(String(offset, radix: 16)) beyond region \(region.index)")
        }
        do {
            let n = try bytes.withUnsafeBytes {
                try fd.descriptor.write(toAbsoluteOffset: Int64(region.offset + offset), $0)
            }
            if n != bytes.count { throw SystemError(.ioError, "short write") }
        } catch {
            throw .system(SystemError(error, "pwrite \(name) region \(region.index) offset 0x\(String(offset, radix: 16))"))
        }
    }

    /// Configuration space accessors (region 7). Little-endian, as PCI is.
    public func configRead<T: FixedWidthInteger>(_: T.Type = T.self, at offset: UInt64) throws(VFIOError) -> T {
        let bytes = try read(region: region(VFIOPCI.configRegion), offset: offset, count: MemoryLayout<T>.size)
        guard bytes.count == MemoryLayout<T>.size else { throw .malformed("short config read at 0x\(String(offset, radix: 16))") }
        return bytes.reversed().reduce(T(0)) { $0 << 8 | T($1) }
    }

    public func configWrite<T: FixedWidthInteger>(_ value: T, at offset: UInt64) throws(VFIOError) {
        let bytes = (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        try write(region: region(VFIOPCI.configRegion), offset: offset, bytes: bytes)
    }

    /// The expansion ROM, whole (region 6). vfio-pci enables the ROM BAR only for the read.
    public func readROM() throws(VFIOError) -> [UInt8] {
        let rom = try region(VFIOPCI.romRegion)
        guard rom.size > 0 else { return [] }
        return try read(region: rom, offset: 0, count: Int(min(rom.size, 16 << 20)))
    }

    /// Mmaps the mmappable parts of a region (honouring sparse areas) and returns an accessor that
    /// uses the mapping where there is one and falls back to pread/pwrite elsewhere.
    public func mapRegion(_ index: UInt32) throws(VFIOError) -> MappedRegion {
        let info = try region(index)
        var areas: [MappedRegion.Area] = []
        for a in info.mmappableAreas {
            let m = try VFIOError.wrap { () throws(SystemError) in
                try MemoryMapping(file: fd.descriptor, offset: Int64(info.offset + a.offset), size: Int(a.size),
                                  writable: info.flags.contains(.write), what: "\(name) region \(index) +0x\(String(a.offset, radix: 16))")
            }
            areas.append(.init(offset: a.offset, mapping: m))
        }
        return MappedRegion(device: self, info: info, areas: areas)
    }
}
