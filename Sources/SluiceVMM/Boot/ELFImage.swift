/// A 64-bit little-endian x86-64 ELF executable's loadable segments, parsed from untrusted bytes.
/// Every field is checked before use; a malformed file is an error, never a crash.
public struct ELFImage: Equatable, Sendable {
    public struct Segment: Equatable, Sendable {
        /// Where the segment goes in guest-physical memory (p_paddr: the guest runs identity-mapped).
        public let guestAddress: UInt64
        public let fileOffset: Int
        public let fileSize: Int
        public let memorySize: UInt64
    }

    public let entry: UInt64
    public let segments: [Segment]

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notELF, not64BitLittleEndian, notX86_64(UInt16), notExecutable(UInt16)
        case truncated(String), badSegment(Int, String), noLoadableSegment

        public var description: String {
            switch self {
            case .notELF: return "not an ELF file (bad magic)"
            case .not64BitLittleEndian: return "only 64-bit little-endian ELF is supported"
            case .notX86_64(let m): return "ELF machine \(m) is not x86-64 (62)"
            case .notExecutable(let t): return "ELF type \(t) is not an executable (2)"
            case .truncated(let what): return "ELF truncated: \(what)"
            case .badSegment(let i, let why): return "ELF program header \(i): \(why)"
            case .noLoadableSegment: return "ELF has no PT_LOAD segment"
            }
        }
    }

    public init(_ bytes: [UInt8]) throws(ParseError) {
        func u16(_ o: Int) -> UInt16? { o >= 0 && o + 2 <= bytes.count ? UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8 : nil }
        func u32(_ o: Int) -> UInt32? {
            guard let lo = u16(o), let hi = u16(o + 2) else { return nil }
            return UInt32(lo) | UInt32(hi) << 16
        }
        func u64(_ o: Int) -> UInt64? {
            guard let lo = u32(o), let hi = u32(o + 4) else { return nil }
            return UInt64(lo) | UInt64(hi) << 32
        }
        guard bytes.count >= 4, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] else { throw .notELF }
        guard bytes.count >= 64 else { throw .truncated("ELF header") }
        guard bytes[4] == 2, bytes[5] == 1 else { throw .not64BitLittleEndian }
        let type = u16(16)!, machine = u16(18)!
        guard machine == 62 else { throw .notX86_64(machine) }
        guard type == 2 else { throw .notExecutable(type) }
        entry = u64(24)!
        let phoff = u64(32)!, phentsize = Int(u16(54)!), phnum = Int(u16(56)!)
        guard phentsize >= 56, phoff <= UInt64(bytes.count),
              UInt64(phnum) * UInt64(phentsize) <= UInt64(bytes.count) - phoff else {
            throw .truncated("program headers")
        }
        var segments: [Segment] = []
        for i in 0..<phnum {
            let h = Int(phoff) + i * phentsize
            guard u32(h) == 1 else { continue }  // PT_LOAD only
            let offset = u64(h + 8)!, paddr = u64(h + 24)!, filesz = u64(h + 32)!, memsz = u64(h + 40)!
            guard filesz <= memsz else { throw .badSegment(i, "file size exceeds memory size") }
            guard offset <= UInt64(bytes.count), filesz <= UInt64(bytes.count) - offset else {
                throw .badSegment(i, "file range beyond the end of the file")
            }
            guard paddr <= UInt64.max - memsz else { throw .badSegment(i, "address range overflows") }
            segments.append(Segment(guestAddress: paddr, fileOffset: Int(offset), fileSize: Int(filesz), memorySize: memsz))
        }
        guard !segments.isEmpty else { throw .noLoadableSegment }
        self.segments = segments
    }
}
