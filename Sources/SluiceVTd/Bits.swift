// Bit-field access on the little-endian 64-bit words every VT-d structure is made of.
// Field positions are written as in the specification's tables: `bits(hi, lo)`.

extension UInt64 {
    /// The field `hi:lo` (inclusive), shifted down to bit 0.
    @inlinable func bits(_ hi: Int, _ lo: Int) -> UInt64 {
        let width = hi - lo + 1
        let mask: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) - 1
        return (self >> UInt64(lo)) & mask
    }

    @inlinable func bit(_ n: Int) -> Bool { (self >> UInt64(n)) & 1 == 1 }

    /// A mask with bits `hi:lo` set.
    @inlinable static func mask(_ hi: Int, _ lo: Int) -> UInt64 {
        let width = hi - lo + 1
        let ones: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) - 1
        return ones << UInt64(lo)
    }

    /// `value` placed in field `hi:lo`; bits of `value` that do not fit are dropped.
    @inlinable static func field(_ value: UInt64, _ hi: Int, _ lo: Int) -> UInt64 {
        (value << UInt64(lo)) & mask(hi, lo)
    }

    @inlinable static func flag(_ set: Bool, _ n: Int) -> UInt64 { set ? 1 << UInt64(n) : 0 }
}

/// Formats a value as `0x...` hexadecimal (no Foundation).
@inlinable public func hex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }

/// Parses `0x...` hexadecimal or plain decimal; nil on anything else.
public func parseInteger(_ text: Substring) -> UInt64? {
    var s = text
    while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
    if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
    return UInt64(s, radix: 10)
}
public func parseInteger(_ text: String) -> UInt64? { parseInteger(Substring(text)) }
