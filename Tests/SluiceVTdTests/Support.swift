import SluiceTestSupport
@testable import SluiceVTd

/// The shared generator (Tests/SluiceTestSupport), visible to every file of this target.
typealias TestRNG = SluiceTestSupport.SplitMix64

/// Register values of the QEMU 7.2 intel-iommu seen in the lab (NOTES.md).
enum LabRegisters {
    static let cap: UInt64 = 0xd2_008c_2226_0286
    static let ecapLegacy: UInt64 = 0xf0_0f4a
    static let ecapScalable: UInt64 = 0x4800_80f0_0f4a
}

/// A capable synthetic unit: 3/4/5-level second stage, 2M/1G pages, first stage 4/5-level with
/// 1G pages, nested, pass-through, snoop control, PASIDs, ERS/SRS, 8 fault-recording registers.
enum FullUnit {
    static func cap(cachingMode: Bool = false) -> UInt64 {
        6 | (cachingMode ? 1 << 7 : 0) | 0b1110 << 8 | 56 << 16 | 0x22 << 24 | 0b11 << 34 | 1 << 39 | 7 << 40
            | 18 << 48 | 1 << 56 | 1 << 59 | 1 << 60
    }
    static let ecap: UInt64 = 1 << 1 | 1 << 2 | 1 << 3 | 1 << 6 | 1 << 7 | 0xf << 8 | 1 << 26 | 1 << 30 | 1 << 31
        | 19 << 35 | 1 << 40 | 1 << 43 | 1 << 46 | 1 << 47 | 1 << 49
}

/// Memory, a structure builder and registers for one unit.
struct TestSystem {
    let memory = PhysicalMemory()
    var structures: RemappingStructureBuilder
    var allocator: PageAllocator
    var registers: RegisterSet

    init(mode: TranslationTableMode, cap: UInt64 = FullUnit.cap(), ecap: UInt64 = FullUnit.ecap, tableBase: UInt64 = 0x1000_0000) {
        structures = RemappingStructureBuilder(mode: mode, memory: memory, allocator: PageAllocator(base: tableBase))
        allocator = PageAllocator(base: tableBase + 0x100_0000)
        registers = RegisterSet(capability: cap, extendedCapability: ecap, rootTableAddress: structures.rootTableAddress)
    }

    mutating func pageTable(levels: Int, format: PageTableBuilder.Format = .secondStage) -> PageTableBuilder {
        let b = PageTableBuilder(format: format, levels: levels, memory: memory, allocator: allocator,
                                 largePages: Capability(registers.capability.raw).secondStageLargePageSupport)
        allocator = b.allocator
        return b
    }

    /// Keeps the shared allocator past pages a builder allocated.
    mutating func adopt(_ b: PageTableBuilder) { if b.allocator.next > allocator.next { allocator = b.allocator } }

    var walker: Walker { Walker(memory: memory, registers: registers) }
    func translate(_ r: DMARequest) -> TranslationResult { walker.translate(r) }
}

let device = SourceID(bus: 1, device: 0, function: 0)
