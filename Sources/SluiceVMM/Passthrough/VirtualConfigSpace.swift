/// Where an assigned function's BARs may be placed, and what the VMM does when they move.
public protocol BARPlacementDelegate: AnyObject {
    /// Installs BAR `index` at `address`, or removes it (nil): memory slots for its directly
    /// mapped parts, trapped MMIO for the rest.
    func placeBAR(_ bar: BARState, at address: UInt64?)
    /// Maps the expansion ROM (read-only, trapped) at `address`, or removes it (nil).
    func placeROM(size: UInt64, at address: UInt64?)
}

/// The configuration space an assigned function shows the guest. The header's identity, BARs,
/// ROM BAR, interrupt line, capability headers, MSI and MSI-X control are emulated here and
/// never written to hardware; command goes to hardware only through a mask; device-specific
/// registers pass through. Every guest placement (BAR, ROM, MSI address) is checked against
/// what the VMM allows and refused, reported, when outside.
public final class VirtualConfigSpace {
    public let name: String
    private let snapshot: [UInt8]
    private let capabilities: PCICapabilities
    public private(set) var bars: [BARState?]
    public private(set) var rom: ROMBARState
    /// Guest-visible command bits; hardware sees only `hardwareCommandMask` of them.
    public private(set) var command: UInt16 = 0
    public static let hardwareCommandMask: UInt16 = 0x0406  // memory, bus master, INTx disable
    public static let guestCommandMask: UInt16 = 0x0547     // + I/O, parity, SERR (kept virtual)
    private var interruptLine: UInt8 = 0
    private var cacheLineSize: UInt8 = 0, latencyTimer: UInt8 = 0
    private var placed: [UInt64?] = .init(repeating: nil, count: 6)
    private var refusedPlacement: [UInt64?] = .init(repeating: nil, count: 7)
    public let allowedWindows: [GuestRange]
    public let msi: MSIEmulation?
    public let msix: MSIXEmulation?
    private let msixOffset: Int?
    private let device: AssignedDevice
    private let events: GuestEventLog
    public weak var placementDelegate: BARPlacementDelegate?

    public enum SetupError: Error, Equatable { case notType0Header, unreadableConfig(String) }

