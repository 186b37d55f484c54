/// Something wrong with a table that did not stop it from being decoded.
///
/// Firmware tables are untrusted input: instead of failing on the first
/// oddity, parsers decode what they safely can and record each problem here,
/// with the byte offset in the table where it was found.
public struct ACPIDiagnostic: Sendable, Hashable, Encodable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Encodable {
        /// Decoding continued and nothing was skipped (bad checksum, odd reserved bits).
        case warning
        /// Some bytes could not be decoded; they are kept raw where possible.
        case error
    }

    public let severity: Severity
    /// Offset in the table where the problem is.
    public let offset: Int
    public let message: String

    public init(_ severity: Severity, at offset: Int, _ message: String) {
        self.severity = severity
        self.offset = offset
        self.message = message
    }

    public var description: String {
        "\(severity) at 0x\(ACPIText.hex(offset, width: 3)): \(message)"
    }
}

/// A table that cannot be decoded at all.
public enum ACPITableError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fewer bytes than the fixed part of the table.
    case tooShort(signature: String, needed: Int, available: Int)
    /// The first four bytes are not the expected signature.
    case wrongSignature(expected: String, found: String)

    public var description: String {
        switch self {
        case let .tooShort(signature, needed, available):
            "\(signature) table too short: its fixed header needs \(needed) bytes, only \(available) present"
        case let .wrongSignature(expected, found):
            "not a \(expected) table: signature is \"\(found)\""
        }
    }
}
