/// lspci's selection syntax (pciutils 3.9), so a user's `-s`/`-d` strings select the same functions.

public struct FilterError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// `-s [[[[<domain>]:]<bus>]:][<device>][.[<func>]]`: each part omitted or `*` means any.
public struct SlotFilter: Sendable, Equatable {
    public var domain: UInt32?
    public var bus: UInt8?
    public var device: UInt8?
    public var function: UInt8?

    public init(domain: UInt32? = nil, bus: UInt8? = nil, device: UInt8? = nil, function: UInt8? = nil) {
        self.domain = domain; self.bus = bus; self.device = device; self.function = function
    }

    public init(parsing text: String) throws(FilterError) {
        // Same split as pciutils: the last ':' separates the slot; a second ':' before it the domain.
        var mid = Substring(text)
        if let lastColon = text.lastIndex(of: ":") {
            let head = text[..<lastColon]
            mid = text[text.index(after: lastColon)...]
            var busText = head
            if let firstColon = head.firstIndex(of: ":") {
                let domainText = head[..<firstColon]
                busText = head[head.index(after: firstColon)...]
                if let v = try anyOrNumber(domainText, max: 0x7fff_ffff, what: "domain") { domain = UInt32(v) }
            }
            if let v = try anyOrNumber(busText, max: 0xff, what: "bus") { bus = UInt8(v) }
        }
        var fnText: Substring?
        if let dot = mid.firstIndex(of: ".") {
            fnText = mid[mid.index(after: dot)...]
            mid = mid[..<dot]
        }
        if let v = try anyOrNumber(mid, max: 0x1f, what: "slot") { device = UInt8(v) }
        if let fnText, let v = try anyOrNumber(fnText, max: 7, what: "function") { function = UInt8(v) }
    }

    public func matches(_ a: PCIAddress) -> Bool {
        (domain.map { $0 == a.domain } ?? true) && (bus.map { $0 == a.bus } ?? true)
            && (device.map { $0 == a.device } ?? true) && (function.map { $0 == a.function } ?? true)
    }
}

/// `-d [<vendor>]:[<device>][:<class>[:<prog-if>]]`; the class may contain `x` nibble wildcards.
public struct IDFilter: Sendable, Equatable {
    public var vendor: UInt16?
    public var device: UInt16?
    public var classValue: UInt16 = 0
    /// Bits of the 16-bit class/subclass that must match; 0 means any class.
    public var classMask: UInt16 = 0
    public var progIf: UInt8?

    public init(parsing text: String) throws(FilterError) {
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw FilterError(message: "Invalid -d filter '\(text)': ':' expected") }
        if let v = try anyOrNumber(parts[0], max: 0xffff, what: "vendor ID") { vendor = UInt16(v) }
        if let v = try anyOrNumber(parts[1], max: 0xffff, what: "device ID") { device = UInt16(v) }
        if parts.count > 2, let (value, mask) = try maskedHex(parts[2], max: 0xffff, what: "class code") {
            classValue = UInt16(value); classMask = UInt16(truncatingIfNeeded: mask)
        }
        if parts.count > 3, let v = try anyOrNumber(parts[3], max: 0xff, what: "programming interface") {
            progIf = UInt8(v)
        }
    }

    public func matches(vendor v: UInt16, device d: UInt16, classCode: UInt32) -> Bool {
        let cls = UInt16(truncatingIfNeeded: classCode >> 8)
        return (vendor.map { $0 == v } ?? true) && (device.map { $0 == d } ?? true)
            && (cls ^ classValue) & classMask == 0
            && (progIf.map { $0 == UInt8(truncatingIfNeeded: classCode) } ?? true)
    }
}

/// `--class` (Sluice's own): `CC`, `CCSS` or `CCSSPP` hex, `x` for any nibble.
public struct ClassFilter: Sendable, Equatable {
    public let value: UInt32
    public let mask: UInt32
    public let digits: Int

    public init(parsing text: String) throws(FilterError) {
        guard [2, 4, 6].contains(text.utf8.count),
              let (v, m) = try maskedHex(Substring(text), max: 0xff_ffff, what: "class") else {
            throw FilterError(message: "Invalid class '\(text)': use 2, 4 or 6 hex digits (x = any), e.g. 02, 0c03, 0c0330")
        }
        let shift = UInt32(6 - text.utf8.count) * 4
        digits = text.utf8.count
        value = UInt32(v) << shift
        mask = (UInt32(truncatingIfNeeded: m) << shift) & 0xff_ffff & ~((1 << shift) - 1)
    }

    public func matches(classCode: UInt32) -> Bool { (classCode ^ value) & mask == 0 }
}

/// Empty or `*` means "any" (nil); otherwise plain hex (lspci 3.9 refuses a 0x prefix) not above `max`.
private func anyOrNumber(_ text: Substring, max: UInt64, what: String) throws(FilterError) -> UInt64? {
    if text.isEmpty || text == "*" { return nil }
    guard let v = parseHex(text, maxDigits: 16), v <= max else {
        throw FilterError(message: "Invalid \(what) '\(text)'")
    }
    return v
}

/// pciutils' parse_hex_field with a mask: each `x` is a wildcard nibble.
private func maskedHex(_ text: Substring, max: UInt64, what: String) throws(FilterError) -> (UInt64, UInt64)? {
    if text.isEmpty || text == "*" { return nil }
    var out: UInt64 = 0, mask: UInt64 = ~0, bound: UInt64 = 0
    for c in text.utf8 {
        if c == UInt8(ascii: "x") || c == UInt8(ascii: "X") {
            out <<= 4; bound = bound << 4 | 1; mask <<= 4
        } else if let d = hexDigitValue(c) {
            out = out << 4 | UInt64(d); bound = bound << 4 | UInt64(d); mask = mask << 4 | 0xf
        } else {
            throw FilterError(message: "Invalid \(what) '\(text)'")
        }
        guard bound <= max else { throw FilterError(message: "Invalid \(what) '\(text)'") }
    }
    return (out, mask)
}
