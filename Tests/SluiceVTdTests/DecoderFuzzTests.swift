import Testing
@testable import SluiceVTd

/// Deterministic fuzzing of everything that reads untrusted values: random registers and random
/// memory images whose qwords mostly point at other pages of the image (so tables form cycles and
/// self-references). Nothing may crash or hang, and every fault must carry a defined reason.
@Suite struct DecoderFuzzTests {
    static let knownCodes: Set<UInt8> = Set((0x01...0x0e).map(UInt8.init)).union([0x30, 0x31, 0x38, 0x39, 0x3a, 0x40, 0x41, 0x42, 0x44, 0x45,
        0x46, 0x48, 0x50, 0x51, 0x52, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x70, 0x71, 0x72, 0x78, 0x7a, 0x80, 0x81, 0x82, 0x83, 0x85, 0x86, 0x87])

    static func randomImage(_ rng: inout TestRNG) -> (PhysicalMemory, [UInt64]) {
        let memory = PhysicalMemory()
        let pages = (0..<Int.random(in: 1...12, using: &rng)).map { _ in UInt64.random(in: 0...0xfff, using: &rng) << 12 }
        for page in pages {
            for i in 0..<512 {
                let q: UInt64
                switch UInt64.random(in: 0..<8, using: &rng) {
                case 0: q = 0
                case 1: q = rng.next()
                case 2: q = pages.randomElement(using: &rng)! | (rng.next() & 0xfff)
                default:
                    // Mostly well-formed pointers/leaves: present, R/W, sometimes PS or snoop.
                    q = pages.randomElement(using: &rng)! | [0x1, 0x3, 0x7, 0x83, 0x803, 0x9, 0x89][Int.random(in: 0..<7, using: &rng)]
                }
                memory.write(q, at: page + UInt64(i) * 8)
            }
        }
        return (memory, pages)
    }

    static func randomRegisters(_ rng: inout TestRNG, pages: [UInt64]) -> RegisterSet {
        var r = RegisterSet()
        r.capability = Capability(Bool.random(using: &rng) ? rng.next() : FullUnit.cap(cachingMode: Bool.random(using: &rng)))
        r.extendedCapability = ExtendedCapability(Bool.random(using: &rng) ? rng.next() : FullUnit.ecap)
        r.rootTableAddress = RootTableAddress(pages.randomElement(using: &rng)! | UInt64.random(in: 0...3, using: &rng) << 10)
        r.interruptRemapTableAddress = InterruptRemapTableAddress(pages.randomElement(using: &rng)! | (rng.next() & 0x80f))
        r.invalidationQueueAddress = InvalidationQueueAddress(pages.randomElement(using: &rng)! | (rng.next() & 0x807))
        r.invalidationQueueHead = InvalidationQueuePointer(rng.next())
        r.invalidationQueueTail = InvalidationQueuePointer(rng.next())
        r.globalStatus = GlobalStatus(rng.next())
        r.hostAddressWidth = Int.random(in: 12...64, using: &rng)
        return r
    }

    @Test func randomTablesNeverCrashOrLoop() {
        var rng = TestRNG(seed: 0x5eed_f00d)
        var translations = 0, faults = 0
        for _ in 0..<250 {
            let (memory, pages) = Self.randomImage(&rng)
            let registers = Self.randomRegisters(&rng, pages: pages)
            let walker = Walker(memory: memory, registers: registers)
            let unit = RemappingUnit(registers: registers, memory: memory, iotlbCapacity: 64)
            for _ in 0..<40 {
                let request = DMARequest(sourceID: SourceID(UInt16.random(in: 0...0xffff, using: &rng) & (Bool.random(using: &rng) ? 0xffff : 0x00ff)),
                                         pasid: Bool.random(using: &rng) ? UInt32.random(in: 0...0xfffff, using: &rng) : nil,
                                         address: Bool.random(using: &rng) ? rng.next() : rng.next() & 0xff_ffff_ffff,
                                         kind: Bool.random(using: &rng) ? .read : .write,
                                         execute: Bool.random(using: &rng), privileged: Bool.random(using: &rng),
                                         translationRequest: UInt8.random(in: 0...7, using: &rng) == 0)
                var trace: [WalkStep]? = []
                let direct = walker.translate(request, trace: &trace)
                #expect((trace?.count ?? 0) <= 16)
                let cached = unit.translate(request)
                switch (direct, cached) {
                case (.translated(let a), .translated(let b)):
                    translations += 1
                    #expect(a.address == b.address)
                case (.fault(let a), .fault(let b)):
                    faults += 1
                    #expect(Self.knownCodes.contains(a.reason.code), "unknown reason \(a.reason)")
                    #expect(a.reason == b.reason || registers.capability.cachingMode)
                default:
                    #expect(registers.capability.cachingMode, "walker and unit disagree without caching mode")
                }
            }
            let dump = StructureDump(memory: memory, registers: registers, entryBudget: 20_000)
            #expect(dump.tablePages.count <= pages.count)
            let ir = InterruptRemapper(memory: memory, registers: registers)
            for _ in 0..<20 {
                _ = ir.remap(InterruptRequest(sourceID: SourceID(UInt16.random(in: 0...0xffff, using: &rng)),
                                              address: 0xfee0_0000 | UInt32.random(in: 0...0xfffff, using: &rng), data: UInt32.random(in: 0...UInt32.max, using: &rng)))
            }
            _ = unit.processInvalidationQueue()
        }
        // The generator must reach both outcomes, or the test proves little.
        #expect(translations > 0 && faults > 0)
    }

