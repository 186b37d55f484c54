/// Something the guest did that the VMM refused or could not honour. The VMM stays up,
/// records it and reports it; none of these is fatal.
public enum GuestViolation: Hashable, Sendable, CustomStringConvertible {
    case unclaimedPort(port: UInt16, size: Int, isWrite: Bool)
    case unclaimedMMIO(address: UInt64, size: Int, isWrite: Bool)
    case malformedAccess(what: String)
    case readOnlyConfigWrite(device: String, offset: Int, value: UInt32)
    case configAccessOutOfRange(device: String, offset: Int, size: Int)
    case barOutsideWindow(device: String, bar: Int, address: UInt64)
    case romOutsideWindow(device: String, address: UInt64)
    case msiAddressRejected(device: String, address: UInt64)
    case deviceRegisterWrite(device: String, offset: UInt64, value: UInt64)
    /// The host side failed while carrying out a guest request (not the guest's fault, still reported).
    case hostFailure(device: String, what: String)

    public var description: String {
        func hex<T: BinaryInteger>(_ v: T) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case .unclaimedPort(let p, let s, let w):
            return "\(w ? "write to" : "read from") unclaimed port \(hex(p)) (\(s) bytes)"
        case .unclaimedMMIO(let a, let s, let w):
            return "\(w ? "write to" : "read from") unclaimed MMIO \(hex(a)) (\(s) bytes)"
        case .malformedAccess(let what): return "malformed access: \(what)"
        case .readOnlyConfigWrite(let d, let o, let v):
            return "\(d): write of \(hex(v)) to read-only config offset \(hex(o)) ignored"
        case .configAccessOutOfRange(let d, let o, let s):
            return "\(d): config access of \(s) bytes at \(hex(o)) out of range"
        case .barOutsideWindow(let d, let b, let a):
            return "\(d): BAR\(b) placed at \(hex(a)), outside the guest's MMIO window; not mapped"
        case .romOutsideWindow(let d, let a): return "\(d): ROM placed at \(hex(a)), outside the MMIO window; not mapped"
        case .msiAddressRejected(let d, let a): return "\(d): MSI address \(hex(a)) is not the interrupt window; not routed"
        case .hostFailure(let d, let what): return "\(d): host failure: \(what)"
        case .deviceRegisterWrite(let d, let o, let v):
            return "\(d): write of \(hex(v)) to read-only register at BAR offset \(hex(o)) ignored"
        }
    }
}

/// Collects guest violations with bounded memory: the first `keep` in full, then only counts,
/// so a guest that loops on bad accesses cannot grow the VMM.
public final class GuestEventLog {
    public let keep: Int
    public private(set) var recent: [GuestViolation] = []
    public private(set) var total = 0
    /// Called for each violation as it happens (e.g. a line on stderr), if set.
    public var onViolation: ((GuestViolation) -> Void)?

    public init(keep: Int = 64) { self.keep = keep }

    public func record(_ v: GuestViolation) {
        total += 1
        if recent.count < keep { recent.append(v) }
        if total <= keep { onViolation?(v) }
    }

    public var summary: String {
        total == 0 ? "nothing to report"
            : "\(total) event(s) reported" + (total > recent.count ? " (first \(recent.count) kept)" : "")
    }
}
