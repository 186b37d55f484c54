import Testing
@testable import SluiceAudit

@Suite struct SluiceAuditSmoke {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
