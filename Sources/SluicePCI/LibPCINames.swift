import CPCINames

/// libpci's pci_lookup_name through the C wrapper: the reference lspci prints, and the udev
/// hwdb fallback libpci consults for ids pci.ids does not know.
public final class LibPCINames {
    private let handle: OpaquePointer

    /// `idsPath` nil: libpci's default pci.ids. `useHwdb`: let libpci consult udev's hwdb
    /// after a pci.ids miss, as lspci does.
    public init?(idsPath: String?, useHwdb: Bool) {
        let h: OpaquePointer? = if let idsPath { csluice_names_open(idsPath, useHwdb ? 1 : 0) }
            else { csluice_names_open(nil, useHwdb ? 1 : 0) }
        guard let h else { return nil }
        handle = h
    }

    deinit { csluice_names_close(handle) }

    public func vendor(_ v: UInt16) -> String? { call { csluice_name_vendor(handle, $0, $1, Int32(v)) } }
    public func device(_ v: UInt16, _ d: UInt16) -> String? {
        call { csluice_name_device(handle, $0, $1, Int32(v), Int32(d)) }
    }
    public func subsystem(_ v: UInt16, _ d: UInt16, _ sv: UInt16, _ sd: UInt16) -> String? {
        call { csluice_name_subsystem(handle, $0, $1, Int32(v), Int32(d), Int32(sv), Int32(sd)) }
    }
    /// `classCode` is the 24-bit class; libpci's string gets " [ccss]" when only the base class is known.
    public func className(_ classCode: UInt32) -> String? {
        call { csluice_name_class(handle, $0, $1, Int32(classCode >> 8)) }
    }
    public func progIf(_ classCode: UInt32) -> String? {
        call { csluice_name_progif(handle, $0, $1, Int32(classCode >> 8), Int32(classCode & 0xff)) }
    }

    private func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buf in
            guard body(buf.baseAddress!, 512) == 1 else { return nil }
            return String(cString: buf.baseAddress!)
        }
    }
}

/// Names for a set of devices: pci.ids first (only the vendors present are parsed), then,
/// for an id pci.ids lacks, udev's hwdb through libpci, which is lspci's order too.
/// hwdb answers are memoised: without a hwdb.bin, libudev retries opening it on every call.
public final class PCINames {
    public let ids: PCIIDsFile?
    private let hwdb: LibPCINames?
    private var hwdbCache: [HwdbQuestion: String?] = [:]
    public let problems: [String]

    /// `devices`: vendor << 16 | device of every function to name (their subsystem names
    /// are looked up under these devices).
    public init(idsPath: String = PCIIDsFile.defaultPath, vendors: Set<UInt16>, devices: Set<UInt32>? = nil, useHwdb: Bool = true) {
        var problems: [String] = []
        do { ids = try PCIIDsFile(path: idsPath, vendors: vendors, devices: devices) } catch {
            ids = nil
            problems.append("names unavailable: \(error)")
        }
        // An empty list makes libpci go straight to hwdb without parsing pci.ids again.
        hwdb = useHwdb ? LibPCINames(idsPath: "/dev/null", useHwdb: true) : nil
        self.problems = problems
    }

    public func vendor(_ v: UInt16) -> String? {
        ids?.vendor(v) ?? fromHwdb(.vendor(v)) { $0.vendor(v) }
    }
    public func device(_ v: UInt16, _ d: UInt16) -> String? {
        ids?.device(v, d) ?? fromHwdb(.device(v, d)) { $0.device(v, d) }
    }
    public func subsystem(_ v: UInt16, _ d: UInt16, _ sv: UInt16, _ sd: UInt16) -> String? {
        ids?.subsystem(v, d, sv, sd) ?? fromHwdb(.subsystem(v, d, sv, sd)) { $0.subsystem(v, d, sv, sd) }
    }

    /// A hwdb question, as the memo's key (asked once per device of a big tree: no strings).
    private enum HwdbQuestion: Hashable {
        case vendor(UInt16), device(UInt16, UInt16), subsystem(UInt16, UInt16, UInt16, UInt16)
    }

    private func fromHwdb(_ key: HwdbQuestion, _ lookup: (LibPCINames) -> String?) -> String? {
        guard let hwdb else { return nil }
        if let cached = hwdbCache[key] { return cached }
        let answer = lookup(hwdb)
        hwdbCache[key] = answer
        return answer
    }
    public func className(_ classCode: UInt32) -> (name: String, subclassKnown: Bool)? { ids?.className(classCode) }
    public func progIf(_ classCode: UInt32) -> String? { ids?.progIf(classCode) }
}
