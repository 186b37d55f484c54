import SluiceSystem

/// `sluice list --json`, schema `sluice.list/1` (docs/json-schema-list.md). A small writer
/// instead of Foundation: no start-up cost, stable key order.
public enum ListJSON {
    public static let schema = "sluice.list/1"

    public static func render(_ result: PCIScanner.Result, devices: [PCIDevice], root: String, capabilities: Bool) -> String {
        var text: [UInt8] = []
        write(result, devices: devices, root: root, capabilities: capabilities) { text.append(contentsOf: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Streams the document to `sink` in chunks (no multi-megabyte buffer for big trees).
    public static func write(_ result: PCIScanner.Result, devices: [PCIDevice], root: String, capabilities: Bool,
                             to sink: (UnsafeRawBufferPointer) -> Void) {
        var w = JSONWriter()
        w.beginObject()
        w.key("schema"); w.string(schema)
        w.key("sysfs_root"); w.string(root)
        w.key("devices"); w.beginArray()
        for d in devices {
            device(&w, d, capabilities: capabilities)
            if w.pending > 1 << 16 { w.drain(into: sink) }
        }
        w.endArray()
        w.key("problems"); w.strings(result.problems)
        w.endObject()
        w.drain(into: sink)
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
        w.key("modalias"); w.string(d.modalias)
        w.key("iommu_group"); w.optionalInt(d.iommuGroup)
        w.key("numa_node"); w.optionalInt(d.numaNode)
        w.key("irq"); w.optionalInt(d.irq)
        w.key("header_type"); w.optionalInt(d.config.header?.headerType)
        w.key("multifunction"); w.optionalBool(d.config.header?.isMultiFunction)
        w.key("command"); w.optionalInt(d.config.header?.command)
        w.key("status"); w.optionalInt(d.config.header?.status)
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
        w.key("reset_methods"); if let m = d.resetMethods { w.strings(m) } else { w.null() }
        w.key("enabled"); w.optionalBool(d.isEnabled)
        w.key("local_cpulist"); w.optionalString(d.localCPUList)
        w.key("d3cold_allowed"); w.optionalBool(d.d3coldAllowed)
        w.key("driver_override"); w.optionalString(d.driverOverride)
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
