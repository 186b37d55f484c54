/// Walks second-stage and first-stage (IA-32e) page tables (VT-d spec Sections 3.6-3.8, 9.7-9.9).
/// Depth is bounded by the table's level count (at most 5), so a table that points at itself
/// ends the walk at the last level with a fault or a (nonsense but finite) translation.
struct PageWalker {
    let memory: PhysicalMemory
    let registers: RegisterSet

    struct Leaf {
        var address: UInt64
        var pageSize: UInt64
        var permissions: Permissions
        var snoop: Bool
        var ignorePAT: Bool
        var memoryType: UInt8
        /// First stage: every level had U/S=1. Always true for second-stage leaves.
        var user = true
    }

    func walk(_ space: AddressSpace, _ request: DMARequest, trace: inout [WalkStep]?) -> Result<Leaf, Blocked> {
        switch space.kind {
        case .passThrough:
            return .success(Leaf(address: request.address & ~0xfff, pageSize: 4096, permissions: [.read, .write, .execute],
                                 snoop: space.pageSnoop, ignorePAT: false, memoryType: 0))
        case .secondStage(let ss):
            return secondStage(ss, address: request.address, request: request, scalable: space.scalable, trace: &trace)
        case .firstStage(let fs):
            return firstStage(fs, request, nestedIn: nil, trace: &trace).map {
                var leaf = $0; leaf.snoop = leaf.snoop || space.pageSnoop; return leaf
            }
        case .nested(let fs, let ss):
            switch firstStage(fs, request, nestedIn: ss, trace: &trace) {
            case .failure(let b): return .failure(b)
            case .success(let gpaLeaf):
                // The first stage's output is a guest-physical address: translate it too.
                let gpa = gpaLeaf.address | (request.address & (gpaLeaf.pageSize - 1))
                return secondStage(ss, address: gpa, request: request, scalable: true, trace: &trace).map { hpa in
                    let size = min(hpa.pageSize, gpaLeaf.pageSize)
                    return Leaf(address: (hpa.address | (gpa & (hpa.pageSize - 1))) & ~(size - 1), pageSize: size,
                                permissions: hpa.permissions.intersection(gpaLeaf.permissions), snoop: hpa.snoop || space.pageSnoop,
                                ignorePAT: hpa.ignorePAT, memoryType: hpa.memoryType, user: gpaLeaf.user)
                }
            }
        }
    }

    // MARK: second stage

    func secondStage(_ ss: SecondStageConfig, address: UInt64, request: DMARequest, scalable: Bool,
                     trace: inout [WalkStep]?) -> Result<Leaf, Blocked> {
        let cap = registers.capability
        let width = min(12 + 9 * ss.levels, cap.maximumGuestAddressWidth)
        if width < 64 && address >> UInt64(width) != 0 {
            return .failure(Blocked(reason: scalable ? .smAddressBeyondWidth : .addressBeyondGuestWidth))
        }
        let accessError: FaultReason = scalable ? .smSecondStageAccessError : .pagingEntryAccessError
        let reservedError: FaultReason = scalable ? .smSecondStageReserved : .pagingEntryReserved
        let denied = AccessCheck.deniedReason(request, scalable: scalable)
        var permissions: Permissions = [.read, .write, .execute]
        var table = ss.table
        var level = ss.levels
        while level >= 1 {
            let shift = UInt64(12 + 9 * (level - 1))
            let entryAddress = table + ((address >> shift) & 511) * 8
            guard let raw = memory.qword(at: entryAddress) else { return .failure(Blocked(reason: accessError)) }
            let entry = SecondStageEntry(raw)
            let leaf = level == 1 || entry.pageSize
            if trace != nil {
                trace!.append(WalkStep(structure: "second-stage \(Self.levelName(level)) [\((address >> shift) & 511)]",
                                       entryAddress: entryAddress, value: [raw],
                                       detail: entry.present ? "\(entry.permissions) \(leaf ? "page" : "table") \(hex(entry.address))\(leaf && level > 1 ? " (\(Self.sizeName(1 << shift)))" : "")\(entry.snoop ? " SNP" : "")" : "not present"))
            }
            guard entry.present else { return .failure(Blocked(reason: denied, notPresent: true)) }
            guard entry.reservedBits(level: level, hostAddressWidth: registers.hostAddressWidth,
                                     largePages: cap.secondStageLargePageSupport,
                                     snoopControl: registers.extendedCapability.snoopControl) == 0 else {
                return .failure(Blocked(reason: reservedError))
            }
            permissions.formIntersection(entry.permissions)
            if leaf {
                if !ss.executeEnable { permissions.remove(.execute) }
                let size: UInt64 = 1 << shift
                return .success(Leaf(address: entry.address & ~(size - 1), pageSize: size, permissions: permissions,
                                     snoop: entry.snoop, ignorePAT: entry.ignorePAT, memoryType: entry.memoryType))
            }
            table = entry.address
            level -= 1
        }
        return .failure(Blocked(reason: reservedError))   // unreachable: level 1 is always a leaf
    }

