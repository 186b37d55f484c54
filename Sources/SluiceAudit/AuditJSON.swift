import SluiceSystem

/// `sluice audit --json`: the report in schema `sluice.audit/1` (docs/json-schema-audit.md),
/// written directly rather than through JSONEncoder, which cost a quarter of a 4,096-device
/// audit. The same document as `AuditReport`'s Codable form encoded with snake_case keys,
/// sorted keys and absent optionals left out (a test holds the two equal on every fixture).
public enum AuditJSON {
    /// Streams the pretty-printed document to `sink` in chunks.
    public static func write(_ r: AuditReport, to sink: (UnsafeRawBufferPointer) -> Void) {
        var w = JSONWriter(pretty: true)
        w.beginObject()
        w.key("checks"); w.beginArray()
        for c in r.checks { check(&w, c) }
        w.endArray()
        w.key("devices"); w.beginArray()
        elements(&w, r.devices, sink: sink, device)
        w.endArray()
        w.key("groups"); w.beginArray()
        elements(&w, r.groups, sink: sink, group)
        w.endArray()
        w.key("kernel_rules_version"); w.string(r.kernelRulesVersion)
        w.key("problems"); w.strings(r.problems)
        w.key("root"); w.string(r.root)
        w.key("schema"); w.string(r.schema)
        w.key("units"); w.beginArray()
        for u in r.units { unit(&w, u) }
        w.endArray()
        w.endObject()
        w.drain(into: sink)
    }

    /// The elements of a long array, written in pieces on the available CPUs (thousands of
    /// devices make megabytes of text) and emitted in order. A few pieces per CPU at a time,
    /// each written out and freed before the next batch: the next batch reuses that memory
    /// instead of faulting in megabytes of fresh pages.
    static func elements<T: Sendable>(_ w: inout JSONWriter, _ items: [T], sink: (UnsafeRawBufferPointer) -> Void,
                                      _ write: @escaping @Sendable (inout JSONWriter, T) -> Void) {
        // Small enough that a piece fits the writer's first buffer (no regrowth, no copies).
        let pieceSize = 48
        let pieces = (items.count + pieceSize - 1) / pieceSize
        let batch = 8 * Parallel.availableCPUs
        for first in stride(from: 0, to: pieces, by: batch) {
            let texts = Parallel.map(count: min(batch, pieces - first), serialBelow: 2) { k -> JSONWriter in
                let p = first + k
                var piece = JSONWriter(pretty: true, elementsAtDepth: 2, continuing: p > 0)
                items.withUnsafeBufferPointer { items in
                    for i in p * pieceSize..<min(items.count, (p + 1) * pieceSize) { write(&piece, items[i]) }
                }
                return piece
            }
            for text in texts { w.writeElements(text, into: sink) }
        }
    }

    public static func render(_ r: AuditReport) -> String {
        var text: [UInt8] = []
        write(r) { text.append(contentsOf: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    static func check(_ w: inout JSONWriter, _ c: PlatformCheck) {
        w.beginObject()
        if let e = c.evidence { w.key("evidence"); w.string(e) }
        w.key("id"); w.string(c.id)
        if let r = c.remedy { w.key("remedy"); w.string(r) }
        w.key("status"); w.string(c.status.rawValue)
        w.key("summary"); w.string(c.summary)
        w.endObject()
    }

    static func device(_ w: inout JSONWriter, _ d: DeviceVerdict) {
        w.beginObject()
        w.key("address"); w.string(d.address)
        w.key("description"); w.string(d.description)
        if let v = d.driver { w.key("driver"); w.string(v) }
        w.key("exposure"); w.strings(d.exposure)
        if let v = d.group { w.key("group"); w.int(v) }
        w.key("group_peers"); w.strings(d.groupPeers)
        w.key("host_critical"); w.strings(d.hostCritical)
        w.key("reasons"); w.strings(d.reasons)
        if let v = d.remedy { w.key("remedy"); w.string(v) }
        w.key("reset"); w.beginObject()
        w.key("bus_reset_also_resets"); w.strings(d.reset.busResetAlsoResets)
        w.key("function_level_reset"); w.bool(d.reset.functionLevelReset)
        w.key("methods"); w.strings(d.reset.methods)
        w.key("pm_reset_without_soft_reset"); w.bool(d.reset.pmResetWithoutSoftReset)
        w.endObject()
        w.key("verdict"); w.string(d.verdict.rawValue)
        w.endObject()
    }

    static func group(_ w: inout JSONWriter, _ g: GroupSummary) {
        w.beginObject()
        w.key("blocking_members"); w.strings(g.blockingMembers)
        w.key("id"); w.int(g.id)
        w.key("members"); w.strings(g.members)
        if let v = g.predictionMatches { w.key("prediction_matches"); w.bool(v) }
        w.key("reserved_regions"); w.strings(g.reservedRegions)
        if let v = g.type { w.key("type"); w.string(v) }
        w.key("viable"); w.bool(g.viable)
        w.key("why"); w.strings(g.why)
        w.endObject()
    }

    static func unit(_ w: inout JSONWriter, _ u: RemappingUnitSummary) {
        w.beginObject()
        if let v = u.capability { w.key("capability"); w.string(v) }
        if let v = u.extendedCapability { w.key("extended_capability"); w.string(v) }
        w.key("features"); w.strings(u.features)
        w.key("kind"); w.string(u.kind)
        w.key("name"); w.string(u.name)
        if let v = u.registerBase { w.key("register_base"); w.string(v) }
        if let v = u.version { w.key("version"); w.string(v) }
        w.endObject()
    }
}
