/// A PCI function address: segment (domain), bus, device (slot) and function, `DDDD:BB:DD.F`.
public struct PCIAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Linux allows 32-bit domains (Intel VMD uses 0x10000 and up), so this is not 16 bits.
    public let domain: UInt32
    public let bus: UInt8
    public let device: UInt8
    public let function: UInt8

    public init?(domain: UInt32 = 0, bus: UInt8, device: UInt8, function: UInt8) {
        guard device < 32, function < 8 else { return nil }
        self.domain = domain
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// Parses `DDDD:BB:DD.F` (the sysfs spelling; domain may be longer for VMD) or `BB:DD.F`.
    /// One pass over the bytes: this runs for every path component of every device's links.
    public init?(_ text: some StringProtocol) { self.init(utf8: text.utf8) }

    /// Parses the same spellings from UTF-8 bytes (a link target read into a buffer).
    public init?(utf8 text: some Sequence<UInt8>) {
        // Fields from the right: function (1 digit), device (<= 2), bus (<= 2), domain (<= 8).
        var fields: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var digits = (0, 0, 0, 0)
        var field = 0  // 0: domain or bus, shifted once a second ':' appears
        var colons = 0, sawDot = false
        for byte in text {
            switch byte {
            case UInt8(ascii: ":"):
                guard !sawDot, colons < 2 else { return nil }
                colons += 1; field += 1
            case UInt8(ascii: "."):
                guard !sawDot, colons >= 1 else { return nil }
                sawDot = true; field += 1
            default:
                guard let d = hexDigitValue(byte) else { return nil }
                switch field {
                case 0: fields.0 = fields.0 << 4 | UInt64(d); digits.0 += 1
                case 1: fields.1 = fields.1 << 4 | UInt64(d); digits.1 += 1
                case 2: fields.2 = fields.2 << 4 | UInt64(d); digits.2 += 1
                default: fields.3 = fields.3 << 4 | UInt64(d); digits.3 += 1
                }
                guard digits.0 <= 8, digits.1 <= 8, digits.2 <= 8, digits.3 <= 8 else { return nil }
            }
        }
        guard sawDot else { return nil }
        // With one colon the fields are bus, device, function; with two, domain first.
        let (domain, domainDigits, bus, busDigits, dev, devDigits, fn, fnDigits) = colons == 2
            ? (fields.0, digits.0, fields.1, digits.1, fields.2, digits.2, fields.3, digits.3)
            : (0, 1, fields.0, digits.0, fields.1, digits.1, fields.2, digits.2)
        guard (1...8).contains(domainDigits), (1...2).contains(busDigits), (1...2).contains(devDigits), fnDigits == 1,
              colons == 2 || fields.3 == 0 && digits.3 == 0 else { return nil }
        self.init(domain: UInt32(domain), bus: UInt8(bus), device: UInt8(truncatingIfNeeded: dev),
                  function: UInt8(truncatingIfNeeded: fn))
    }

    /// One word to hash: dictionaries keyed by address are on every hot path of the audit.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(domain) << 16 | UInt64(bus) << 8 | UInt64(devfn))
    }

    /// Device and function packed as in a routing ID's low byte.
    public var devfn: UInt8 { device << 3 | function }

    public var description: String {
        // Built in one buffer: this runs several times per device in every listing.
        let domainDigits = max(4, (32 - domain.leadingZeroBitCount + 3) / 4)
        return String(unsafeUninitializedCapacity: domainDigits + 8) { buf in
            var i = 0
            for shift in stride(from: (domainDigits - 1) * 4, through: 0, by: -4) {
                buf[i] = hexDigit(UInt8(truncatingIfNeeded: domain >> UInt32(shift)) & 0xf); i += 1
            }
            buf[i] = UInt8(ascii: ":")
            buf[i + 1] = hexDigit(bus >> 4); buf[i + 2] = hexDigit(bus & 0xf)
            buf[i + 3] = UInt8(ascii: ":")
            buf[i + 4] = hexDigit(device >> 4); buf[i + 5] = hexDigit(device & 0xf)
            buf[i + 6] = UInt8(ascii: ".")
            buf[i + 7] = hexDigit(function)
            return i + 8
        }
    }

    /// lspci's short form: the domain is left out when it is 0 and `alwaysDomain` is false.
    public func lspciDescription(alwaysDomain: Bool) -> String {
        alwaysDomain || domain != 0 ? description
            : hex(bus, width: 2) + ":" + hex(device, width: 2) + "." + hex(function, width: 1)
    }

    public static func < (a: PCIAddress, b: PCIAddress) -> Bool {
        (a.domain, a.bus, a.device, a.function) < (b.domain, b.bus, b.device, b.function)
    }
}

/// Strict hexadecimal: 1...maxDigits digits, nothing else.
func parseHex(_ text: some StringProtocol, maxDigits: Int) -> UInt64? {
    guard !text.isEmpty, text.utf8.count <= maxDigits else { return nil }
    var value: UInt64 = 0
    for byte in text.utf8 {
        guard let digit = hexDigitValue(byte) else { return nil }
        value = value << 4 | UInt64(digit)
    }
    return value
}

@inline(__always) func hexDigitValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

@inline(__always) func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

/// Lower-case, zero-padded hexadecimal without Foundation's String(format:).
public func hex(_ value: some BinaryInteger, width: Int) -> String {
    guard value >= 0, value.bitWidth <= 64 || value >> 64 == 0 else {
        let digits = String(value, radix: 16)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
    let v = UInt64(value)
    let digits = max(width, max(1, (64 - v.leadingZeroBitCount + 3) / 4))
    return String(unsafeUninitializedCapacity: digits) { buf in
        for i in 0..<digits {
            let shift = UInt64((digits - 1 - i) * 4)
            buf[i] = shift < 64 ? hexDigit(UInt8(truncatingIfNeeded: v >> shift) & 0xf) : UInt8(ascii: "0")
        }
        return digits
    }
}
