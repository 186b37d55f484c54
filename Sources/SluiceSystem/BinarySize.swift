/// Sizes as users write them on command lines: a byte count, or a number with a binary unit
/// K, M, G or T (case-insensitive): "16G", "512m", "4096".
public enum BinarySize {
    /// The size in bytes; nil for anything else (fractions, other suffixes, overflow).
    public static func parse(_ text: String) -> UInt64? {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text)
        var scale: UInt64 = 1
        if let last = digits.last, let unit = units[Character(last.uppercased())] {
            scale = unit
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = UInt64(digits) else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }
}
