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
        var out: [PCIResource] = [], problems: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 3, let start = hex0x(parts[0]), let end = hex0x(parts[1]), let flags = hex0x(parts[2]) else {
                problems.append("resource line \(index) malformed: '\(line.prefix(80))'")
                continue
            }
            guard flags & (ioFlag | memFlag) != 0, end >= start, !(start == 0 && end == 0) else { continue }
            out.append(PCIResource(index: index, start: start, size: end &- start &+ 1,
                                   kind: flags & ioFlag != 0 ? .io : .memory,
                                   is64Bit: flags & mem64Flag != 0, prefetchable: flags & prefetchFlag != 0, flags: flags))
        }
        return (out, problems)
    }
}

private func hex0x(_ s: Substring) -> UInt64? {
    guard s.hasPrefix("0x") else { return nil }
    return parseHex(s.dropFirst(2), maxDigits: 16)
}
