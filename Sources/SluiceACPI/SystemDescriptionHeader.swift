/// The 36-byte header every ACPI system description table starts with.
public struct SystemDescriptionHeader: Sendable, Hashable, Encodable {
    public static let size = 36

    public let signature: String
    /// The table's own length field (may disagree with the bytes present).
    public let length: UInt32
    public let revision: UInt8
    public let checksum: UInt8
    public let oemID: String
    public let oemTableID: String
    public let oemRevision: UInt32
    public let creatorID: String
    public let creatorRevision: UInt32

    init?(_ reader: ByteReader) {
        guard let signature = reader.ascii(0, count: 4),
              let length = reader.u32(4),
              let revision = reader.u8(8),
              let checksum = reader.u8(9),
              let oemID = reader.ascii(10, count: 6),
              let oemTableID = reader.ascii(16, count: 8),
              let oemRevision = reader.u32(24),
              let creatorID = reader.ascii(28, count: 4),
              let creatorRevision = reader.u32(32)
        else { return nil }
        self.signature = signature
        self.length = length
        self.revision = revision
        self.checksum = checksum
        self.oemID = oemID
        self.oemTableID = oemTableID
        self.oemRevision = oemRevision
        self.creatorID = creatorID
        self.creatorRevision = creatorRevision
    }
}

/// What DMAR and IVRS parsing share: signature check, the length field
/// against the bytes present, and the checksum.
struct TableFrame {
    let header: SystemDescriptionHeader
    /// Reader limited to the bytes that belong to the table.
    let reader: ByteReader
    var diagnostics: [ACPIDiagnostic] = []
    var checksumIsValid = false

    /// `fixedSize` is the header plus the table-specific fields before its subtables.
    init(_ bytes: [UInt8], signature: String, fixedSize: Int) throws(ACPITableError) {
        let whole = ByteReader(bytes)
        if let found = whole.ascii(0, count: 4), found != signature, bytes.count >= 4 {
            throw .wrongSignature(expected: signature, found: found)
        }
        guard bytes.count >= fixedSize, let header = SystemDescriptionHeader(whole) else {
            throw .tooShort(signature: signature, needed: fixedSize, available: bytes.count)
        }
        self.header = header
        let claimed = Int(header.length)
        var end = bytes.count
        if claimed > bytes.count {
            diagnostics.append(ACPIDiagnostic(.error, at: 4,
                "table length field says \(claimed) bytes, only \(bytes.count) present: decoding what is there"))
        } else if claimed < fixedSize {
            diagnostics.append(ACPIDiagnostic(.error, at: 4,
                "table length field says \(claimed) bytes, less than the \(fixedSize)-byte fixed part: ignoring it"))
        } else {
            if claimed < bytes.count {
                diagnostics.append(ACPIDiagnostic(.warning, at: claimed,
                    "\(bytes.count - claimed) bytes after the table's length (\(claimed)) ignored"))
            }
            end = claimed
        }
        self.reader = whole.limited(to: end)
        // The checksum covers exactly `length` bytes; it only means something when they are all here.
        if claimed <= bytes.count, claimed >= fixedSize {
            let sum = bytes[0..<claimed].reduce(UInt8(0), &+)
            checksumIsValid = sum == 0
            if sum != 0 {
                let expected = header.checksum &- sum
                diagnostics.append(ACPIDiagnostic(.warning, at: 9,
                    "checksum 0x\(ACPIText.hex(header.checksum, width: 2)) is wrong, should be 0x\(ACPIText.hex(expected, width: 2)): decoding anyway"))
            }
        }
    }
}
