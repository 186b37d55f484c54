import Testing
@testable import SluicePCI

@Suite struct SluicePCISmoke {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
