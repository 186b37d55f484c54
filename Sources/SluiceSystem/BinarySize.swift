/// Sizes as users write them on command lines: a byte count, or a number with a binary unit
/// K, M, G or T (case-insensitive): "16G", "512m", "4096".
public enum BinarySize {
    /// The size in bytes; nil for anything else (fractions, other suffixes, overflow).
    public static func parse(_ text: String) -> UInt64? {
        // Over UTF-8 bytes, not Characters: an ASCII number needs no grapheme breaking, Unicode
        // case mapping or Character-keyed dictionary, code the VMM process would page in for it.
        let scale: UInt64? = switch text.utf8.last {
        case UInt8(ascii: "K"), UInt8(ascii: "k"): 1 << 10
        case UInt8(ascii: "M"), UInt8(ascii: "m"): 1 << 20
        case UInt8(ascii: "G"), UInt8(ascii: "g"): 1 << 30
        case UInt8(ascii: "T"), UInt8(ascii: "t"): 1 << 40
        default: nil
        }
        let digits = scale == nil ? text.utf8[...] : text.utf8.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0 < 0x80 }),
              let n = UInt64(String(decoding: digits, as: UTF8.self)) else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale ?? 1)
        return overflow ? nil : bytes
    }
}
