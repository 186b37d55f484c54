import Testing
@testable import SluiceACPI

@Suite struct SluiceACPISmoke {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
