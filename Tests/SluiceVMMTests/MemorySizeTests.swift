import Testing
import SluiceVMM

struct MemorySizeTests {
    @Test func unitsAndPageMultiples() {
        #expect(MemorySize.parse("64M") == 64 << 20)
        #expect(MemorySize.parse("1g") == 1 << 30)
        #expect(MemorySize.parse("4096K") == 4096 << 10)
        #expect(MemorySize.parse("8192") == 8192)
    }

    @Test func refusesWhatIsNotAPositivePageMultiple() {
        for text in ["", "M", "0", "-4096", "4095", "1.5G", "64MB", "99999999999999G", "0x1000", "64\u{FF2D}", "\u{666}\u{664}M", "64M\u{301}"] {
            #expect(MemorySize.parse(text) == nil, "\(text)")
        }
    }
}
