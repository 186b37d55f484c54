/// What a `sys/bus/pci/devices/<address>` symlink says, from one pass over its target text:
/// the device directory it names (relative to the root, `.` and `..` folded), where that is
/// under `sys/devices`, and the PCI functions above the device (bridges, VMD endpoints).
/// It runs once per device of every scan, so it works on UTF-8 bytes: component ranges and
/// one output buffer, no split strings.
struct DeviceLink {
    /// The directory beneath the root; nil when the target is absolute or climbs out of the
    /// root (then the kernel resolves, and refuses, the real path).
    let resolved: String?
    /// The target after its `devices` component (e.g. `pci0000:00/0000:00:1c.0/0000:01:00.0`).
    let sysfsPath: String?
    /// Every component before the last that is a PCI address, nearest the root first.
    let upstream: [PCIAddress]

    init(base: String, target: String) {
        var base = base, target = target
        (resolved, sysfsPath, upstream) = base.withUTF8 { b in target.withUTF8 { t in Self.parse(base: b, target: t) } }
    }

    private typealias Bytes = UnsafeBufferPointer<UInt8>
    private static let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")

    private static func parse(base: Bytes, target: Bytes) -> (String?, String?, [PCIAddress]) {
        let parts = components(target)
        var sysfsPath: String? = nil
        if let i = parts.firstIndex(where: { Bytes(rebasing: target[$0]).elementsEqual("devices".utf8) }) {
            var path = PathBuffer()
            for r in parts[(i + 1)...] { path.push(Bytes(rebasing: target[r])) }
            sysfsPath = path.string
        }
        var upstream: [PCIAddress] = []
        for r in parts.dropLast() where r.count >= 12 {
            if let a = PCIAddress(utf8: Bytes(rebasing: target[r])) { upstream.append(a) }
        }
        guard target.first != slash else { return (nil, sysfsPath, upstream) }
        var resolved = PathBuffer()
        for r in components(base) { resolved.push(Bytes(rebasing: base[r])) }
        for r in parts {
            let c = Bytes(rebasing: target[r])
            if c.count == 1 && c[0] == dot { continue }
            if c.count == 2 && c[0] == dot && c[1] == dot {
                guard resolved.pop() else { return (nil, sysfsPath, upstream) }  // climbs out of the root
                continue
            }
            resolved.push(c)
        }
        return (resolved.isEmpty ? nil : resolved.string, sysfsPath, upstream)
    }

    /// The ranges of the non-empty components between slashes.
    private static func components(_ text: Bytes) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(16)
        var start = 0
        for i in 0..<text.count where text[i] == slash {
            if start < i { ranges.append(start..<i) }
            start = i + 1
        }
        if start < text.count { ranges.append(start..<text.count) }
        return ranges
    }

    /// A relative path built component by component, where `..` can take the last one back.
    private struct PathBuffer {
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var isEmpty: Bool { starts.isEmpty }
        var string: String { String(decoding: bytes, as: UTF8.self) }

        mutating func push(_ component: Bytes) {
            if bytes.isEmpty { bytes.reserveCapacity(128) }
            starts.append(bytes.count)
            if !bytes.isEmpty { bytes.append(DeviceLink.slash) }
            bytes.append(contentsOf: component)
        }

        /// False when there is nothing left to take back.
        mutating func pop() -> Bool {
            guard let start = starts.popLast() else { return false }
            bytes.removeSubrange(start...)
            return true
        }
    }
}
