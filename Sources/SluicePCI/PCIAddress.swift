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
    public init?(_ text: String) {
        let colonParts = text.split(separator: ":", omittingEmptySubsequences: false)
        let domainText: Substring?
        let busText: Substring
        let slotText: Substring
        switch colonParts.count {
        case 2: domainText = nil; busText = colonParts[0]; slotText = colonParts[1]
        case 3: domainText = colonParts[0]; busText = colonParts[1]; slotText = colonParts[2]
        default: return nil
        }
        let dotParts = slotText.split(separator: ".", omittingEmptySubsequences: false)
        guard dotParts.count == 2,
              let bus = parseHex(busText, maxDigits: 2),
              let dev = parseHex(dotParts[0], maxDigits: 2),
              let fn = parseHex(dotParts[1], maxDigits: 1) else { return nil }
        var domain: UInt64 = 0
        if let domainText {
            guard let d = parseHex(domainText, maxDigits: 8) else { return nil }
            domain = d
        }
        self.init(domain: UInt32(domain), bus: UInt8(bus), device: UInt8(truncatingIfNeeded: dev),
                  function: UInt8(truncatingIfNeeded: fn))
    }

    /// Device and function packed as in a routing ID's low byte.
    public var devfn: UInt8 { device << 3 | function }

    public var description: String {
        hex(domain, width: 4) + ":" + hex(bus, width: 2) + ":" + hex(device, width: 2) + "." + hex(function, width: 1)
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

/// Lower-case, zero-padded hexadecimal without Foundation's String(format:).
public func hex(_ value: some BinaryInteger, width: Int) -> String {
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
