import Testing
@testable import SluiceVTd

@Suite struct SluiceVTdSmoke {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
