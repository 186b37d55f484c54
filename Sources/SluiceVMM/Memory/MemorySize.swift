/// Guest RAM sizes as users write them.
public enum MemorySize {
    /// "64M", "1G", "4096K" or a byte count; must be a positive page multiple.
    public static func parse(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 10, "M": 20, "G": 30]
        var digits = Substring(text)
        var shift = 0
        if let last = digits.last?.uppercased().first, let s = units[last] { shift = s; digits = digits.dropLast() }
        guard let n = Int(digits), n > 0, n <= (1 << 46) >> shift else { return nil }
        let bytes = n << shift
        return bytes % 4096 == 0 ? bytes : nil
    }
}
