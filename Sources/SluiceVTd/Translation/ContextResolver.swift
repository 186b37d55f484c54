/// Reads root, context and PASID structures from memory to find a request's address space
/// (VT-d spec Sections 3.4-3.5, 9.1-9.6). Every structure is read once and bounds-checked;
/// there is no loop, so malformed tables cannot make it spin.
struct ContextResolver {
    let memory: PhysicalMemory
    let registers: RegisterSet

    var cap: Capability { registers.capability }
    var ecap: ExtendedCapability { registers.extendedCapability }
    var haw: Int { registers.hostAddressWidth }

    func resolve(_ request: DMARequest, trace: inout [WalkStep]?) -> Result<AddressSpace, Blocked> {
        let rta = registers.rootTableAddress
        switch rta.mode {
        case .legacy:
            if request.pasid != nil { return .failure(Blocked(reason: FaultReason(code: 0x31))) }   // RTA.2
            return legacy(request, root: rta.address, trace: &trace)
        case .scalable:
            guard ecap.scalableModeTranslation else { return .failure(Blocked(reason: .smInvalidRootTableAddress)) }
            return scalable(request, root: rta.address, trace: &trace)
        case .reserved:
            return .failure(Blocked(reason: .smInvalidRootTableAddress))
        case .abortDMA:
            // Abort-DMA mode blocks everything without recording faults (needs ECAP.ADMS).
            return .failure(Blocked(reason: .smInvalidRootTableAddress, suppressed: ecap.abortDMAMode))
        }
    }

    private func legacy(_ request: DMARequest, root: UInt64, trace: inout [WalkStep]?) -> Result<AddressSpace, Blocked> {
        let sid = request.sourceID
        let rootAddress = root + UInt64(sid.bus) * 16
        guard let rlo = memory.qword(at: rootAddress), let rhi = memory.qword(at: rootAddress + 8) else {
            return .failure(Blocked(reason: .rootTableAccessError))
        }
        let rootEntry = RootEntry(low: rlo, high: rhi)
        if trace != nil {
            trace!.append(WalkStep(structure: "root entry [bus \(hex(sid.bus))]", entryAddress: rootAddress, value: [rlo, rhi],
                                   detail: rootEntry.present ? "present, context table \(hex(rootEntry.contextTablePointer))" : "not present"))
        }
        guard rootEntry.present else { return .failure(Blocked(reason: .rootEntryNotPresent)) }
        guard rootEntry.reservedBits(hostAddressWidth: haw) == 0 else { return .failure(Blocked(reason: .rootEntryReserved)) }

        let contextAddress = rootEntry.contextTablePointer + UInt64(sid.devfn) * 16
        guard let clo = memory.qword(at: contextAddress), let chi = memory.qword(at: contextAddress + 8) else {
            return .failure(Blocked(reason: .contextTableAccessError))
        }
        let ctx = ContextEntry(low: clo, high: chi)
        if trace != nil {
            trace!.append(WalkStep(structure: "context entry [devfn \(hex(sid.devfn))]", entryAddress: contextAddress, value: [clo, chi],
                                   detail: ctx.present ? "present, DID \(ctx.domainID), TT \(ctx.translationType), AW \(ctx.addressWidth) (\(ctx.levels)-level), SSPTPTR \(hex(ctx.secondStageTablePointer))\(ctx.faultProcessingDisable ? ", FPD" : "")" : "not present"))
        }
        guard ctx.present else { return .failure(Blocked(reason: .contextEntryNotPresent)) }
        let fpd = ctx.faultProcessingDisable
        let (r0, r1) = ctx.reservedBits(hostAddressWidth: haw)
        guard r0 == 0, r1 == 0 else { return .failure(Blocked(reason: .contextEntryReserved, suppressed: fpd)) }
        let space: AddressSpace.Kind
        switch ctx.translationType {
        case .reserved:
            return .failure(Blocked(reason: .contextEntryInvalid, suppressed: fpd))
        case .passThrough:
            guard ecap.passThrough else { return .failure(Blocked(reason: .contextEntryInvalid, suppressed: fpd)) }
            space = .passThrough
        case .untranslatedOnly, .allRequests:
            guard cap.supportsSecondStage(levels: ctx.levels) else {
                return .failure(Blocked(reason: .contextEntryInvalid, suppressed: fpd))
            }
            if ctx.translationType == .allRequests && !ecap.deviceTLB {
                return .failure(Blocked(reason: .contextEntryInvalid, suppressed: fpd))
            }
            space = .secondStage(SecondStageConfig(table: ctx.secondStageTablePointer, levels: ctx.levels, executeEnable: false))
        }
        return .success(AddressSpace(domainID: ctx.domainID, kind: space, pasid: nil, scalable: false,
                                     pageSnoop: false, faultProcessingDisable: fpd,
                                     translationRequestsAllowed: ctx.translationType == .allRequests,
                                     executeRequestsEnabled: false, supervisorRequestsEnabled: false))
    }

