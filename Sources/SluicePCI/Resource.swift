/// One line of sysfs `resource`: what the kernel assigned to a BAR, the ROM or a bridge window.
public struct PCIResource: Sendable, Equatable {
    public enum Kind: String, Sendable { case io, memory }

    /// Line number: 0-5 BARs, 6 expansion ROM, 7-12 SR-IOV VF BARs (endpoints) or bridge windows.
    public let index: Int
    public let start: UInt64
    public let size: UInt64
    public let kind: Kind
    public let is64Bit: Bool
    public let prefetchable: Bool
    public let flags: UInt64

    // include/linux/ioport.h
    static let ioFlag: UInt64 = 0x100, memFlag: UInt64 = 0x200, prefetchFlag: UInt64 = 0x2000, mem64Flag: UInt64 = 0x10_0000

    /// Parses the whole file; lines for unused slots (all zero) are left out. Malformed lines
    /// are reported, not trusted.
    public static func parse(_ text: String) -> (resources: [PCIResource], problems: [String]) {
        parse(Array(text.utf8))
    }

    /// Byte-level parse (this runs for every device of a scan).
    public static func parse(_ bytes: [UInt8]) -> (resources: [PCIResource], problems: [String]) {
        var out: [PCIResource] = [], problems: [String] = []
        var index = 0, lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0a { lineEnd += 1 }
            defer { lineStart = lineEnd + 1; index += 1 }
            if lineEnd == lineStart { continue }
            var fields: (UInt64, UInt64, UInt64) = (0, 0, 0)
            var count = 0
            var i = lineStart
            var ok = true
            while i < lineEnd, ok {
                guard count < 3, lineEnd - i > 2, bytes[i] == UInt8(ascii: "0"), bytes[i + 1] == UInt8(ascii: "x") else { ok = false; break }
                i += 2
                var v: UInt64 = 0, digits = 0
                while i < lineEnd, bytes[i] != 0x20 {
                    guard let d = hexDigitValue(bytes[i]), digits < 16 else { ok = false; break }
                    v = v << 4 | UInt64(d); digits += 1; i += 1
                }
                if digits == 0 { ok = false }
                switch count { case 0: fields.0 = v; case 1: fields.1 = v; default: fields.2 = v }
                count += 1
                if i < lineEnd { i += 1 }  // the separating space
            }
            guard ok, count == 3 else {
                let line = String(decoding: bytes[lineStart..<min(lineEnd, lineStart + 80)], as: UTF8.self)
                problems.append("resource line \(index) malformed: '\(line)'")
                continue
            }
            let (start, end, flags) = fields
            guard flags & (ioFlag | memFlag) != 0, end >= start, !(start == 0 && end == 0) else { continue }
            out.append(PCIResource(index: index, start: start, size: end &- start &+ 1,
                                   kind: flags & ioFlag != 0 ? .io : .memory,
                                   is64Bit: flags & mem64Flag != 0, prefetchable: flags & prefetchFlag != 0, flags: flags))
        }
        return (out, problems)
    }
}

