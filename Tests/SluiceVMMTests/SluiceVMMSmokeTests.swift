import Testing
@testable import SluiceVMM

@Suite struct SluiceVMMSmoke {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
