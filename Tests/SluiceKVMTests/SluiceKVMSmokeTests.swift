import Testing
@testable import SluiceKVM

@Suite struct SluiceKVMSmoke {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
