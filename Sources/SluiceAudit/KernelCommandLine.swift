/// The kernel command line, split as the kernel splits it (spaces, double quotes), with the
/// IOMMU- and VFIO-relevant options interpreted.
public struct KernelCommandLine: Sendable, Equatable {
    public let parameters: [(key: String, value: String?)]

    public static func == (a: Self, b: Self) -> Bool {
        a.parameters.map(\.key) == b.parameters.map(\.key) && a.parameters.map(\.value) == b.parameters.map(\.value)
    }

    public init(_ text: String) {
        var params: [(String, String?)] = []
        var token = "", inQuotes = false, any = false
        func flush() {
            guard any else { return }
            if let eq = token.firstIndex(of: "=") {
                params.append((String(token[..<eq]), String(token[token.index(after: eq)...])))
            } else {
                params.append((token, nil))
            }
            token = ""; any = false
        }
        for ch in text {
            if ch == "\"" { inQuotes.toggle(); any = true; continue }
            if !inQuotes && (ch == " " || ch == "\n" || ch == "\t") { flush(); continue }
            token.append(ch); any = true
        }
        flush()
        parameters = params
    }

    /// The last value given for `key` (the kernel's parsers let a later option win); the kernel
    /// treats '-' and '_' in parameter names alike.
    public func value(_ key: String) -> String? {
        let k = Self.normalise(key)
        return parameters.last { Self.normalise($0.key) == k }?.value
    }
    public func has(_ key: String) -> Bool {
        let k = Self.normalise(key)
        return parameters.contains { Self.normalise($0.key) == k }
    }
    static func normalise(_ s: String) -> String { String(s.map { $0 == "-" ? "_" : $0 }) }

    /// Comma-separated sub-options, e.g. `intel_iommu=on,sm_on`.
    public func options(_ key: String) -> [String] {
        value(key).map { $0.split(separator: ",").map(String.init) } ?? []
    }

    // MARK: Interpretation

    /// What `intel_iommu=` asks for: nil when absent.
    public var intelIOMMU: Bool? {
        let o = options("intel_iommu")
        if o.contains("off") { return false }
        if o.contains("on") { return true }
        return nil
    }

    /// `iommu=pt`, `iommu.passthrough=1` (identity default domains; assignment still works).
    public var passthroughDefault: Bool {
        options("iommu").contains("pt") || ["1", "y", "on"].contains(value("iommu.passthrough") ?? "")
    }

    /// `iommu=off`, `amd_iommu=off`, `intel_iommu=off`.
    public var iommuDisabled: Bool {
        options("iommu").contains("off") || options("amd_iommu").contains("off") || intelIOMMU == false
    }

    public var strictInvalidation: Bool? {
        guard let v = value("iommu.strict") else { return nil }
        return ["1", "y", "on"].contains(v)
    }

    /// `pcie_acs_override=` (a patch some distributions carry): groups are then a lie.
    public var acsOverride: String? { value("pcie_acs_override") }

    public var allowUnsafeInterrupts: Bool {
        ["1", "y", "Y"].contains(value("vfio_iommu_type1.allow_unsafe_interrupts") ?? "")
    }

    public var vfioNoIOMMU: Bool {
        ["1", "y", "Y"].contains(value("vfio.enable_unsafe_noiommu_mode") ?? "")
    }

    /// `vfio-pci.ids=8086:10d3,...`: another manager that claims devices by id at boot.
    public var vfioPCIIDs: [String] {
        options("vfio_pci.ids")
    }

    /// `intremap=off|nosid|no_x2apic_optout`.
    public var interruptRemappingOption: String? { value("intremap") }

    public var lockdown: String? { value("lockdown") }
}
