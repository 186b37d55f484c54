/// PCI segment 0 as the guest reaches it: functions by address, and the two configuration
/// mechanisms (ports 0xCF8/0xCFC and ECAM) that both end in `read`/`write` here, where every
/// offset and size is checked before a function sees it.
public final class PCIRoot {
    /// A handful of functions, searched in order. Not a Dictionary: the first Dictionary of a
    /// new key type costs the Swift runtime a scan of every protocol conformance in the binary
    /// (tens of microseconds) before the guest's first instruction.
    private var functions: [(address: PCIFunctionAddress, function: any PCIFunction)] = []
    let events: GuestEventLog

    public init(events: GuestEventLog) { self.events = events }

    public func attach(_ f: any PCIFunction, at address: PCIFunctionAddress) {
        if let i = functions.firstIndex(where: { $0.address == address }) {
            functions[i].function = f
        } else {
            functions.append((address, f))
        }
    }

    public var addresses: [PCIFunctionAddress] {
        functions.map(\.address).sorted { ($0.bus, $0.device, $0.function) < ($1.bus, $1.device, $1.function) }
    }

    private func function(at address: PCIFunctionAddress) -> (any PCIFunction)? {
        functions.first { $0.address == address }?.function
    }

    /// Absent functions read as all ones: that is how a scan tells they are absent.
    public func read(_ address: PCIFunctionAddress, offset: Int, size: Int) -> UInt32 {
        guard let f = function(at: address) else { return size == 4 ? ~0 : (1 << (8 * UInt32(size))) - 1 }
        guard valid(offset, size, f, address) else { return size == 4 ? ~0 : (1 << (8 * UInt32(size))) - 1 }
        return f.configRead(offset: offset, size: size)
    }

    public func write(_ address: PCIFunctionAddress, offset: Int, size: Int, value: UInt32) {
        guard let f = function(at: address), valid(offset, size, f, address) else { return }
        f.configWrite(offset: offset, size: size, value: value)
    }

    private func valid(_ offset: Int, _ size: Int, _ f: any PCIFunction, _ a: PCIFunctionAddress) -> Bool {
        guard [1, 2, 4].contains(size), offset >= 0, offset % size == 0, offset + size <= f.configSize else {
            events.record(.configAccessOutOfRange(device: a.description, offset: offset, size: size))
            return false
        }
        return true
    }
}

/// Configuration mechanism #1: a dword address latch at 0xCF8 and a data window at 0xCFC-0xCFF.
/// The byte at 0xCF9 is the reset control register, as on PC chipsets.
public final class PCIConfigPorts: BusDevice {
    public static let base: UInt64 = 0xcf8, size: UInt64 = 8
    private let root: PCIRoot
    private var latch: UInt32 = 0
    private var resetControl: UInt8 = 0
    public private(set) var resetRequested = false

    public init(root: PCIRoot) { self.root = root }

    /// The latched target: enable bit set, bus/device/function, register (extended bits 27:24 for 4 KiB space).
    private func target(_ dataOffset: Int) -> (PCIFunctionAddress, Int)? {
        guard latch & 0x8000_0000 != 0,
              let a = PCIFunctionAddress(bus: UInt8(truncatingIfNeeded: latch >> 16),
                                         device: UInt8((latch >> 11) & 0x1f), function: UInt8((latch >> 8) & 7))
        else { return nil }
        let register = Int(latch & 0xfc) | Int((latch >> 16) & 0xf00)
        return (a, register + dataOffset)
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        switch (offset, size) {
        case (0, 4): return UInt64(latch)
        case (1, 1): return UInt64(resetControl)
        case (4..<8, _):
            guard Int(offset - 4) + size <= 4, let (a, o) = target(Int(offset - 4)) else { return allOnes(size) }
            return UInt64(root.read(a, offset: o, size: size))
        default:
            return allOnes(size)
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        switch (offset, size) {
        case (0, 4): latch = UInt32(truncatingIfNeeded: value) & 0x8fff_fffc
        case (1, 1):
            resetControl = UInt8(truncatingIfNeeded: value) & 0x0e
            if value & 0x04 != 0 { resetRequested = true }
        case (3, 1):
            // 0xCFB: the PCI chipsets' configuration-mechanism select. Linux writes 1 (mechanism #1,
            // the only one here) before probing for it, so this write is expected, not malformed.
            break
        case (4..<8, _):
            guard Int(offset - 4) + size <= 4 else {
                root.events.record(.malformedAccess(what: "\(size)-byte config data access at port 0x\(String(0xcf8 + offset, radix: 16)) crosses 0xCFF"))
                return
            }
            guard let (a, o) = target(Int(offset - 4)) else { return }
            root.write(a, offset: o, size: size, value: UInt32(truncatingIfNeeded: value))
        default:
            root.events.record(.malformedAccess(what: "\(size)-byte write to PCI config address port 0x\(String(0xcf8 + offset, radix: 16))"))
        }
    }

    private func allOnes(_ size: Int) -> UInt64 { size >= 8 ? ~0 : (1 << (8 * UInt64(size))) - 1 }
}

/// ECAM (memory-mapped configuration, PCIe): 1 MiB per bus, 4 KiB per function.
public final class PCIECAM: BusDevice {
    public static let base: UInt64 = 0xe000_0000
    public let buses: Int
    private let root: PCIRoot

    public init(root: PCIRoot, buses: Int = 1) {
        self.root = root
        self.buses = buses
    }

    public var size: UInt64 { UInt64(buses) << 20 }

    private func decode(_ offset: UInt64) -> (PCIFunctionAddress, Int)? {
        PCIFunctionAddress(bus: UInt8(truncatingIfNeeded: offset >> 20), device: UInt8((offset >> 15) & 0x1f),
                           function: UInt8((offset >> 12) & 7)).map { ($0, Int(offset & 0xfff)) }
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard size <= 4, let (a, o) = decode(offset) else {
            root.events.record(.malformedAccess(what: "\(size)-byte ECAM read at offset 0x\(String(offset, radix: 16))"))
            return ~0
        }
        return UInt64(root.read(a, offset: o, size: size))
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard size <= 4, let (a, o) = decode(offset) else {
            root.events.record(.malformedAccess(what: "\(size)-byte ECAM write at offset 0x\(String(offset, radix: 16))"))
            return
        }
        root.write(a, offset: o, size: size, value: UInt32(truncatingIfNeeded: value))
    }
}
