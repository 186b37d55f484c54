/// `sluice list --json`, schema `sluice.list/1` (docs/json-schema-list.md). A small writer
/// instead of Foundation: no start-up cost, stable key order.
public enum ListJSON {
    public static let schema = "sluice.list/1"

    public static func render(_ result: PCIScanner.Result, devices: [PCIDevice], root: String, capabilities: Bool) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("schema"); w.string(schema)
        w.key("sysfs_root"); w.string(root)
        w.key("devices"); w.beginArray()
        for d in devices { device(&w, d, capabilities: capabilities) }
        w.endArray()
        w.key("problems"); w.strings(result.problems)
        w.endObject()
        return w.finish()
    }

    static func device(_ w: inout JSONWriter, _ d: PCIDevice, capabilities: Bool) {
        w.beginObject()
        w.key("address"); w.string(d.address.description)
        w.key("domain"); w.int(d.address.domain)
        w.key("bus"); w.int(d.address.bus)
        w.key("device"); w.int(d.address.device)
        w.key("function"); w.int(d.address.function)
        w.key("vendor_id"); w.int(d.vendorID)
        w.key("device_id"); w.int(d.deviceID)
        w.key("subsystem_vendor_id"); w.optionalInt(d.subsystemVendorID)
        w.key("subsystem_device_id"); w.optionalInt(d.subsystemDeviceID)
        w.key("class"); w.int(d.classCode)
        w.key("revision"); w.int(d.revision)
        w.key("vendor_name"); w.optionalString(d.vendorName)
        w.key("device_name"); w.optionalString(d.deviceName)
        w.key("subsystem_vendor_name"); w.optionalString(d.subsystemVendorName)
        w.key("subsystem_name"); w.optionalString(d.subsystemName)
        w.key("class_name"); w.optionalString(d.className)
        w.key("prog_if_name"); w.optionalString(d.progIfName)
        w.key("driver"); w.optionalString(d.driver)
        w.key("modalias"); w.optionalString(d.modalias)
        w.key("iommu_group"); w.optionalInt(d.iommuGroup)
        w.key("numa_node"); w.optionalInt(d.numaNode)
        w.key("irq"); w.optionalInt(d.irq)
        w.key("header_type"); w.optionalInt(d.config.header?.headerType)
        w.key("multifunction"); w.optionalBool(d.config.header?.isMultiFunction)
        w.key("resources"); w.beginArray()
        for r in d.resources {
            w.beginObject()
            w.key("index"); w.int(r.index)
            w.key("kind"); w.string(r.kind.rawValue)
            w.key("start"); w.string("0x" + hex(r.start, width: 1))
            w.key("size"); w.int(r.size)
            w.key("is_64bit"); w.bool(r.is64Bit)
            w.key("prefetchable"); w.bool(r.prefetchable)
            w.endObject()
        }
        w.endArray()
        w.key("physfn"); w.optionalString(d.physicalFunction?.description)
        w.key("virtfns"); w.strings(d.virtualFunctions.map(\.description))
        w.key("sriov_total_vfs"); w.optionalInt(d.sriovTotalVFs)
        w.key("sriov_num_vfs"); w.optionalInt(d.sriovNumVFs)
        w.key("upstream"); w.strings(d.upstream.map(\.description))
        w.key("sysfs_path"); w.string(d.sysfsPath)
        if capabilities {
            w.key("config_bytes"); w.int(d.config.config.count)
            w.key("capabilities"); w.beginArray()
            for item in d.config.items {
                w.beginObject()
                w.key("offset"); w.int(item.entry.offset)
                w.key("id"); w.int(item.entry.id)
                w.key("extended"); w.bool(item.entry.isExtended)
                w.key("version"); w.int(item.entry.version)
                w.key("name"); w.string(item.entry.name)
                w.key("fields"); w.beginArray()
                for f in item.decoded?.fields ?? [] {
                    w.beginObject()
                    w.key("register"); w.string(f.register)
                    w.key("name"); w.string(f.name)
                    w.key("value"); w.string(f.value)
                    w.endObject()
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
        }
        w.key("problems"); w.strings(d.problems)
        w.endObject()
    }
}

/// Minimal JSON writer over a byte buffer (a struct: no per-access exclusivity checks).
struct JSONWriter {
    private var out: [UInt8] = []
    private var needsComma = false

    init() { out.reserveCapacity(1 << 16) }

    mutating func beginObject() { separator(); out.append(UInt8(ascii: "{")); needsComma = false }
    mutating func endObject() { out.append(UInt8(ascii: "}")); needsComma = true }
    mutating func beginArray() { separator(); out.append(UInt8(ascii: "[")); needsComma = false }
    mutating func endArray() { out.append(UInt8(ascii: "]")); needsComma = true }

    mutating func key(_ k: StaticString) {
        separator()
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    mutating func string(_ s: String) { separator(); quoted(s); needsComma = true }
    mutating func strings(_ list: [String]) { beginArray(); for s in list { string(s) }; endArray() }
    mutating func int(_ v: some BinaryInteger) { separator(); out.append(contentsOf: String(v).utf8); needsComma = true }
    mutating func bool(_ v: Bool) { separator(); out.append(contentsOf: (v ? "true" : "false").utf8); needsComma = true }
    mutating func null() { separator(); out.append(contentsOf: "null".utf8); needsComma = true }
    mutating func optionalString(_ s: String?) { if let s { string(s) } else { null() } }
    mutating func optionalInt<T: BinaryInteger>(_ v: T?) { if let v { int(v) } else { null() } }
    mutating func optionalBool(_ v: Bool?) { if let v { bool(v) } else { null() } }

    func finish() -> String { String(decoding: out, as: UTF8.self) }

    private mutating func separator() { if needsComma { out.append(UInt8(ascii: ",")) } }

    private mutating func quoted(_ s: String) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0..<0x20: out.append(contentsOf: Array(("\\u" + hex(b, width: 4)).utf8))
            default: out.append(b)  // UTF-8 passes through unchanged
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
