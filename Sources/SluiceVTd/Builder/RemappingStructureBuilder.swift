/// Builds root, context and (scalable mode) PASID structures that attach devices to page tables,
/// in a memory image, so that what-if questions and tests can run the real walk over them.
public struct RemappingStructureBuilder {
    public let memory: PhysicalMemory
    public var allocator: PageAllocator
    public let mode: TranslationTableMode
    public let rootTable: UInt64
    private var contextTables: [UInt16: UInt64] = [:]      // legacy: bus; scalable: bus << 1 | upper
    private var pasidDirectories: [SourceID: UInt64] = [:]
    private var pasidTables: [UInt64: UInt64] = [:]        // directory entry address -> PASID table

    public init(mode: TranslationTableMode, memory: PhysicalMemory, allocator: PageAllocator) {
        precondition(mode == .legacy || mode == .scalable)
        self.mode = mode
        self.memory = memory
        self.allocator = allocator
        rootTable = self.allocator.allocate(in: memory)
    }

    public var rootTableAddress: RootTableAddress { RootTableAddress(address: rootTable, mode: mode) }

    /// Attaches `device` to second-stage tables at `table` (legacy context entry, or scalable
    /// context + PASID entry for RID_PASID 0 with PGTT=2).
    public mutating func attach(_ device: SourceID, domainID: UInt16, secondStageTable table: UInt64, levels: Int,
                                faultProcessingDisable: Bool = false) {
        switch mode {
        case .legacy:
            let entry = ContextEntry(domainID: domainID, secondStageTable: table, levels: levels,
                                     faultProcessingDisable: faultProcessingDisable)
            writeLegacyContext(device, entry)
        default:
            writePASIDEntry(device, pasid: 0, PASIDTableEntry(translationType: .secondStage, domainID: domainID,
                                                              secondStageTable: table, levels: levels,
                                                              faultProcessingDisable: faultProcessingDisable))
        }
    }

    /// Attaches `device` untranslated (legacy TT=10, or PGTT=4).
    public mutating func attachPassThrough(_ device: SourceID, domainID: UInt16) {
        switch mode {
        case .legacy:
            writeLegacyContext(device, ContextEntry(domainID: domainID, secondStageTable: 0, levels: 4, translationType: .passThrough))
        default:
            writePASIDEntry(device, pasid: 0, PASIDTableEntry(translationType: .passThrough, domainID: domainID))
        }
    }

    /// Scalable mode: installs any PASID-table entry for `pasid` of `device`.
    public mutating func writePASIDEntry(_ device: SourceID, pasid: UInt32, _ entry: PASIDTableEntry) {
        precondition(mode == .scalable)
        let directory = pasidDirectory(for: device)
        let dirSlot = directory + UInt64(pasid >> 6) * 8
        let table: UInt64
        if let t = pasidTables[dirSlot] { table = t } else {
            table = allocator.allocate(in: memory)
            pasidTables[dirSlot] = table
            memory.write(PASIDDirectoryEntry(pasidTable: table).raw, at: dirSlot)
        }
        for (i, w) in entry.words.enumerated() { memory.write(w, at: table + UInt64(pasid & 63) * 64 + UInt64(i) * 8) }
    }

    /// Clears the device's context entry (legacy) or its whole scalable context entry.
    public mutating func detach(_ device: SourceID) {
        if mode == .legacy {
            if let t = contextTables[UInt16(device.bus)] {
                memory.write(0, at: t + UInt64(device.devfn) * 16); memory.write(0, at: t + UInt64(device.devfn) * 16 + 8)
            }
        } else if let t = contextTables[UInt16(device.bus) << 1 | (device.devfn >= 128 ? 1 : 0)] {
            for i in 0..<4 { memory.write(0, at: t + UInt64(device.devfn & 0x7f) * 32 + UInt64(i) * 8) }
            pasidDirectories[device] = nil
        }
    }

    private mutating func writeLegacyContext(_ device: SourceID, _ entry: ContextEntry) {
        let key = UInt16(device.bus)
        let table: UInt64
        if let t = contextTables[key] { table = t } else {
            table = allocator.allocate(in: memory)
            contextTables[key] = table
            memory.write(RootEntry(contextTable: table).low, at: rootTable + UInt64(device.bus) * 16)
        }
        memory.write(entry.low, at: table + UInt64(device.devfn) * 16)
        memory.write(entry.high, at: table + UInt64(device.devfn) * 16 + 8)
    }

    private mutating func pasidDirectory(for device: SourceID) -> UInt64 {
        if let d = pasidDirectories[device] { return d }
        let upper = device.devfn >= 128
        let key = UInt16(device.bus) << 1 | (upper ? 1 : 0)
        let table: UInt64
        if let t = contextTables[key] { table = t } else {
            table = allocator.allocate(in: memory)
            contextTables[key] = table
            memory.write(table | 1, at: rootTable + UInt64(device.bus) * 16 + (upper ? 8 : 0))
        }
        let directory = allocator.allocate(in: memory)   // PDTS=0: 128 entries, PASIDs 0-8191
        pasidDirectories[device] = directory
        let ctx = ScalableContextEntry(pasidDirectory: directory, directorySizeOrder: 0, ridPASID: 0, pasidEnable: true)
        let slot = table + UInt64(device.devfn & 0x7f) * 32
        memory.write(ctx.words.0, at: slot); memory.write(ctx.words.1, at: slot + 8)
        memory.write(0, at: slot + 16); memory.write(0, at: slot + 24)
        return directory
    }
}
