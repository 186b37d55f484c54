import Foundation

/// The assembled payloads (Tests/Payloads/build.sh writes them).
enum Fixtures {
    static let guests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/guests").standardized

    static func guest(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: guests.appendingPathComponent(name)))
    }
}

/// Deterministic pseudo-random bytes for the malformed-input tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
