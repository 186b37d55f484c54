import Testing
@testable import SluiceVFIO

@Suite struct SluiceVFIOSmoke {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
