import Testing
@testable import SluiceVTd

/// Every fault reason the walk can produce, each from a minimal change to a working setup.
@Suite struct FaultPathTests {
    struct Case: Sendable {
        let label: String
        let code: UInt8
        let request: DMARequest
        let change: @Sendable (inout TestSystem) -> Void
    }

    static let rw: UInt64 = 0x1000, ro: UInt64 = 0x2000, unmapped: UInt64 = 0x3000

    /// Legacy: 01:00.0 in domain 1, 4-level tables mapping 0x1000 (rw) and 0x2000 (r).
    static func legacy() -> TestSystem {
        var sys = TestSystem(mode: .legacy)
        var pt = sys.pageTable(levels: 4)
        try! pt.map(iova: rw, to: 0x50_0000, size: 4096, permissions: .readWrite)
        try! pt.map(iova: ro, to: 0x60_0000, size: 4096, permissions: .read)
        sys.adopt(pt)
        sys.structures.attach(device, domainID: 1, secondStageTable: pt.root, levels: 4)
        return sys
    }

    /// Scalable: RID_PASID 0 second-stage as above, PASID 5 first-stage (4-level; 0x1000 rw user,
    /// 0x2000 r user, 0x4000 supervisor, 0x5000 XD), PASID 6 nested over the second stage.
    static func scalable(ecap: UInt64 = FullUnit.ecap) -> TestSystem {
        var sys = TestSystem(mode: .scalable, ecap: ecap)
        var ss = sys.pageTable(levels: 4)
        try! ss.map(iova: rw, to: 0x50_0000, size: 4096, permissions: .readWrite)
        try! ss.map(iova: ro, to: 0x60_0000, size: 4096, permissions: .read)
        sys.adopt(ss)
        sys.structures.attach(device, domainID: 1, secondStageTable: ss.root, levels: 4)
        var fs = sys.pageTable(levels: 4, format: .firstStage)
        try! fs.map(iova: rw, to: 0x70_0000, size: 4096, permissions: .readWrite)
        try! fs.map(iova: ro, to: 0x71_0000, size: 4096, permissions: .read)
        try! fs.map(iova: 0x4000, to: 0x72_0000, size: 4096, permissions: [.read, .write, .execute])
        try! fs.map(iova: 0x5000, to: 0x73_0000, size: 4096, permissions: .readWrite)
        sys.adopt(fs)
        // Make 0x4000 supervisor-only: clear U/S in its PTE.
        let pte4 = FaultPathTests.firstStagePTE(sys, root: fs.root, iova: 0x4000)
        sys.memory.write(sys.memory.qword(at: pte4)! & ~4, at: pte4)
        sys.structures.writePASIDEntry(device, pasid: 5, PASIDTableEntry(translationType: .firstStage, domainID: 2, firstStageTable: fs.root,
                                                                         supervisorEnable: true))
        // Nested: first-stage tables at guest-physical = host-physical (identity second stage over the tables).
        var id = sys.pageTable(levels: 4)
        try! id.map(iova: 0, to: 0, size: 1 << 30, permissions: .readWrite)
        sys.adopt(id)
        sys.structures.writePASIDEntry(device, pasid: 6, PASIDTableEntry(translationType: .nested, domainID: 3, secondStageTable: id.root,
                                                                         levels: 4, firstStageTable: fs.root))
        return sys
    }

    static func firstStagePTE(_ sys: TestSystem, root: UInt64, iova: UInt64) -> UInt64 {
        var table = root
        for level in stride(from: 4, to: 1, by: -1) {
            table = sys.memory.qword(at: table + ((iova >> UInt64(12 + 9 * (level - 1))) & 511) * 8)! & UInt64.mask(51, 12)
        }
        return table + ((iova >> 12) & 511) * 8
    }

    static func rootSlot(_ sys: TestSystem, bus: UInt8 = 1) -> UInt64 { sys.structures.rootTable + UInt64(bus) * 16 }
    static func legacyContextSlot(_ sys: TestSystem) -> UInt64 {
        (sys.memory.qword(at: rootSlot(sys))! & ~0xfff) + UInt64(device.devfn) * 16
    }
    static func scalableContextSlot(_ sys: TestSystem) -> UInt64 {
        (sys.memory.qword(at: rootSlot(sys))! & ~0xfff) + UInt64(device.devfn & 0x7f) * 32
    }
    static func pasidDirectory(_ sys: TestSystem) -> UInt64 { sys.memory.qword(at: scalableContextSlot(sys))! & ~0xfff }
    static func pasidEntry(_ sys: TestSystem, _ pasid: UInt32) -> UInt64 {
        (sys.memory.qword(at: pasidDirectory(sys) + UInt64(pasid >> 6) * 8)! & ~0xfff) + UInt64(pasid & 63) * 64
    }
    static func secondStageRoot(_ sys: TestSystem) -> UInt64 { sys.memory.qword(at: pasidEntry(sys, 0))! & ~0xfff }
    static func orBits(_ sys: inout TestSystem, _ address: UInt64, _ bits: UInt64) {
        sys.memory.write(sys.memory.qword(at: address)! | bits, at: address)
    }

