import SluiceSystem
@testable import SluiceVMM

/// A fake e1000e-like function for unit tests of the VMM's own passthrough logic: a type-0
/// config space with BAR0 (128 KiB, 32-bit), BAR2 (I/O), BAR3 (16 KiB, MSI-X table at 0, PBA at
/// 0x2000), a 64-bit prefetchable BAR4, a ROM, and PM -> MSI (64-bit, maskable) -> MSI-X capabilities.
/// It records every write that reaches "hardware".
final class FakeAssignedDevice: AssignedDevice {
    var name = "0000:01:00.0"
    var kvmVFIOFile: CInt? = nil
    var config = [UInt8](repeating: 0, count: 256)
    var hardwareWrites: [(offset: Int, size: Int, value: UInt32)] = []
    var interruptCalls: [(kind: AssignedInterruptKind, fds: [CInt])] = []
    var intxUnmask: CInt?
    var resets = 0
    var regionWrites: [(Int, UInt64, UInt64)] = []
    let bar0 = try! MemoryMapping(anonymousSize: 128 << 10)
    static let msiOffset = 0xd0, msixOffset = 0xa0, pmOffset = 0xc8

    init() {
        func put(_ o: Int, _ n: Int, _ v: UInt32) { for i in 0..<n { config[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
        put(0x00, 4, 0x10d3_8086)
        put(0x06, 2, 0x0010)               // capability list
        put(0x08, 4, 0x0200_0000)          // ethernet
        put(0x10, 4, 0x0000_0000)          // BAR0 mem32
        put(0x18, 4, 0x0000_0001)          // BAR2 I/O
        put(0x1c, 4, 0x0000_0000)          // BAR3 mem32
        put(0x20, 4, 0x0000_000c)          // BAR4 mem64 prefetchable
        put(0x2c, 4, 0x0000_8086)
        put(0x34, 1, UInt32(Self.pmOffset))
        put(0x3d, 1, 1)                    // INTA
        put(Self.pmOffset, 4, 0x0003_d001 | UInt32(Self.msiOffset) << 8)    // PM -> MSI
        put(Self.msiOffset, 4, 0x0180_0005 | UInt32(Self.msixOffset) << 8)  // MSI 64-bit, maskable -> MSI-X
        put(Self.msixOffset, 4, 0x0004_0011)   // MSI-X, 5 vectors, end of list
        put(Self.msixOffset + 4, 4, 0x0000_0003)  // table: BAR3 offset 0
        put(Self.msixOffset + 8, 4, 0x0000_2003)  // PBA: BAR3 offset 0x2000
        bar0.store(UInt32(0x8008_0783), at: 8)    // STATUS
    }

    func regionInfo(_ index: Int) throws -> AssignedRegionInfo? {
        switch index {
        case 0: return AssignedRegionInfo(size: 128 << 10)
        case 2: return AssignedRegionInfo(size: 32, mmappable: false)
        case 3: return AssignedRegionInfo(size: 16 << 10)
        case 4: return AssignedRegionInfo(size: 1 << 20)
        case 6: return AssignedRegionInfo(size: 64 << 10, writable: false, mmappable: false)
        default: return nil
        }
    }

    func mapRegion(_ index: Int, offset: UInt64, size: Int) throws -> MemoryMapping {
        if index == 0 && offset == 0 && size == bar0.size { return bar0 }
        return try MemoryMapping(anonymousSize: size)
    }

    func readRegion(_ index: Int, offset: UInt64, size: Int) throws -> UInt64 { 0x5a5a }
    func writeRegion(_ index: Int, offset: UInt64, size: Int, value: UInt64) throws { regionWrites.append((index, offset, value)) }

    func readConfig(offset: Int, size: Int) throws -> UInt32 {
        (0..<size).reduce(0) { $0 | UInt32(config[offset + $1]) << (8 * UInt32($1)) }
    }

    func writeConfig(offset: Int, size: Int, value: UInt32) throws { hardwareWrites.append((offset, size, value)) }

    func interruptCount(_ kind: AssignedInterruptKind) -> Int { kind == .msix ? 5 : 1 }
    func setInterrupts(_ kind: AssignedInterruptKind, start: Int, eventFDs: [CInt]) throws { interruptCalls.append((kind, eventFDs)) }
    func setINTxUnmask(eventFD: CInt?) throws { intxUnmask = eventFD }
    func reset() throws { resets += 1 }
}

/// Records routing calls (a unit-test InterruptRouter).
final class RecordingRouter: InterruptRouter {
    var routes: [UInt32: (address: UInt64, data: UInt32)] = [:]
    var injected: [(UInt64, UInt32)] = []
    var triggers: [UInt32: InterruptEventFD] = [:]
    var next: UInt32 = 24

    func allocateGSIs(_ count: Int) throws -> UInt32 { defer { next += UInt32(count) }; return next }
    func routeMSI(gsi: UInt32, address: UInt64, data: UInt32, trigger: InterruptEventFD) throws {
        routes[gsi] = (address, data)
        triggers[gsi] = trigger
    }
    func unrouteMSI(gsi: UInt32, trigger: InterruptEventFD) throws { routes[gsi] = nil }
    func injectMSI(address: UInt64, data: UInt32) throws { injected.append((address, data)) }
    func routeINTx(gsi: UInt32, trigger: InterruptEventFD, resample: InterruptEventFD) throws {}
}

final class RecordingPlacement: BARPlacementDelegate {
    var placements: [(bar: Int, address: UInt64?)] = []
    var rom: [UInt64?] = []
    func placeBAR(_ bar: BARState, at address: UInt64?) { placements.append((bar.index, address)) }
    func placeROM(size: UInt64, at address: UInt64?) { rom.append(address) }
}
