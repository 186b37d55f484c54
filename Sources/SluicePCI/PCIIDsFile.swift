import Glibc
import SluiceSystem

/// The names Sluice needs from pci.ids, read from the memory-mapped file: for a few vendors,
/// each vendor's block is found by binary search (the file is sorted by vendor id, as the
/// pci.ids database is published) and only those blocks and the class section at the end are
/// parsed, touching a few pages of the 1.3 MB file; otherwise one pass parses what is asked.
/// libpci instead hashes every one of the ~40,000 entries before its first lookup; that is
/// most of lspci's start-up. Same file, same precedence rules (first entry of an id wins),
/// same strings: a test compares every entry against libpci's pci_lookup_name.
public struct PCIIDsFile: Sendable {
    public static let defaultPath = "/usr/share/misc/pci.ids"

    private(set) var vendors: [UInt16: String] = [:]
    private(set) var devices: [UInt32: String] = [:]
    private(set) var subsystems: [UInt64: String] = [:]
    private(set) var classes: [UInt8: String] = [:]
    private(set) var subclasses: [UInt16: String] = [:]
    private(set) var progIfs: [UInt32: String] = [:]
    private let wantedDevices: Set<UInt32>?

    /// Loads the entries of `wanted` vendors (nil: every vendor) and all classes; with
    /// `devices` (vendor << 16 | device), only those devices and their subsystems are kept
    /// (Intel alone has thousands of entries nobody asked about).
    public init(path: String = PCIIDsFile.defaultPath, vendors wanted: Set<UInt16>?, devices: Set<UInt32>? = nil) throws(SystemError) {
        self.wantedDevices = devices
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.current("open \(path)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError.current("fstat \(path)") }
        let size = Int(st.st_size)
        guard size > 0 else { return }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw SystemError.current("mmap \(path)")
        }
        defer { munmap(map, size) }
        let buf = UnsafeBufferPointer(start: map.assumingMemoryBound(to: UInt8.self), count: size)
        if let wanted, wanted.count <= Self.indexedLookupLimit, parseIndexed(buf, wanted: wanted) { return }
        parse(buf, wanted: wanted)
    }

    /// Up to this many vendors, binary search; beyond, one pass costs less.
    static let indexedLookupLimit = 64

    /// Parses pci.ids text (exposed for tests and fuzzing); `indexed`: find the vendors'
    /// blocks by binary search, as reading a file does for a few vendors.
    public init(text: [UInt8], vendors wanted: Set<UInt16>?, devices: Set<UInt32>? = nil, indexed: Bool = false) {
        wantedDevices = devices
        text.withUnsafeBufferPointer { buf in
            if indexed, let wanted, parseIndexed(buf, wanted: wanted) { return }
            parse(buf, wanted: wanted)
        }
    }

    /// The indexed read: false when the text does not end with the class section as pci.ids
    /// does (then the caller parses it in one pass).
    private mutating func parseIndexed(_ buf: UnsafeBufferPointer<UInt8>, wanted: Set<UInt16>) -> Bool {
        let index = PCIIDsIndex(buf)
        guard let classStart = index.classSectionStart() else { return false }
        var seen: [(start: Int, id: UInt16)] = []
        var blocks: [(vendor: UInt16, start: Int)] = []
        for v in wanted.sorted() {
            if let start = index.vendorLine(v, before: classStart, seen: &seen) {
                blocks.append((v, start))
            } else if v != 0 {
                // Not where sorted order puts it: absent, or a hand-edited file out of order.
                // Only a full pass can tell (vendor 0000 is never listed).
                return false
            }
        }
        // Binary search is only right over sorted vendors: if any two vendor lines it looked at
        // are out of order, parse the whole file instead.
        seen.sort { $0.start < $1.start }
        for (a, b) in zip(seen, seen.dropFirst()) where a.start != b.start && a.id >= b.id { return false }
        for (v, start) in blocks {
            let end = index.firstVendorLine(atOrAfter: start + 1, before: classStart)?.start ?? classStart
            parse(UnsafeBufferPointer(rebasing: buf[start..<end]), wanted: [v])
        }
        parse(UnsafeBufferPointer(rebasing: buf[classStart...]), wanted: [])
        return true
    }