    static let absent: UInt64 = 0xdead_0000

    static let legacyCases: [Case] = [
        Case(label: "root entry not present", code: 0x01, request: DMARequest(sourceID: SourceID(bus: 2, device: 0, function: 0), address: rw)) { _ in },
        Case(label: "context entry not present", code: 0x02, request: DMARequest(sourceID: SourceID(bus: 1, device: 1, function: 0), address: rw)) { _ in },
        Case(label: "TT reserved", code: 0x03, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, legacyContextSlot($0), 0b1100) },
        Case(label: "AW not in SAGAW", code: 0x03, request: DMARequest(sourceID: device, address: rw)) {
            $0.registers.capability = Capability(LabRegisters.cap)
        },
        Case(label: "address beyond AW", code: 0x04, request: DMARequest(sourceID: device, address: 1 << 48)) { _ in },
        Case(label: "write to read-only", code: 0x05, request: DMARequest(sourceID: device, address: ro, kind: .write)) { _ in },
        Case(label: "read unmapped", code: 0x06, request: DMARequest(sourceID: device, address: unmapped)) { _ in },
        Case(label: "write unmapped", code: 0x05, request: DMARequest(sourceID: device, address: unmapped, kind: .write)) { _ in },
        Case(label: "page table page absent", code: 0x07, request: DMARequest(sourceID: device, address: rw)) {
            let slot = legacyContextSlot($0)
            $0.memory.write(($0.memory.qword(at: slot)! & 0xfff) | absent, at: slot)
        },
        Case(label: "root table absent", code: 0x08, request: DMARequest(sourceID: device, address: rw)) {
            $0.registers.rootTableAddress = RootTableAddress(address: absent, mode: .legacy)
        },
        Case(label: "context table absent", code: 0x09, request: DMARequest(sourceID: device, address: rw)) {
            $0.memory.write(absent | 1, at: rootSlot($0))
        },
        Case(label: "root entry reserved", code: 0x0a, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, rootSlot($0), 2) },
        Case(label: "context entry reserved", code: 0x0b, request: DMARequest(sourceID: device, address: rw)) {
            orBits(&$0, legacyContextSlot($0) + 8, 0x80)
        },
        Case(label: "PS in PML4E", code: 0x0c, request: DMARequest(sourceID: device, address: rw)) {
            let root = $0.memory.qword(at: legacyContextSlot($0))! & ~0xfff
            orBits(&$0, root, 0x80)
        },
        Case(label: "translation request with TT=00", code: 0x0d, request: DMARequest(sourceID: device, address: rw, translationRequest: true)) { _ in },
        Case(label: "read of the interrupt address range", code: 0x0e, request: DMARequest(sourceID: device, address: 0xfee0_0000)) { _ in },
        Case(label: "PASID in legacy mode", code: 0x31, request: DMARequest(sourceID: device, pasid: 1, address: rw)) { _ in },
    ]

    static let scalableCases: [Case] = [
        Case(label: "TTM reserved", code: 0x30, request: DMARequest(sourceID: device, address: rw)) {
            $0.registers.rootTableAddress = RootTableAddress(address: $0.structures.rootTable, mode: .reserved)
        },
        Case(label: "root table absent", code: 0x38, request: DMARequest(sourceID: device, address: rw)) {
            $0.registers.rootTableAddress = RootTableAddress(address: absent, mode: .scalable)
        },
        Case(label: "root not present", code: 0x39, request: DMARequest(sourceID: SourceID(bus: 2, device: 0, function: 0), address: rw)) { _ in },
        Case(label: "upper root half not present", code: 0x39, request: DMARequest(sourceID: SourceID(bus: 1, device: 16, function: 0), address: rw)) { _ in },
        Case(label: "root reserved", code: 0x3a, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, rootSlot($0), 4) },
        Case(label: "context table absent", code: 0x40, request: DMARequest(sourceID: device, address: rw)) { $0.memory.write(absent | 1, at: rootSlot($0)) },
        Case(label: "context not present", code: 0x41, request: DMARequest(sourceID: SourceID(bus: 1, device: 2, function: 0), address: rw)) { _ in },
        Case(label: "context reserved", code: 0x42, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, scalableContextSlot($0) + 16, 1) },
        Case(label: "translation request with DTE=0", code: 0x44, request: DMARequest(sourceID: device, address: rw, translationRequest: true)) { _ in },
        Case(label: "PASID with PASIDE=0", code: 0x45, request: DMARequest(sourceID: device, pasid: 5, address: rw)) {
            let slot = scalableContextSlot($0)
            $0.memory.write($0.memory.qword(at: slot)! & ~8, at: slot)
        },
        Case(label: "PASID beyond directory", code: 0x46, request: DMARequest(sourceID: device, pasid: 0x10000, address: rw)) { _ in },
        Case(label: "RID_PASID beyond directory", code: 0x48, request: DMARequest(sourceID: device, address: rw)) {
            orBits(&$0, scalableContextSlot($0) + 8, 9000)
        },
        Case(label: "PASID directory absent", code: 0x50, request: DMARequest(sourceID: device, address: rw)) {
            let slot = scalableContextSlot($0)
            $0.memory.write(($0.memory.qword(at: slot)! & 0xfff) | absent, at: slot)
        },
        Case(label: "PASID directory entry not present", code: 0x51, request: DMARequest(sourceID: device, pasid: 64, address: rw)) { _ in },
        Case(label: "PASID directory entry reserved", code: 0x52, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, pasidDirectory($0), 4) },
        Case(label: "PASID table absent", code: 0x58, request: DMARequest(sourceID: device, address: rw)) { $0.memory.write(absent | 1, at: pasidDirectory($0)) },
        Case(label: "PASID entry not present", code: 0x59, request: DMARequest(sourceID: device, pasid: 7, address: rw)) { _ in },
        Case(label: "PASID entry reserved", code: 0x5a, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, pasidEntry($0, 0) + 8, 1 << 16) },
        Case(label: "PGTT reserved", code: 0x5b, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, pasidEntry($0, 0), 7 << 6) },
        Case(label: "first stage unsupported", code: 0x5b, request: DMARequest(sourceID: device, pasid: 5, address: rw)) {
            $0.registers.extendedCapability = ExtendedCapability(LabRegisters.ecapScalable | 1 << 40)
        },
        Case(label: "execute with ERE=0", code: 0x5c, request: DMARequest(sourceID: device, pasid: 5, address: rw, execute: true)) { _ in },
        Case(label: "supervisor with SRE=0", code: 0x5d, request: DMARequest(sourceID: device, pasid: 6, address: rw, privileged: true)) { _ in },
        Case(label: "first-stage table absent", code: 0x70, request: DMARequest(sourceID: device, pasid: 5, address: rw)) {
            let e = pasidEntry($0, 5) + 16
            $0.memory.write(($0.memory.qword(at: e)! & 0xfff) | absent, at: e)
        },
        Case(label: "first-stage not present", code: 0x71, request: DMARequest(sourceID: device, pasid: 5, address: unmapped)) { _ in },
        Case(label: "first-stage PS in PML4E", code: 0x72, request: DMARequest(sourceID: device, pasid: 5, address: rw)) {
            orBits(&$0, $0.memory.qword(at: pasidEntry($0, 5) + 16)! & ~0xfff, 0x80)
        },
        Case(label: "second-stage table absent", code: 0x78, request: DMARequest(sourceID: device, address: rw)) {
            let e = pasidEntry($0, 0)
            $0.memory.write(($0.memory.qword(at: e)! & 0xfff) | absent, at: e)
        },
        Case(label: "second-stage reserved", code: 0x7a, request: DMARequest(sourceID: device, address: rw)) { orBits(&$0, secondStageRoot($0), 1 << 62) },
        Case(label: "non-canonical", code: 0x80, request: DMARequest(sourceID: device, pasid: 5, address: 0x8000_0000_0000)) { _ in },
        Case(label: "user to supervisor page", code: 0x81, request: DMARequest(sourceID: device, pasid: 5, address: 0x4000)) { _ in },
        Case(label: "execute on XD page", code: 0x82, request: DMARequest(sourceID: device, pasid: 5, address: 0x5000, execute: true)) {
            orBits(&$0, pasidEntry($0, 5) + 16, 2)   // ERE
        },
        Case(label: "beyond second-stage width", code: 0x83, request: DMARequest(sourceID: device, address: 1 << 48)) { _ in },
        Case(label: "write to read-only", code: 0x85, request: DMARequest(sourceID: device, address: ro, kind: .write)) { _ in },
        Case(label: "first-stage write to read-only", code: 0x85, request: DMARequest(sourceID: device, pasid: 5, address: ro, kind: .write)) { _ in },
        Case(label: "nested write to read-only", code: 0x85, request: DMARequest(sourceID: device, pasid: 6, address: ro, kind: .write)) { _ in },
        Case(label: "read of the interrupt address range", code: 0x87, request: DMARequest(sourceID: device, address: 0xfee0_1000)) { _ in },
        Case(label: "read unmapped", code: 0x86, request: DMARequest(sourceID: device, address: unmapped)) { _ in },
    ]

    @Test(arguments: legacyCases.indices)
    func legacyFault(_ i: Int) {
        let c = Self.legacyCases[i]
        var sys = Self.legacy()
        #expect(sys.translate(DMARequest(sourceID: device, address: Self.rw)).translation?.address == 0x50_0000)
        c.change(&sys)
        let result = sys.translate(c.request)
        #expect(result.fault?.reason.code == c.code, "\(c.label): \(result)")
    }

    @Test(arguments: scalableCases.indices)
    func scalableFault(_ i: Int) {
        let c = Self.scalableCases[i]
        var sys = Self.scalable()
        c.change(&sys)
        let result = sys.translate(c.request)
        #expect(result.fault?.reason.code == c.code, "\(c.label): \(result)")
    }

    @Test func scalableTranslationsSucceed() {
        let sys = Self.scalable()
        #expect(sys.translate(DMARequest(sourceID: device, address: Self.rw + 0x10, kind: .write)).translation?.address == 0x50_0010)
        #expect(sys.translate(DMARequest(sourceID: device, pasid: 5, address: Self.rw + 8)).translation?.address == 0x70_0008)
        #expect(sys.translate(DMARequest(sourceID: device, pasid: 5, address: 0x4000, privileged: true)).translation?.address == 0x72_0000)
        let nested = sys.translate(DMARequest(sourceID: device, pasid: 6, address: Self.rw, kind: .write))
        #expect(nested.translation?.address == 0x70_0000 && nested.translation?.domainID == 3)
        // Supervisor write to a read-only first-stage page is allowed without WPE.
        #expect(sys.translate(DMARequest(sourceID: device, pasid: 5, address: Self.ro, kind: .write, privileged: true)).translation != nil)
    }

    @Test func passThroughAndFaultProcessingDisable() {
        var sys = TestSystem(mode: .legacy)
        sys.structures.attachPassThrough(device, domainID: 9)
        let t = sys.translate(DMARequest(sourceID: device, address: 0x1234_5678))
        #expect(t.translation?.address == 0x1234_5678 && t.translation?.passThrough == true)
        var fpd = Self.legacy()
        let slot = Self.legacyContextSlot(fpd)
        Self.orBits(&fpd, slot, 2)
        let f = fpd.translate(DMARequest(sourceID: device, address: Self.unmapped))
        #expect(f.fault?.reason == .readDenied && f.fault?.suppressed == true)
    }
}

