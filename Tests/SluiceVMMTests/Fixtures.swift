import SluiceTestSupport
import Foundation

/// The assembled payloads (Tests/Payloads/build.sh writes them).
enum Fixtures {
    static let guests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/guests").standardized

    static func guest(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: guests.appendingPathComponent(name)))
    }
}

typealias SplitMix = SluiceTestSupport.SplitMix64
