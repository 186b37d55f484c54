/// The human report: platform checks first, then one block per device, worst first. Colour only
/// when asked (the CLI asks when stdout is a terminal).
public struct AuditText {
    public var colour: Bool
    public var verbose: Bool
    public init(colour: Bool, verbose: Bool = false) { self.colour = colour; self.verbose = verbose }

    private func paint(_ s: String, _ code: String) -> String { colour ? "\u{1b}[\(code)m\(s)\u{1b}[0m" : s }

    func badge(_ s: PlatformCheck.Status) -> String {
        switch s {
        case .pass: paint("PASS", "32")
        case .info: paint("INFO", "36")
        case .warn: paint("WARN", "33")
        case .fail: paint("FAIL", "31;1")
        }
    }

    func badge(_ v: DeviceVerdict.Verdict) -> String {
        switch v {
        case .assignable: paint("assignable", "32")
        case .assignableWithGroup: paint("assignable-with-group", "32")
        case .unsafe: paint("unsafe", "33;1")
        case .blocked: paint("blocked", "31;1")
        }
    }

    public func render(_ r: AuditReport, onlyDevices: Set<String>? = nil) -> String {
        var out: [String] = []
        out.append(paint("Platform", "1") + (r.root == "/" ? "" : "  (captured tree \(r.root))"))
        for c in r.checks.sorted(by: { $0.status > $1.status }) {
            out.append("  \(badge(c.status))  \(c.summary)")
            if let e = c.evidence, verbose || c.status >= .warn { out.append("        evidence: \(e)") }
            if let fix = c.remedy, c.status >= .warn { out.append("        remedy: \(fix)") }
        }
        if verbose {
            for u in r.units {
                out.append("  unit \(u.name) (\(u.kind)\(u.registerBase.map { " at \($0)" } ?? "")): \(u.features.joined(separator: ", "))")
            }
        }
        let groupByID = Dictionary(r.groups.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        out.append("")
        out.append(paint("Devices", "1") + "  (group rules of Linux \(r.kernelRulesVersion))")
        let order: [DeviceVerdict.Verdict] = [.blocked, .unsafe, .assignableWithGroup, .assignable]
        let shown = r.devices.filter { onlyDevices == nil || onlyDevices!.contains($0.address) }
        for v in order {
            for d in shown where d.verdict == v {
                let group = d.group.map { "group \($0)" } ?? "no group"
                out.append("  \(d.address)  \(badge(d.verdict))  \(d.description)  [\(d.driver ?? "no driver"), \(group)]")
                for why in d.reasons { out.append("      - \(why)") }
                if let fix = d.remedy { out.append("      remedy: \(fix)") }
                if verbose {
                    if let g = d.group.flatMap({ groupByID[$0] }), !g.why.isEmpty {
                        for w in g.why { out.append("      group: \(w)") }
                    }
                    let reset = d.reset.methods.isEmpty ? "none reported" : d.reset.methods.joined(separator: ", ")
                    out.append("      reset: \(reset)\(d.reset.functionLevelReset ? "; FLR" : "")\(d.reset.pmResetWithoutSoftReset ? "; PM reset" : "")"
                               + (d.reset.busResetAlsoResets.isEmpty ? "" : "; a bus reset also hits \(d.reset.busResetAlsoResets.joined(separator: ", "))"))
                }
            }
        }
        let counts = order.map { v in (v, r.devices.filter { $0.verdict == v }.count) }.filter { $0.1 > 0 }
        out.append("")
        out.append("Summary: " + counts.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
                   + "; \(r.groups.count) IOMMU groups" + (r.groups.contains { $0.predictionMatches == false } ? " (some differ from the prediction)" : ""))
        for p in r.problems { out.append(paint("note: ", "33") + p) }
        return out.joined(separator: "\n")
    }
}
