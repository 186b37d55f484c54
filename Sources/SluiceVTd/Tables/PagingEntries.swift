/// Second-stage paging entry (64 bits; old name second-level). Legacy and scalable mode share it.
///   0 R, 1 W, 2 X, 5:3 EMT, 6 IPAT (leaf), 7 PS (leaf at level 2/3), 8 A, 9 D, 11 SNP (leaf),
///   HAW-1:12 address, 61:52 ignored, 62 reserved (was TM), 63 ignored.
public struct SecondStageEntry: Sendable, Equatable {
    public var raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(table: UInt64, permissions: Permissions = [.read, .write, .execute]) {
        raw = (table & ~0xfff) | UInt64(permissions.rawValue & 7)
    }
    /// A leaf mapping a page of `pageSize` at `address`.
    public init(page address: UInt64, pageSize: UInt64, permissions: Permissions, snoop: Bool = false,
                ignorePAT: Bool = false, memoryType: UInt8 = 0) {
        raw = (address & ~(pageSize - 1)) | UInt64(permissions.rawValue & 7) | .field(UInt64(memoryType), 5, 3)
            | .flag(ignorePAT, 6) | .flag(pageSize > 4096, 7) | .flag(snoop, 11)
    }
    public var permissions: Permissions { Permissions(rawValue: UInt8(raw & 7)) }
    /// R=W=0: the hardware treats the entry as not present.
    public var present: Bool { raw & 3 != 0 }
    public var memoryType: UInt8 { UInt8(raw.bits(5, 3)) }
    public var ignorePAT: Bool { raw.bit(6) }
    public var pageSize: Bool { raw.bit(7) }
    public var accessed: Bool { raw.bit(8) }
    public var dirty: Bool { raw.bit(9) }
    public var snoop: Bool { raw.bit(11) }
    public var address: UInt64 { raw & UInt64.mask(51, 12) }

    /// Reserved bits for this entry at `level` (1 = PTE ... 5 = PML5E), per the specification's
    /// formats: PS where no large page is allowed, the low address bits of a large page, bit 62,
    /// address bits above HAW, and SNP when the unit has no snoop control.
    public func reservedBits(level: Int, hostAddressWidth: Int, largePages: UInt64, snoopControl: Bool) -> UInt64 {
        var r = raw & (UInt64.mask(62, 62) | (aboveWidth(hostAddressWidth) & UInt64.mask(51, 0)))
        let leaf = level == 1 || pageSize
        if level >= 4 || (level == 2 && !largePages.bit(0)) || (level == 3 && !largePages.bit(1)) {
            r |= raw & UInt64.mask(7, 7)   // PS not allowed here
        }
        if leaf {
            if level == 2 { r |= raw & UInt64.mask(20, 12) }
            if level == 3 { r |= raw & UInt64.mask(29, 12) }
            if !snoopControl { r |= raw & UInt64.mask(11, 11) }
        } else {
            r |= raw & UInt64.mask(11, 11)
        }
        return r
    }
}

/// First-stage paging entry (IA-32e format; old name first-level).
///   0 P, 1 R/W, 2 U/S, 3 PWT, 4 PCD, 5 A, 6 D (leaf), 7 PS, 8 G (leaf), 10 EA, 12 PAT (large leaf),
///   HAW-1:12 address, 63 XD.
public struct FirstStageEntry: Sendable, Equatable {
    public var raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public init(table: UInt64) { raw = (table & ~0xfff) | 0b111 }   // P, R/W, U/S: leaves decide
    public init(page address: UInt64, pageSize: UInt64, writable: Bool, user: Bool = true, executeDisable: Bool = false) {
        raw = (address & ~(pageSize - 1)) | 1 | .flag(writable, 1) | .flag(user, 2) | .flag(pageSize > 4096, 7)
            | .flag(executeDisable, 63)
    }
    public var present: Bool { raw.bit(0) }
    public var writable: Bool { raw.bit(1) }
    public var user: Bool { raw.bit(2) }
    public var pageSize: Bool { raw.bit(7) }
    public var executeDisable: Bool { raw.bit(63) }
    public var address: UInt64 { raw & UInt64.mask(51, 12) }

    public func reservedBits(level: Int, hostAddressWidth: Int, oneGiBPages: Bool, noExecuteEnable: Bool) -> UInt64 {
        var r = raw & (aboveWidth(hostAddressWidth) & UInt64.mask(51, 0))
        if !noExecuteEnable { r |= raw & UInt64.mask(63, 63) }
        if level >= 4 || (level == 3 && !oneGiBPages) { r |= raw & UInt64.mask(7, 7) }
        if pageSize && level == 2 { r |= raw & UInt64.mask(20, 13) }
        if pageSize && level == 3 { r |= raw & UInt64.mask(29, 13) }
        return r
    }
}