    @Test func randomDescriptorsDecodeOrReject() {
        var rng = TestRNG(seed: 42)
        var decoded = 0
        for _ in 0..<200_000 {
            var q = [rng.next() & (Bool.random(using: &rng) ? 0xffff_ffff_ffff_f0ff : 0xffff_ffff_0000_003f), rng.next()]
            if Bool.random(using: &rng) { q[1] &= ~0xfff }
            if Bool.random(using: &rng) { q += [0, 0] }
            if case .success(let d) = InvalidationDescriptor.decode(q) {
                decoded += 1
                #expect(InvalidationDescriptor.decode(d.encode(wide: q.count == 4)) == .success(d))
            }
        }
        #expect(decoded > 0)
    }

    @Test func selfReferencingTablesTerminate() {
        let memory = PhysicalMemory()
        // Root table whose every entry points at itself as a context table; every context entry
        // points at the same page as its second-stage table, and every PTE points there too.
        let page: UInt64 = 0x1000
        for i in 0..<512 { memory.write(page | 0x3, at: page + UInt64(i) * 8) }
        for mode in [TranslationTableMode.legacy, .scalable] {
            let registers = RegisterSet(capability: FullUnit.cap(), extendedCapability: FullUnit.ecap,
                                        rootTableAddress: RootTableAddress(address: page, mode: mode))
            let walker = Walker(memory: memory, registers: registers)
            var trace: [WalkStep]? = []
            let r = walker.translate(DMARequest(sourceID: device, address: 0x1234_5000), trace: &trace)
            #expect(r.fault != nil || r.translation != nil)
            #expect((trace?.count ?? 0) <= 16)
            let dump = StructureDump(memory: memory, registers: registers, entryBudget: 1 << 20)
            #expect(dump.tablePages.count <= 1)
        }
    }

    @Test func memoryImageDirectoryRejectsMalformedFiles() throws {
        let dir = "/tmp/sluice-vtd-test-\(UInt64.random(in: 0...UInt64.max))"
        let memory = PhysicalMemory()
        memory.write(0x1122_3344_5566_7788, at: 0x7f00_0008)
        memory.write(1, at: 0x1_0000_0000)
        try MemoryImageDirectory.save(memory, to: dir)
        let loaded = try MemoryImageDirectory.load(dir)
        #expect(loaded.pageAddresses == [0x7f00_0000, 0x1_0000_0000])
        #expect(loaded.qword(at: 0x7f00_0008) == 0x1122_3344_5566_7788)
        try writeFile(dir + "/README", Array("not a page".utf8))   // ignored: not hex
        _ = try MemoryImageDirectory.load(dir)
        try writeFile(dir + "/abc000.bin", [1, 2, 3])
        #expect(throws: VTdInputError.self) { try MemoryImageDirectory.load(dir) }
        try writeFile(dir + "/abc000.bin", [UInt8](repeating: 0, count: 8192))
        let two = try MemoryImageDirectory.load(dir)
        #expect(two.contains(page: 0xabc000) && two.contains(page: 0xabd000))
        try writeFile(dir + "/abc010.bin", [UInt8](repeating: 0, count: 4096))
        #expect(throws: VTdInputError.self) { try MemoryImageDirectory.load(dir) }
        #expect(throws: VTdInputError.self) { try MemoryImageDirectory.load(dir + "/missing") }
    }
}
