/// lspci -nnk -vvv -D text, parsed in the test target only (Sources never parse lspci).
struct LspciDevice {
    struct Capability {
        var offset: Int
        var version: Int?
        var title: String
        /// Register lines: name ("DevCap", "Vector table", ...) and text, continuation lines joined with "\n".
        var registers: [(name: String, text: String)] = []
        var plainLines: [String] = []
    }

    var address = ""
    var classText = ""
    var namesText = ""
    var revision: String?
    var progIf: String?
    var subsystem: String?
    var driver: String?
    var capabilitiesDenied = false
    /// `Region N: ...` lines without the leading tab.
    var regions: [String] = []
    var capabilities: [Capability] = []

    /// Splits lspci output into devices keyed by their full address.
    static func parse(_ text: String) -> [String: LspciDevice] {
        var out: [String: LspciDevice] = [:]
        var current: LspciDevice?
        func flush() { if let c = current { out[c.address] = c }; current = nil }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if line.isEmpty { flush(); continue }
            if !line.hasPrefix("\t") {
                flush()
                current = parseHeader(line)
                continue
            }
            guard current != nil else { continue }
            if line.hasPrefix("\t\t\t") {
                // Continuation of the last register line.
                let more = line.drop { $0 == "\t" }
                if let ci = current!.capabilities.indices.last, let ri = current!.capabilities[ci].registers.indices.last {
                    current!.capabilities[ci].registers[ri].text += "\n" + more
                }
            } else if line.hasPrefix("\t\t") {
                let body = String(line.dropFirst(2))
                guard let ci = current!.capabilities.indices.last else { continue }
                if let colon = body.firstIndex(of: ":"), !body[..<colon].contains(" ") || body.hasPrefix("Vector table:")
                    || body.hasPrefix("Page size") {
                    let name = String(body[..<colon])
                    let text = body[body.index(after: colon)...].drop { $0 == "\t" || $0 == " " }
                    current!.capabilities[ci].registers.append((name, String(text)))
                } else {
                    current!.capabilities[ci].plainLines.append(body)
                }
            } else {
                let body = String(line.dropFirst())
                if body.hasPrefix("Subsystem: ") { current!.subsystem = String(body.dropFirst(11)) }
                else if body.hasPrefix("Kernel driver in use: ") { current!.driver = String(body.dropFirst(22)) }
                else if body.hasPrefix("Capabilities: ") { addCapability(&current!, String(body.dropFirst(14))) }
                else if body.hasPrefix("Region ") { current!.regions.append(body) }
            }
        }
        flush()
        return out
    }

    private static func addCapability(_ d: inout LspciDevice, _ text: String) {
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else {
            if text.hasPrefix("<access denied>") { d.capabilitiesDenied = true }
            return
        }
        let inside = text[text.index(after: text.startIndex)..<close].split(separator: " ")
        guard let offset = Int(inside[0], radix: 16) else { return }
        let version = inside.count > 1 ? Int(inside[1].dropFirst()) : nil
        let title = String(text[text.index(after: close)...].drop { $0 == " " })
        d.capabilities.append(Capability(offset: offset, version: version, title: title))
    }

    private static func parseHeader(_ line: String) -> LspciDevice {
        var d = LspciDevice()
        guard let space = line.firstIndex(of: " ") else { d.address = line; return d }
        d.address = String(line[..<space])
        var rest = Substring(line[line.index(after: space)...])
        if let m = rest.firstMatch(of: #/\[[0-9a-f]{4}\]: /#) {
            d.classText = String(rest[..<m.range.upperBound].dropLast(2))
            rest = rest[m.range.upperBound...]
        }
        if let m = rest.matches(of: /\[[0-9a-f]{4}:[0-9a-f]{4}\]/).last {
            d.namesText = String(rest[..<m.range.upperBound])
            rest = rest[m.range.upperBound...]
        }
        if let m = rest.firstMatch(of: /\(rev ([0-9a-f]{2})\)/) { d.revision = String(m.1) }
        if let r = rest.range(of: "(prog-if ") {
            var inner = rest[r.upperBound...]
            if inner.hasSuffix(")") { inner = inner.dropLast() }
            d.progIf = String(inner)
        }
        return d
    }
}

extension LspciDevice.Capability {
    func register(_ name: String) -> String? { registers.first { $0.name == name }?.text }

    /// The value lspci prints for `field` in `text`: `field+`/`field-` flags, `field=value`,
    /// or `field value` up to the next separator. nil when lspci does not print it there.
    static func value(of field: String, in text: String) -> String? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "," || $0 == ";" })
        for t in tokens {
            if t == field + "+" { return "+" }
            if t == field + "-" { return "-" }
        }
        for t in tokens where t.hasPrefix(field + "=") { return String(t.dropFirst(field.count + 1)) }
        for sep in [": ", " ", ""] where sep != "" || field.hasSuffix("#") {
            var searchFrom = text.startIndex
            while let r = text.range(of: field + sep, range: searchFrom..<text.endIndex) {
                let atBoundary = r.lowerBound == text.startIndex || " \t\n,;".contains(text[text.index(before: r.lowerBound)])
                if atBoundary {
                    let after = text[r.upperBound...]
                    let end = after.firstIndex { ",;\n".contains($0) } ?? after.endIndex
                    var v = after[..<end]
                    if let dbl = v.range(of: "  ") { v = v[..<dbl.lowerBound] }
                    return v.trimmingCharacters(in: .whitespaces)
                }
                searchFrom = r.upperBound
            }
        }
        return nil
    }
}
import Foundation