    private mutating func parse(_ buf: UnsafeBufferPointer<UInt8>, wanted: Set<UInt16>?) {
        enum Context { case skip, vendor(UInt16), device(UInt16, UInt16), cls(UInt8), subclass(UInt8, UInt8) }
        let wantedDevices = self.wantedDevices
        var context = Context.skip
        var start = 0
        let end = buf.count
        while start < end {
            var lineEnd = start
            if let nl = memchr(buf.baseAddress! + start, 0x0a, end - start) {
                lineEnd = buf.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            } else {
                lineEnd = end
            }
            defer { start = lineEnd + 1 }
            let line = UnsafeBufferPointer(rebasing: buf[start..<lineEnd])
            guard let first = line.first, first != UInt8(ascii: "#") else { continue }
            let tabs = line.prefix(while: { $0 == 0x09 }).count
            // Inside a vendor nobody asked for, only top-level lines matter: skip fast.
            if tabs > 0, case .skip = context { continue }
            let body = UnsafeBufferPointer(rebasing: line[tabs...])
            switch tabs {
            case 0:
                if body.count > 2, body[0] == UInt8(ascii: "C"), body[1] == 0x20 {
                    if let (id, name) = entry(body[2...], digits: 2) {
                        let c = UInt8(id); insert(&classes, c, name); context = .cls(c)
                    } else { context = .skip }
                } else if let (id, name) = entry(body[...], digits: 4) {
                    let v = UInt16(id)
                    if wanted?.contains(v) ?? true { insert(&vendors, v, name); context = .vendor(v) } else { context = .skip }
                } else {
                    context = .skip  // another section (e.g. "X" or unknown): not ours
                }
            case 1:
                switch context {
                case .vendor(let v), .device(let v, _):
                    if let (id, name) = entry(body[...], digits: 4) {
                        let d = UInt16(id)
                        let key = UInt32(v) << 16 | UInt32(d)
                        if wantedDevices?.contains(key) ?? true {
                            insert(&devices, key, name); context = .device(v, d)
                        } else {
                            context = .vendor(v)  // its subsystem lines are skipped below
                        }
                    }
                case .cls(let c), .subclass(let c, _):
                    if let (id, name) = entry(body[...], digits: 2) {
                        let s = UInt8(id)
                        insert(&subclasses, UInt16(c) << 8 | UInt16(s), name); context = .subclass(c, s)
                    }
                case .skip: break
                }
            case 2:
                switch context {
                case .device(let v, let d):
                    // "svvv sddd  name"
                    guard body.count > 10, body[4] == 0x20, let sv = hexValue(body[0..<4]),
                          let (sd, name) = entry(body[5...], digits: 4) else { continue }
                    let key = UInt64(v) << 48 | UInt64(d) << 32 | UInt64(sv) << 16 | UInt64(sd)
                    insert(&subsystems, key, name)
                case .subclass(let c, let s):
                    if let (p, name) = entry(body[...], digits: 2) {
                        insert(&progIfs, UInt32(c) << 16 | UInt32(s) << 8 | UInt32(p), name)
                    }
                default: break
                }
            default: continue
            }
        }
    }

    public func vendor(_ v: UInt16) -> String? { vendors[v] }
    public func device(_ v: UInt16, _ d: UInt16) -> String? { devices[UInt32(v) << 16 | UInt32(d)] }

    /// The subsystem's own name as libpci resolves it: the entry under the device (libpci
    /// skips this for vendor or device id 0, so entries under device 0000 are never used),
    /// else the device's name when the subsystem ids equal the device ids.
    public func subsystem(_ v: UInt16, _ d: UInt16, _ sv: UInt16, _ sd: UInt16) -> String? {
        if v != 0, d != 0, let n = subsystems[UInt64(v) << 48 | UInt64(d) << 32 | UInt64(sv) << 16 | UInt64(sd)] { return n }
        return v == sv && d == sd ? device(v, d) : nil
    }

    /// Subclass name, else the base class name (then `subclassKnown` is false).
    public func className(_ classCode: UInt32) -> (name: String, subclassKnown: Bool)? {
        let c = UInt8(truncatingIfNeeded: classCode >> 16), s = UInt8(truncatingIfNeeded: classCode >> 8)
        if let n = subclasses[UInt16(c) << 8 | UInt16(s)] { return (n, true) }
        return classes[c].map { ($0, false) }
    }

    public func progIf(_ classCode: UInt32) -> String? { progIfs[classCode & 0xff_ffff] }

    var entryCount: Int { vendors.count + devices.count + subsystems.count + classes.count + subclasses.count + progIfs.count }
    /// All (vendor, device) and (vendor, device, subvendor, subdevice) keys, for the libpci cross-check.
    public var allDeviceKeys: [(UInt16, UInt16)] { devices.keys.map { (UInt16($0 >> 16), UInt16($0 & 0xffff)) } }
    public var allSubsystemKeys: [(UInt16, UInt16, UInt16, UInt16)] {
        subsystems.keys.map { (UInt16($0 >> 48), UInt16(($0 >> 32) & 0xffff), UInt16(($0 >> 16) & 0xffff), UInt16($0 & 0xffff)) }
    }
    public var allVendorKeys: [UInt16] { Array(vendors.keys) }
    public var allClassKeys: [UInt32] {
        subclasses.keys.map { UInt32($0) << 8 } + classes.keys.map { UInt32($0) << 16 | 0xff00 }
    }
    public var allProgIfKeys: [UInt32] { Array(progIfs.keys) }
}

/// First definition of an id wins, as in libpci's hash insert.
private func insert<K: Hashable>(_ dict: inout [K: String], _ key: K, _ name: String) {
    if dict[key] == nil { dict[key] = name }
}

/// `<hex id of exactly digits><whitespace><name>`; the name without trailing whitespace.
private func entry(_ s: Slice<UnsafeBufferPointer<UInt8>>, digits: Int) -> (UInt32, String)? {
    guard s.count > digits, let id = hexValue(s.prefix(digits)) else { return nil }
    var rest = s.dropFirst(digits)
    guard let sep = rest.first, sep == 0x20 || sep == 0x09 else { return nil }
    while let f = rest.first, f == 0x20 || f == 0x09 { rest = rest.dropFirst() }
    while let l = rest.last, l == 0x20 || l == 0x09 || l == 0x0d { rest = rest.dropLast() }
    return (id, String(decoding: rest, as: UTF8.self))
}

private func hexValue(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32? {
    var v: UInt32 = 0
    for c in s { guard let d = hexDigitValue(c) else { return nil }; v = v << 4 | UInt32(d) }
    return v
}
