/// The uncached translation of a DMA request against register values and a memory image:
/// what `sluice vtd walk` prints, and what `RemappingUnit` does on a cache miss.
public struct Walker {
    public let memory: PhysicalMemory
    public let registers: RegisterSet

    public init(memory: PhysicalMemory, registers: RegisterSet) {
        self.memory = memory
        self.registers = registers
    }

    /// Translates `request`; when `trace` is non-nil every structure read is appended to it.
    public func translate(_ request: DMARequest, trace: inout [WalkStep]?) -> TranslationResult {
        switch resolveAddressSpace(request, trace: &trace) {
        case .failure(let b): return .fault(Self.fault(b, request, pasid: request.pasid))
        case .success(let space): return translate(request, in: space, trace: &trace)
        }
    }

    public func translate(_ request: DMARequest) -> TranslationResult {
        var none: [WalkStep]? = nil
        return translate(request, trace: &none)
    }

    func resolveAddressSpace(_ request: DMARequest, trace: inout [WalkStep]?) -> Result<AddressSpace, Blocked> {
        ContextResolver(memory: memory, registers: registers).resolve(request, trace: &trace)
    }

    func translate(_ request: DMARequest, in space: AddressSpace, trace: inout [WalkStep]?) -> TranslationResult {
        if let b = space.admit(request) { return .fault(Self.fault(b, request, pasid: request.pasid)) }
        switch PageWalker(memory: memory, registers: registers).walk(space, request, trace: &trace) {
        case .failure(var b):
            b.suppressed = b.suppressed || space.faultProcessingDisable
            return .fault(Self.fault(b, request, pasid: request.pasid))
        case .success(let leaf):
            if let b = AccessCheck.check(permissions: leaf.permissions, user: leaf.user, request, space) {
                return .fault(Self.fault(b, request, pasid: request.pasid))
            }
            return .translated(Translation(address: leaf.address | (request.address & (leaf.pageSize - 1)), pageSize: leaf.pageSize,
                                           permissions: leaf.permissions, domainID: space.domainID,
                                           snoop: leaf.snoop || space.pageSnoop, ignorePAT: leaf.ignorePAT,
                                           memoryType: leaf.memoryType, passThrough: space.kind == .passThrough))
        }
    }

    static func fault(_ b: Blocked, _ request: DMARequest, pasid: UInt32?) -> DMAFault {
        DMAFault(reason: b.reason, sourceID: request.sourceID, pasid: pasid, address: request.address,
                 request: request, suppressed: b.suppressed)
    }
}