    // MARK: first stage

    func firstStage(_ fs: FirstStageConfig, _ request: DMARequest, nestedIn ss: SecondStageConfig?,
                    trace: inout [WalkStep]?) -> Result<Leaf, Blocked> {
        let address = request.address
        let width = fs.levels == 5 ? 57 : 48
        // Canonical: bits 63:width-1 all equal.
        let top = Int64(bitPattern: address) >> Int64(width - 1)
        guard top == 0 || top == -1 else { return .failure(Blocked(reason: .smNonCanonical)) }
        var table = fs.table
        var writable = true, user = true, executeDisable = false
        var level = fs.levels
        while level >= 1 {
            if let ss {
                // Nested: the table address is guest-physical; the second stage must allow reading it.
                let fetch = DMARequest(sourceID: request.sourceID, pasid: request.pasid, address: table, kind: .read)
                switch secondStage(ss, address: table, request: fetch, scalable: true, trace: &trace) {
                case .failure(let b): return .failure(b)
                case .success(let leaf):
                    if !leaf.permissions.contains(.read) { return .failure(Blocked(reason: .smReadDenied)) }
                    table = leaf.address | (table & (leaf.pageSize - 1))
                }
            }
            let shift = UInt64(12 + 9 * (level - 1))
            let entryAddress = table + ((address >> shift) & 511) * 8
            guard let raw = memory.qword(at: entryAddress) else { return .failure(Blocked(reason: .smFirstStageAccessError)) }
            let entry = FirstStageEntry(raw)
            let leaf = level == 1 || (entry.pageSize && level <= 3)
            if trace != nil {
                trace!.append(WalkStep(structure: "first-stage \(Self.firstStageLevelName(level)) [\((address >> shift) & 511)]",
                                       entryAddress: entryAddress, value: [raw],
                                       detail: entry.present ? "\(entry.writable ? "rw" : "r-")\(entry.user ? " user" : " supervisor")\(entry.executeDisable ? " XD" : "") \(leaf ? "page" : "table") \(hex(entry.address))" : "not present"))
            }
            guard entry.present else { return .failure(Blocked(reason: .smFirstStageNotPresent, notPresent: true)) }
            guard entry.reservedBits(level: level, hostAddressWidth: registers.hostAddressWidth,
                                     oneGiBPages: registers.capability.firstStage1GiBPages, noExecuteEnable: fs.noExecute) == 0 else {
                return .failure(Blocked(reason: .smFirstStageReserved))
            }
            writable = writable && entry.writable
            user = user && entry.user
            executeDisable = executeDisable || (fs.noExecute && entry.executeDisable)
            if leaf {
                var permissions: Permissions = [.read]
                if writable { permissions.insert(.write) }
                if !executeDisable { permissions.insert(.execute) }
                let size: UInt64 = 1 << shift
                return .success(Leaf(address: entry.address & ~(size - 1), pageSize: size, permissions: permissions,
                                     snoop: false, ignorePAT: false, memoryType: 0, user: user))
            }
            table = entry.address
            level -= 1
        }
        return .failure(Blocked(reason: .smFirstStageReserved))
    }

    static func levelName(_ level: Int) -> String {
        ["PTE", "PDE", "PDPE", "PML4E", "PML5E"][level - 1]
    }
    static func firstStageLevelName(_ level: Int) -> String { levelName(level) }
    static func sizeName(_ size: UInt64) -> String {
        size >= 1 << 30 ? "\(size >> 30) GiB" : size >= 1 << 20 ? "\(size >> 20) MiB" : "\(size >> 10) KiB"
    }
}
