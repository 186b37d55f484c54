/// What a device (and PASID) resolves to once the root/context/PASID structures are read:
/// the cached state of the context cache and PASID cache.
public struct AddressSpace: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case passThrough
        case secondStage(SecondStageConfig)
        case firstStage(FirstStageConfig)
        /// First-stage tables whose addresses (and output) are translated by the second stage.
        case nested(FirstStageConfig, SecondStageConfig)
    }
    public var domainID: UInt16
    public var kind: Kind
    /// PASID the tables were selected by (scalable mode), nil in legacy mode.
    public var pasid: UInt32?
    public var scalable: Bool
    /// PGSNP from the PASID entry: every access snoops.
    public var pageSnoop: Bool
    /// Fault processing disabled on the context (or PASID) entry.
    public var faultProcessingDisable: Bool
    /// Legacy TT=01 or scalable DTE=1: ATS translation requests are served.
    public var translationRequestsAllowed: Bool
    /// ERE / SRE of the PASID entry.
    public var executeRequestsEnabled: Bool
    public var supervisorRequestsEnabled: Bool

    /// Checks that depend on the request rather than on the tables (done after a cache hit too).
    func admit(_ request: DMARequest) -> Blocked? {
        // 0xFEEx_xxxx is the interrupt address range: a write without PASID there is an interrupt
        // request (see InterruptRemapper), anything else there is blocked (LGN.4 / SGN.8).
        if request.address >> 20 == 0xfee && !request.translationRequest && (!request.isWrite || request.pasid != nil) {
            return Blocked(reason: scalable ? .smInterruptAddressRange : .interruptAddressRangeRequest, suppressed: faultProcessingDisable)
        }
        if request.translationRequest && !translationRequestsAllowed {
            return Blocked(reason: scalable ? .smDeviceTLBDisabled : .translationTypeBlocked, suppressed: faultProcessingDisable)
        }
        if request.pasid != nil && request.execute && !executeRequestsEnabled {
            return Blocked(reason: .smExecuteDisabled, suppressed: faultProcessingDisable)
        }
        if request.pasid != nil && request.privileged && !supervisorRequestsEnabled {
            return Blocked(reason: .smSupervisorDisabled, suppressed: faultProcessingDisable)
        }
        return nil
    }
}

public struct SecondStageConfig: Sendable, Equatable {
    public var table: UInt64
    public var levels: Int
    public var executeEnable: Bool
}

public struct FirstStageConfig: Sendable, Equatable {
    public var table: UInt64
    public var levels: Int
    public var writeProtect: Bool
    public var noExecute: Bool
    public var supervisorExecutePrevent: Bool
}

/// One structure read during a walk, for `sluice vtd walk`.
public struct WalkStep: Sendable, Equatable {
    public var structure: String
    public var entryAddress: UInt64
    public var value: [UInt64]
    public var detail: String
}

/// A blocked request before it is turned into a `DMAFault`.
struct Blocked: Error, Equatable {
    var reason: FaultReason
    var suppressed = false
    /// The walk ended on a not-present entry (what caching mode lets hardware cache).
    var notPresent = false
}