    /// Reads the device's config space and region sizes once; BARs start unplaced.
    public init(device: AssignedDevice, router: InterruptRouter, events: GuestEventLog,
                allowedWindows: [GuestRange]) throws(SetupError) {
        self.device = device
        self.events = events
        self.allowedWindows = allowedWindows
        name = device.name
        var bytes = [UInt8](repeating: 0, count: 256)
        do {
            for o in stride(from: 0, to: 256, by: 4) {
                let v = try device.readConfig(offset: o, size: 4)
                for i in 0..<4 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
            }
        } catch { throw .unreadableConfig("\(error)") }
        guard bytes[0x0e] & 0x7f == 0 else { throw .notType0Header }
        snapshot = bytes
        capabilities = PCICapabilities(config: bytes)
        var bars: [BARState?] = .init(repeating: nil, count: 6)
        var i = 0
        while i < 6 {
            let raw = UInt32(bytes[0x10 + 4 * i]) | UInt32(bytes[0x11 + 4 * i]) << 8
            let size = (try? device.regionInfo(i))??.size ?? 0
            let is64 = raw & 0x1 == 0 && raw & 0x6 == 0x4 && i < 5
            // I/O BARs are not offered: the VMM has no port I/O passthrough.
            if size >= 16, size.nonzeroBitCount == 1, raw & 0x1 == 0 {
                bars[i] = BARState(index: i, kind: is64 ? .memory64 : .memory32, size: max(size, 4096),
                                   prefetchable: raw & 0x8 != 0)
            }
            i += is64 ? 2 : 1
        }
        self.bars = bars
        let romSize = (try? device.regionInfo(6))??.size ?? 0
        rom = ROMBARState(size: romSize.nonzeroBitCount == 1 ? romSize : 0)
        if let o = capabilities.offset(of: PCICapabilities.msiID), o + 4 <= 256 {
            msi = MSIEmulation(capabilityOffset: o, hardwareControl: UInt16(bytes[o + 2]) | UInt16(bytes[o + 3]) << 8,
                               device: device, router: router, events: events)
        } else {
            msi = nil
        }
        if let o = capabilities.offset(of: PCICapabilities.msixID), o + 12 <= 256 {
            func dword(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } }
            let control = dword(o) >> 16
            let table = dword(o + 4), pba = dword(o + 8)
            msix = MSIXEmulation(vectorCount: Int(control & 0x7ff) + 1, tableBAR: Int(table & 7),
                                 tableOffset: UInt64(table & ~7), pbaBAR: Int(pba & 7), pbaOffset: UInt64(pba & ~7),
                                 device: device, router: router, events: events)
            msixOffset = o
        } else {
            msix = nil
            msixOffset = nil
        }
    }

    /// The interrupt line firmware would have written (the GSI the VMM wired INTx to).
    public func setInterruptLine(_ line: UInt8) { interruptLine = line }

    /// Places BAR `index` before the guest runs (the VMM's own allocation, like firmware would).
    public func assignBAR(_ index: Int, address: UInt64) {
        guard var bar = bars[index] else { return }
        bar.write(slot: 0, UInt32(truncatingIfNeeded: address))
        if bar.kind == .memory64 { bar.write(slot: 1, UInt32(truncatingIfNeeded: address >> 32)) }
        bars[index] = bar
        refreshPlacements()
    }

    // MARK: Guest access (offset aligned to size, inside 256 or 4096 bytes: the root checked)

    public func read(offset: Int, size: Int) -> UInt32 {
        let aligned = offset & ~3
        let dword = readDword(aligned)
        let shift = UInt32(offset - aligned) * 8
        return size == 4 ? dword : (dword >> shift) & ((1 << (UInt32(size) * 8)) - 1)
    }

    public func write(offset: Int, size: Int, value: UInt32) {
        let aligned = offset & ~3
        let shift = UInt32(offset - aligned) * 8
        let byteMask = UInt8(((1 << size) - 1) << (offset - aligned))
        if let handled = emulatedWrite(aligned, offset: offset, size: size, value: value, shift: shift, byteMask: byteMask),
           handled {
            return
        }
        // Device-specific registers: to hardware, exactly as written.
        do { try device.writeConfig(offset: offset, size: size, value: value) }
        catch { events.record(.hostFailure(device: name, what: "config write at 0x\(String(offset, radix: 16)): \(error)")) }
    }

    private func merged(_ aligned: Int, _ value: UInt32, _ shift: UInt32, _ size: Int) -> UInt32 {
        let mask: UInt32 = size == 4 ? ~0 : ((1 << (UInt32(size) * 8)) - 1) << shift
        return (readDword(aligned) & ~mask) | ((value << shift) & mask)
    }

    private func snapshotDword(_ o: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(snapshot[o + $1]) << (8 * UInt32($1)) }
    }

    private func readDword(_ o: Int) -> UInt32 {
        switch o {
        case 0x00, 0x08, 0x2c: return snapshotDword(o)
        case 0x04:
            let status = (try? device.readConfig(offset: 0x06, size: 2)) ?? 0
            return UInt32(command) | (UInt32(status) | UInt32(snapshot[0x06] & 0x10)) << 16
        case 0x0c: return UInt32(cacheLineSize) | UInt32(latencyTimer) << 8 | UInt32(snapshot[0x0e] & 0x7f) << 16
        case 0x10...0x24:
            let slot = (o - 0x10) / 4
            if let bar = bars[slot] { return bar.read(slot: 0) }
            if slot > 0, let lower = bars[slot - 1], lower.kind == .memory64 { return lower.read(slot: 1) }
            return 0
        case 0x30: return rom.read()
        case 0x34: return UInt32(snapshot[0x34] & 0xfc)
        case 0x28, 0x38: return 0
        case 0x3c: return UInt32(interruptLine) | UInt32(snapshot[0x3d]) << 8 | UInt32(snapshot[0x3e]) << 16 | UInt32(snapshot[0x3f]) << 24
        default: break
        }
        if let m = msi, o >= m.capabilityOffset, o < m.capabilityOffset + m.length {
            return m.readDword(o - m.capabilityOffset, header: UInt16(snapshot[m.capabilityOffset]) | UInt16(snapshot[m.capabilityOffset + 1]) << 8)
        }
        if let x = msix, let c = msixOffset, o >= c, o < c + 12 {
            if o == c {
                let control = UInt32(snapshot[c + 2]) | UInt32(snapshot[c + 3]) << 8
                let live = (x.enabled ? 0x8000 : 0) | (x.functionMasked ? 0x4000 : 0)
                return UInt32(snapshot[c]) | UInt32(snapshot[c + 1]) << 8 | ((control & 0x7ff) | UInt32(live)) << 16
            }
            return snapshotDword(o)
        }
        if o < 256 && capabilities.headerOffsets.contains(o) {
            // Capability ID and next pointer from the snapshot; the rest of the dword is live.
            let live = (try? device.readConfig(offset: o, size: 4)) ?? 0
            return (live & 0xffff_0000) | UInt32(snapshot[o]) | UInt32(snapshot[o + 1]) << 8
        }
        return (try? device.readConfig(offset: o, size: 4)) ?? ~0
    }

    /// nil/false: not emulated, pass through. true: handled here.
    private func emulatedWrite(_ o: Int, offset: Int, size: Int, value: UInt32, shift: UInt32, byteMask: UInt8) -> Bool? {
        switch o {
        case 0x00, 0x08:
            if merged(o, value, shift, size) != snapshotDword(o) {
                events.record(.readOnlyConfigWrite(device: name, offset: offset, value: value))
            }
            return true
        case 0x04:
            let v = merged(o, value, shift, size)
            if byteMask & 0b0011 != 0 { setCommand(UInt16(truncatingIfNeeded: v) & Self.guestCommandMask) }
            if byteMask & 0b1100 != 0 {
                // Status: only its write-1-to-clear error bits reach hardware.
                let clear = UInt16(truncatingIfNeeded: v >> 16) & 0xf900
                if clear != 0 { try? device.writeConfig(offset: 0x06, size: 2, value: UInt32(clear)) }
            }
            return true
        case 0x0c:
            let v = merged(o, value, shift, size)
            cacheLineSize = UInt8(truncatingIfNeeded: v)
            latencyTimer = UInt8(truncatingIfNeeded: v >> 8)
            return true
        case 0x10...0x24:
            guard size == 4 else { return true }  // BARs are programmed with dword writes
            let slot = (o - 0x10) / 4
            if bars[slot] != nil { bars[slot]!.write(slot: 0, value) }
            else if slot > 0, bars[slot - 1]?.kind == .memory64 { bars[slot - 1]!.write(slot: 1, value) }
            refreshPlacements()
            checkROM()
            return true
        case 0x30:
            rom.write(merged(o, value, shift, size))
            checkROM()
            return true
        case 0x3c:
            if byteMask & 1 != 0 { interruptLine = UInt8(truncatingIfNeeded: merged(o, value, shift, size)) }
            return true
        case 0x28, 0x2c, 0x34, 0x38: return true  // cardbus, subsystem, capability pointer, reserved: read-only
        default: break
        }
        if let m = msi, o >= m.capabilityOffset, o < m.capabilityOffset + m.length {
            m.writeDword(o - m.capabilityOffset, merged(o, value, shift, size), bytes: byteMask)
            return true
        }
        if let x = msix, let c = msixOffset, o >= c, o < c + 12 {
            if o == c && byteMask & 0b1000 != 0 {
                let control = merged(o, value, shift, size) >> 16
                x.setControl(enabled: control & 0x8000 != 0, functionMasked: control & 0x4000 != 0)
            }
            return true
        }
        if o < 256 && capabilities.headerOffsets.contains(o) && byteMask & 0b0011 != 0 {
            events.record(.readOnlyConfigWrite(device: name, offset: offset, value: value))
            return true
        }
        return nil
    }

    private func setCommand(_ new: UInt16) {
        let old = command
        command = new
        if (old ^ new) & Self.hardwareCommandMask != 0 {
            do { try device.writeConfig(offset: 0x04, size: 2, value: UInt32(new & Self.hardwareCommandMask)) }
            catch { events.record(.hostFailure(device: name, what: "command write: \(error)")) }
        }
        if (old ^ new) & 0x2 != 0 {
            refreshPlacements()
            checkROM()
        }
    }

    // MARK: Placement checks

    private func allowed(_ r: GuestRange) -> Bool {
        r.size > 0 && allowedWindows.contains { $0.start <= r.start && r.end <= $0.end }
    }

    /// Installs each BAR the guest placed legally and decoding is on for; removes the others.
    private func refreshPlacements() {
        let decoding = command & 0x2 != 0
        var claimed: [GuestRange] = []
        for i in 0..<6 {
            guard let bar = bars[i] else { continue }
            var want: UInt64? = nil
            if decoding && !bar.isSizingPattern && bar.address != 0 {
                if !bar.address.addingReportingOverflow(bar.size).overflow, allowed(bar.range),
                   !claimed.contains(where: { $0.overlaps(bar.range) }) {
                    want = bar.address
                    claimed.append(bar.range)
                } else if refusedPlacement[i] != bar.address {
                    refusedPlacement[i] = bar.address
                    events.record(.barOutsideWindow(device: name, bar: i, address: bar.address))
                }
            }
            if placed[i] != want {
                placed[i] = want
                placementDelegate?.placeBAR(bar, at: want)
            }
        }
    }

    public func placement(ofBAR i: Int) -> UInt64? { placed[i] }

    /// Maps the ROM when it is enabled, decoding is on and its range is legal (inside the window,
    /// clear of every placed BAR); reports an illegal placement once.
    private func checkROM() {
        var want: UInt64? = nil
        if rom.enabled && rom.size > 0 {
            let r = GuestRange(start: rom.address, size: rom.size)
            if allowed(r) && !bars.compactMap({ $0 }).contains(where: { placed[$0.index] != nil && $0.range.overlaps(r) }) {
                want = command & 0x2 != 0 ? rom.address : nil
            } else if refusedPlacement[6] != rom.address {
                refusedPlacement[6] = rom.address
                events.record(.romOutsideWindow(device: name, address: rom.address))
            }
        }
        if want != romPlacement {
            romPlacement = want
            placementDelegate?.placeROM(size: rom.size, at: want)
        }
    }

    /// Where the ROM is mapped, if it is.
    public private(set) var romPlacement: UInt64?
    public var romIsMapped: Bool { romPlacement != nil }
}
