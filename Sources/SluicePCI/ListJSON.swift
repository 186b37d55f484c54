/// `sluice list --json`, schema `sluice.list/1` (docs/json-schema-list.md). A small writer
/// instead of Foundation: no start-up cost, stable key order.
public enum ListJSON {
    public static let schema = "sluice.list/1"

    public static func render(_ result: PCIScanner.Result, devices: [PCIDevice], root: String, capabilities: Bool) -> String {
        let w = JSONWriter()
        w.object {
            w.key("schema"); w.string(schema)
            w.key("sysfs_root"); w.string(root)
            w.key("devices")
            w.array(devices) { d in device(w, d, capabilities: capabilities) }
            w.key("problems")
            w.array(result.problems) { w.string($0) }
        }
        return w.text
    }

    static func device(_ w: JSONWriter, _ d: PCIDevice, capabilities: Bool) {
        w.object {
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
            w.key("resources")
            w.array(d.resources) { r in
                w.object {
                    w.key("index"); w.int(r.index)
                    w.key("kind"); w.string(r.kind.rawValue)
                    w.key("start"); w.string("0x" + hex(r.start, width: 1))
                    w.key("size"); w.int(r.size)
                    w.key("is_64bit"); w.bool(r.is64Bit)
                    w.key("prefetchable"); w.bool(r.prefetchable)
                }
            }
            w.key("physfn"); w.optionalString(d.physicalFunction?.description)
            w.key("virtfns"); w.array(d.virtualFunctions) { w.string($0.description) }
            w.key("sriov_total_vfs"); w.optionalInt(d.sriovTotalVFs)
            w.key("sriov_num_vfs"); w.optionalInt(d.sriovNumVFs)
            w.key("upstream"); w.array(d.upstream) { w.string($0.description) }
            w.key("sysfs_path"); w.string(d.sysfsPath)
            if capabilities {
                w.key("config_bytes"); w.int(d.config.config.count)
                w.key("capabilities")
                w.array(d.config.items) { item in
                    w.object {
                        w.key("offset"); w.int(item.entry.offset)
                        w.key("id"); w.int(item.entry.id)
                        w.key("extended"); w.bool(item.entry.isExtended)
                        w.key("version"); w.int(item.entry.version)
                        w.key("name"); w.string(item.entry.name)
                        w.key("fields")
                        w.array(item.decoded?.fields ?? []) { f in
                            w.object {
                                w.key("register"); w.string(f.register)
                                w.key("name"); w.string(f.name)
                                w.key("value"); w.string(f.value)
                            }
                        }
                    }
                }
            }
            w.key("problems"); w.array(d.problems) { w.string($0) }
        }
    }
}

/// Minimal streaming JSON writer (objects, arrays, strings, integers, booleans, null).
final class JSONWriter {
    var text = ""
    private var needsComma = false

    func object(_ body: () -> Void) {
        separator(); text += "{"; needsComma = false
        body()
        text += "}"; needsComma = true
    }

    func array<S: Sequence>(_ items: S, _ body: (S.Element) -> Void) {
        separator(); text += "["; needsComma = false
        for item in items { body(item) }
        text += "]"; needsComma = true
    }

    func key(_ k: String) {
        separator(); appendQuoted(k); text += ":"; needsComma = false
    }

    func string(_ s: String) { separator(); appendQuoted(s); needsComma = true }
    func int(_ v: some BinaryInteger) { separator(); text += String(v); needsComma = true }
    func bool(_ v: Bool) { separator(); text += v ? "true" : "false"; needsComma = true }
    func null() { separator(); text += "null"; needsComma = true }
    func optionalString(_ s: String?) { if let s { string(s) } else { null() } }
    func optionalInt<T: BinaryInteger>(_ v: T?) { if let v { int(v) } else { null() } }
    func optionalBool(_ v: Bool?) { if let v { bool(v) } else { null() } }

    private func separator() { if needsComma { text += "," } }

    private func appendQuoted(_ s: String) {
        text += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if u.value < 0x20 { text += "\\u" + hex(u.value, width: 4) } else { text.unicodeScalars.append(u) }
            }
        }
        text += "\""
    }
}