@Suite struct StructureDumpTests {
    @Test func listsEveryPASIDAndStage() {
        let sys = FaultPathTests.scalable()
        let dump = StructureDump(memory: sys.memory, registers: sys.registers)
        let listed = dump.devices.filter { $0.sourceID == device }
        #expect(listed.map(\.pasid) == [nil, 5, 6])   // PASID 0 is the RID_PASID: listed once, without PASID
        let byPASID = Dictionary(uniqueKeysWithValues: listed.map { ($0.pasid ?? 0, $0) })
        // RID_PASID (0): second stage.
        #expect(byPASID[0]?.ranges.map { [$0.iova, $0.address, $0.size] } == [[0x1000, 0x50_0000, 0x1000], [0x2000, 0x60_0000, 0x1000]])
        // PASID 5: first stage; PASID 6: the same first-stage tables read through the identity second stage.
        let fs = byPASID[5]?.ranges.map { [$0.iova, $0.address] }
        #expect(fs == [[0x1000, 0x70_0000], [0x2000, 0x71_0000], [0x4000, 0x72_0000], [0x5000, 0x73_0000]])
        #expect(byPASID[6]?.ranges.map { [$0.iova, $0.address] } == fs)
        #expect(byPASID[5]?.ranges[1].permissions == .read && byPASID[5]?.ranges[2].permissions == [.read, .write, .execute])
    }
}