    private func scalable(_ request: DMARequest, root: UInt64, trace: inout [WalkStep]?) -> Result<AddressSpace, Blocked> {
        let sid = request.sourceID
        let rootAddress = root + UInt64(sid.bus) * 16
        guard let rlo = memory.qword(at: rootAddress), let rhi = memory.qword(at: rootAddress + 8) else {
            return .failure(Blocked(reason: .smRootAccessError))
        }
        let rootEntry = ScalableRootEntry(low: rlo, high: rhi)
        let half = rootEntry.half(for: sid.devfn, hostAddressWidth: haw)
        if trace != nil {
            trace!.append(WalkStep(structure: "scalable root entry [bus \(hex(sid.bus)), \(sid.devfn < 128 ? "lower" : "upper")]",
                                   entryAddress: rootAddress, value: [rlo, rhi],
                                   detail: half.present ? "present, context table \(hex(half.pointer))" : "not present"))
        }
        guard half.present else { return .failure(Blocked(reason: .smRootNotPresent)) }
        guard half.reserved == 0 else { return .failure(Blocked(reason: .smRootReserved)) }

        let contextAddress = half.pointer + UInt64(sid.devfn & 0x7f) * 32
        guard let c = memory.qwords(at: contextAddress, count: 4) else { return .failure(Blocked(reason: .smContextAccessError)) }
        let ctx = ScalableContextEntry(c[0], c[1], c[2], c[3])
        if trace != nil {
            trace!.append(WalkStep(structure: "scalable context entry [devfn \(hex(sid.devfn))]", entryAddress: contextAddress, value: c,
                                   detail: ctx.present ? "present, PASID directory \(hex(ctx.pasidDirectoryPointer)) (\(ctx.directoryEntries) entries), RID_PASID \(ctx.ridPASID)\(ctx.pasidEnable ? ", PASIDE" : "")\(ctx.deviceTLBEnable ? ", DTE" : "")\(ctx.faultProcessingDisable ? ", FPD" : "")" : "not present"))
        }
        guard ctx.present else { return .failure(Blocked(reason: .smContextNotPresent)) }
        var fpd = ctx.faultProcessingDisable
        guard ctx.reservedBits(hostAddressWidth: haw, ridPrivilegeSupported: ecap.ridPrivilege) == 0 else {
            return .failure(Blocked(reason: .smContextReserved, suppressed: fpd))
        }
        if request.pasid != nil && !ctx.pasidEnable { return .failure(Blocked(reason: .smPASIDDisabled, suppressed: fpd)) }
        let pasid = request.pasid ?? (ecap.ridPASID ? ctx.ridPASID : 0)
        guard Int(pasid >> 6) < ctx.directoryEntries else {
            return .failure(Blocked(reason: request.pasid == nil ? .smRIDPASIDError : .smPASIDTooLarge, suppressed: fpd))
        }

        let directoryAddress = ctx.pasidDirectoryPointer + UInt64(pasid >> 6) * 8
        guard let d = memory.qword(at: directoryAddress) else { return .failure(Blocked(reason: .smPASIDDirectoryAccessError, suppressed: fpd)) }
        let dir = PASIDDirectoryEntry(d)
        if trace != nil {
            trace!.append(WalkStep(structure: "PASID directory entry [\(pasid >> 6)]", entryAddress: directoryAddress, value: [d],
                                   detail: dir.present ? "present, PASID table \(hex(dir.pasidTablePointer))" : "not present"))
        }
        guard dir.present else { return .failure(Blocked(reason: .smPASIDDirectoryNotPresent, suppressed: fpd)) }
        fpd = fpd || dir.faultProcessingDisable
        guard dir.reservedBits(hostAddressWidth: haw) == 0 else { return .failure(Blocked(reason: .smPASIDDirectoryReserved, suppressed: fpd)) }

        let entryAddress = dir.pasidTablePointer + UInt64(pasid & 63) * 64
        guard let p = memory.qwords(at: entryAddress, count: 8) else { return .failure(Blocked(reason: .smPASIDEntryAccessError, suppressed: fpd)) }
        let entry = PASIDTableEntry(words: p)
        if trace != nil {
            trace!.append(WalkStep(structure: "PASID table entry [PASID \(pasid)]", entryAddress: entryAddress, value: p,
                                   detail: entry.present ? "present, PGTT \(entry.translationTypeRaw) (\(entry.translationType.map { "\($0)" } ?? "reserved")), DID \(entry.domainID), AW \(entry.addressWidth), SSPTPTR \(hex(entry.secondStageTablePointer)), FSPTPTR \(hex(entry.firstStageTablePointer))" : "not present"))
        }
        guard entry.present else { return .failure(Blocked(reason: .smPASIDEntryNotPresent, suppressed: fpd)) }
        fpd = fpd || entry.faultProcessingDisable
        guard entry.reservedBits(hostAddressWidth: haw) == 0 else { return .failure(Blocked(reason: .smPASIDEntryReserved, suppressed: fpd)) }
        let invalid = Blocked(reason: .smPASIDEntryInvalid, suppressed: fpd)
        guard let type = entry.translationType else { return .failure(invalid) }

        func secondStage() -> SecondStageConfig? {
            guard cap.supportsSecondStage(levels: entry.secondStageLevels) else { return nil }
            return SecondStageConfig(table: entry.secondStageTablePointer, levels: entry.secondStageLevels,
                                     executeEnable: entry.secondStageExecuteEnable)
        }
        func firstStage() -> FirstStageConfig? {
            let mode = entry.firstStagePagingMode
            guard mode <= 1, mode == 0 || cap.firstStage5LevelPaging else { return nil }
            return FirstStageConfig(table: entry.firstStageTablePointer, levels: mode == 1 ? 5 : 4,
                                    writeProtect: entry.writeProtectEnable, noExecute: entry.noExecuteEnable,
                                    supervisorExecutePrevent: entry.supervisorModeExecutePrevent)
        }
        let kind: AddressSpace.Kind
        switch type {
        case .passThrough:
            guard ecap.passThrough else { return .failure(invalid) }
            kind = .passThrough
        case .secondStage:
            guard ecap.secondStageTranslation, let ss = secondStage() else { return .failure(invalid) }
            kind = .secondStage(ss)
        case .firstStage:
            guard ecap.firstStageTranslation, let fs = firstStage() else { return .failure(invalid) }
            kind = .firstStage(fs)
        case .nested:
            guard ecap.nestedTranslation, let fs = firstStage(), let ss = secondStage() else { return .failure(invalid) }
            kind = .nested(fs, ss)
        }
        return .success(AddressSpace(domainID: entry.domainID, kind: kind, pasid: pasid, scalable: true,
                                     pageSnoop: entry.pageSnoop, faultProcessingDisable: fpd,
                                     translationRequestsAllowed: ctx.deviceTLBEnable,
                                     executeRequestsEnabled: entry.executeRequestEnable,
                                     supervisorRequestsEnabled: entry.supervisorRequestEnable))
    }
}
