/// What a `sys/bus/pci/devices/<address>` symlink says, from one pass over its target text:
/// the device directory it names (relative to the root, `.` and `..` folded), where that is
/// under `sys/devices`, and the PCI functions above the device (bridges, VMD endpoints).
/// It runs once per device of every scan, so it works on UTF-8 bytes, not split strings.
struct DeviceLink {
    /// The directory beneath the root; nil when the target is absolute or climbs out of the
    /// root (then the kernel resolves, and refuses, the real path).
    let resolved: String?
    /// The target after its `devices` component (e.g. `pci0000:00/0000:00:1c.0/0000:01:00.0`).
    let sysfsPath: String?
    /// Every component before the last that is a PCI address, nearest the root first.
    let upstream: [PCIAddress]

    init(base: String, target: String) {
        var components: [Substring] = []
        let utf8 = target.utf8
        var start = utf8.startIndex
        for i in utf8.indices where utf8[i] == UInt8(ascii: "/") {
            if start < i { components.append(target[start..<i]) }
            start = utf8.index(after: i)
        }
        if start < utf8.endIndex { components.append(target[start...]) }

        if let i = components.firstIndex(of: "devices") {
            sysfsPath = components[(i + 1)...].joined(separator: "/")
        } else {
            sysfsPath = nil
        }
        upstream = components.dropLast().compactMap { $0.utf8.count >= 12 ? PCIAddress($0) : nil }

        guard !target.hasPrefix("/") else { resolved = nil; return }
        var parts = base.split(separator: "/")
        var escapes = false
        for component in components {
            switch component {
            case ".": continue
            case "..": if parts.isEmpty { escapes = true } else { parts.removeLast() }
            default: parts.append(component)
            }
            if escapes { break }
        }
        resolved = escapes || parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}
