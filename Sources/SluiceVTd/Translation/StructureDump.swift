/// Everything reachable from the root table: each attached device (and PASID), its address
/// space and the ranges it can reach. Bounded and loop-safe: a table page is visited at most once
/// per level, and at most `entryBudget` entries are read, so self-referencing or hostile tables
/// terminate.
public struct StructureDump {
    public struct MappedRange: Sendable, Equatable {
        public var iova: UInt64
        public var address: UInt64
        public var size: UInt64
        public var permissions: Permissions
    }
    public struct Device: Sendable {
        public var sourceID: SourceID
        public var pasid: UInt32?
        public var space: AddressSpace?
        public var fault: FaultReason?
        public var ranges: [MappedRange]
    }
    public var devices: [Device] = []
    /// Page-table pages reached (not counting root/context/PASID structures).
    public var tablePages: Set<UInt64> = []
    public var truncated = false
    private var nestedSecondStage: (SecondStageConfig, PageWalker)?

    public init(memory: PhysicalMemory, registers: RegisterSet, entryBudget: Int = 1 << 22) {
        var budget = entryBudget
        let resolver = ContextResolver(memory: memory, registers: registers)
        let rta = registers.rootTableAddress
        guard rta.mode == .legacy || rta.mode == .scalable else { return }
        for bus in 0..<256 {
            guard let lo = memory.qword(at: rta.address + UInt64(bus) * 16), let hi = memory.qword(at: rta.address + UInt64(bus) * 16 + 8)
            else { continue }
            for devfn in 0..<256 {
                let present = rta.mode == .legacy ? lo.bit(0) : (devfn < 128 ? lo.bit(0) : hi.bit(0))
                guard present else { continue }
                let sid = SourceID(UInt16(bus) << 8 | UInt16(devfn))
                let contextPointer = (rta.mode == .legacy || devfn < 128 ? lo : hi) & ~0xfff
                let contextAddress = rta.mode == .legacy ? contextPointer + UInt64(devfn) * 16 : contextPointer + UInt64(devfn & 0x7f) * 32
                guard let c0 = memory.qword(at: contextAddress), c0.bit(0) else { continue }
                var requests = [DMARequest(sourceID: sid, address: 0)]
                if rta.mode == .scalable, let c = memory.qwords(at: contextAddress, count: 4),
                   ScalableContextEntry(c[0], c[1], c[2], c[3]).pasidEnable {
                    // The RID_PASID entry is already listed as the request without PASID.
                    let context = ScalableContextEntry(c[0], c[1], c[2], c[3])
                    let ridPASID = registers.extendedCapability.ridPASID ? context.ridPASID : 0
                    requests += presentPASIDs(memory: memory, context: context, budget: &budget)
                        .filter { $0 != ridPASID }.map { DMARequest(sourceID: sid, pasid: $0, address: 0) }
                }
                for request in requests {
                    var none: [WalkStep]? = nil
                    switch resolver.resolve(request, trace: &none) {
                    case .failure(let b):
                        devices.append(Device(sourceID: sid, pasid: request.pasid, space: nil, fault: b.reason, ranges: []))
                    case .success(let space):
                        let ranges = enumerate(space, memory: memory, registers: registers, budget: &budget)
                        devices.append(Device(sourceID: sid, pasid: request.pasid, space: space, fault: nil, ranges: ranges))
                    }
                    if budget <= 0 { truncated = true; return }
                }
            }
        }
    }

    private func presentPASIDs(memory: PhysicalMemory, context: ScalableContextEntry, budget: inout Int) -> [UInt32] {
        var out = [UInt32]()
        for d in 0..<context.directoryEntries {
            budget -= 1
            if budget <= 0 { break }
            guard let de = memory.qword(at: context.pasidDirectoryPointer + UInt64(d) * 8), de.bit(0) else { continue }
            for i in 0..<64 {
                budget -= 1
                if let w = memory.qword(at: (de & ~0xfff) + UInt64(i) * 64), w.bit(0) { out.append(UInt32(d * 64 + i)) }
            }
        }
        return out
    }

    private mutating func enumerate(_ space: AddressSpace, memory: PhysicalMemory, registers: RegisterSet,
                                    budget: inout Int) -> [MappedRange] {
        var ranges = [MappedRange]()
        var visited = Set<UInt64>()
        switch space.kind {
        case .passThrough:
            return [MappedRange(iova: 0, address: 0, size: 1 << UInt64(min(registers.hostAddressWidth, 63)), permissions: [.read, .write])]
        case .secondStage(let ss):
            visit(table: ss.table, level: ss.levels, base: 0, inherited: [.read, .write, .execute], firstStage: false,
                  memory: memory, visited: &visited, budget: &budget, ranges: &ranges)
        case .firstStage(let fs):
            visit(table: fs.table, level: fs.levels, base: 0, inherited: [.read, .write, .execute], firstStage: true,
                  memory: memory, visited: &visited, budget: &budget, ranges: &ranges)
        case .nested(let fs, let ss):
            // The first-stage tables live at guest-physical addresses: read them through the second
            // stage. The listed outputs are guest-physical too.
            nestedSecondStage = (ss, PageWalker(memory: memory, registers: registers))
            visit(table: fs.table, level: fs.levels, base: 0, inherited: [.read, .write, .execute], firstStage: true,
                  memory: memory, visited: &visited, budget: &budget, ranges: &ranges)
            nestedSecondStage = nil
        }
        return ranges
    }

    private mutating func visit(table: UInt64, level: Int, base: UInt64, inherited: Permissions, firstStage: Bool,
                                memory: PhysicalMemory, visited: inout Set<UInt64>, budget: inout Int, ranges: inout [MappedRange]) {
        var table = table
        if let (ss, walker) = nestedSecondStage {
            var none: [WalkStep]? = nil
            guard case .success(let leaf) = walker.secondStage(ss, address: table, request: DMARequest(sourceID: SourceID(0), address: table),
                                                                 scalable: true, trace: &none) else { return }
            table = leaf.address | (table & (leaf.pageSize - 1))
        }
        guard visited.insert(table | UInt64(level)).inserted, let entries = memory.page(at: table) else { return }
        tablePages.insert(table)
        let shift = UInt64(12 + 9 * (level - 1))
        for (i, raw) in entries.enumerated() {
            budget -= 1
            if budget <= 0 { truncated = true; return }
            let iova = base | UInt64(i) << shift
            let present: Bool, perms: Permissions, address: UInt64, leaf: Bool
            if firstStage {
                let e = FirstStageEntry(raw)
                present = e.present
                perms = inherited.intersection(Permissions.read.union(e.writable ? .write : []).union(e.executeDisable ? [] : .execute))
                address = e.address; leaf = level == 1 || (e.pageSize && level <= 3)
            } else {
                let e = SecondStageEntry(raw)
                present = e.present
                perms = inherited.intersection(e.permissions)
                address = e.address; leaf = level == 1 || e.pageSize
            }
            guard present else { continue }
            if leaf {
                let size: UInt64 = 1 << shift
                let out = address & ~(size - 1)
                if var last = ranges.last, last.iova + last.size == iova, last.address + last.size == out, last.permissions == perms {
                    last.size += size
                    ranges[ranges.count - 1] = last
                } else {
                    ranges.append(MappedRange(iova: iova, address: out, size: size, permissions: perms))
                }
            } else {
                visit(table: address, level: level - 1, base: iova, inherited: perms, firstStage: firstStage,
                      memory: memory, visited: &visited, budget: &budget, ranges: &ranges)
            }
        }
    }
}
