import Foundation

/// One line of `iasl -d` output for a data table:
/// `[HexOffset DecimalOffset ByteLength]  FieldName : FieldValue`.
struct IaslField: Hashable, CustomStringConvertible {
    let offset: Int
    let length: Int
    let name: String
    /// The value as iasl spells it, without the trailing `[description]` or `/* comment */`.
    let value: String

    var key: String { "\(offset)/\(name)" }
    var description: String { "[\(String(offset, radix: 16, uppercase: true))h \(length)] \(name) : \(value)" }
}

/// Runs the real `iasl -d` (acpica-tools) and reads the fields it decoded.
enum Iasl {
    static let path: String? = ["/usr/bin/iasl", "/usr/local/bin/iasl", "/bin/iasl"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Disassembles `bytes` in a fresh temporary directory (iasl writes FILE.dsl next to its input).
    static func disassemble(_ bytes: [UInt8], name: String) throws -> (fields: [IaslField], text: String) {
        guard let iasl = path else { throw Failure(description: "iasl not installed") }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-iasl-\(getpid())-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("table.dat")
        try Data(bytes).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: iasl)
        process.arguments = ["-d", "table.dat"]
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let output = dir.appendingPathComponent("table.dsl")
        guard let text = try? String(contentsOf: output, encoding: .isoLatin1) else {
            throw Failure(description: "iasl -d exited \(process.terminationStatus) without writing table.dsl")
        }
        return (parse(text), text)
    }

    /// Reads the field lines; stops at the raw hex dump iasl appends.
    static func parse(_ dsl: String) -> [IaslField] {
        var fields: [IaslField] = []
        for line in dsl.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Raw Table Data") { break }
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { continue }
            let position = line[line.index(after: line.startIndex)..<close].split(separator: " ")
            guard position.count == 3, let offset = Int(position[1]), let length = Int(position[2]) else { continue }
            let rest = line[line.index(after: close)...]
            guard let colon = rest.range(of: " : ") else { continue }
            let name = rest[..<colon.lowerBound].trimmingCharacters(in: .whitespaces)
            fields.append(IaslField(offset: offset, length: length, name: name,
                                    value: value(String(rest[colon.upperBound...]))))
        }
        return fields
    }

    private static func value(_ raw: String) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("\"") {
            // A quoted string ends at its closing quote; a description in brackets may follow.
            let body = text.dropFirst()
            if let end = body.firstIndex(of: "\"") { return "\"" + body[..<end] + "\"" }
            return text
        }
        var end = text.endIndex
        for marker in [" [", " /*"] {
            if let r = text.range(of: marker), r.lowerBound < end { end = r.lowerBound }
        }
        return text[..<end].trimmingCharacters(in: .whitespaces)
    }
}
