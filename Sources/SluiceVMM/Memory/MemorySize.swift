import SluiceSystem

/// Guest RAM sizes as users write them.
public enum MemorySize {
    /// "64M", "1G", "4096K" or a byte count; must be a positive page multiple of at most 64 TiB.
    public static func parse(_ text: String) -> Int? {
        guard let bytes = BinarySize.parse(text), bytes > 0, bytes <= 1 << 46, bytes % 4096 == 0 else { return nil }
        return Int(bytes)
    }
}
