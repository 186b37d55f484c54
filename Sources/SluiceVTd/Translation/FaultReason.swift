/// Non-recoverable fault reason codes (VT-d spec Section 7.1.3 / Appendix A, rev. 4.x):
/// legacy-mode codes 0x01-0x0E, scalable-mode codes 0x30-0x91, interrupt-remapping codes 0x20-0x29.
/// The names in brackets are the specification's condition identifiers.
public struct FaultReason: Hashable, Sendable, Codable, CustomStringConvertible {
    public let code: UInt8
    public init(code: UInt8) { self.code = code }

    // Legacy mode.
    public static let rootEntryNotPresent = FaultReason(code: 0x01)        // LRT.2
    public static let contextEntryNotPresent = FaultReason(code: 0x02)     // LCT.2
    public static let contextEntryInvalid = FaultReason(code: 0x03)        // LCT.4
    public static let addressBeyondGuestWidth = FaultReason(code: 0x04)    // LGN.1
    public static let writeDenied = FaultReason(code: 0x05)                // LGN.2
    public static let readDenied = FaultReason(code: 0x06)                 // LGN.3
    public static let pagingEntryAccessError = FaultReason(code: 0x07)     // LSL.1
    public static let rootTableAccessError = FaultReason(code: 0x08)       // LRT.1
    public static let contextTableAccessError = FaultReason(code: 0x09)    // LCT.1
    public static let rootEntryReserved = FaultReason(code: 0x0a)          // LRT.3
    public static let contextEntryReserved = FaultReason(code: 0x0b)       // LCT.3
    public static let pagingEntryReserved = FaultReason(code: 0x0c)        // LSL.2
    public static let translationTypeBlocked = FaultReason(code: 0x0d)     // LCT.5
    public static let interruptAddressRangeRequest = FaultReason(code: 0x0e) // LGN.4

    // Scalable mode.
    public static let smInvalidRootTableAddress = FaultReason(code: 0x30)  // RTA.1
    public static let smRootAccessError = FaultReason(code: 0x38)          // SRT.1
    public static let smRootNotPresent = FaultReason(code: 0x39)           // SRT.2
    public static let smRootReserved = FaultReason(code: 0x3a)             // SRT.3
    public static let smContextAccessError = FaultReason(code: 0x40)       // SCT.1
    public static let smContextNotPresent = FaultReason(code: 0x41)        // SCT.2
    public static let smContextReserved = FaultReason(code: 0x42)          // SCT.3
    public static let smContextInvalid = FaultReason(code: 0x43)           // SCT.4
    public static let smDeviceTLBDisabled = FaultReason(code: 0x44)        // SCT.5
    public static let smPASIDDisabled = FaultReason(code: 0x45)            // SCT.6
    public static let smPASIDTooLarge = FaultReason(code: 0x46)            // SCT.7
    public static let smPageRequestDisabled = FaultReason(code: 0x47)      // SCT.8
    public static let smRIDPASIDError = FaultReason(code: 0x48)            // SCT.9
    public static let smPASIDDirectoryAccessError = FaultReason(code: 0x50) // SPD.1
    public static let smPASIDDirectoryNotPresent = FaultReason(code: 0x51) // SPD.2
    public static let smPASIDDirectoryReserved = FaultReason(code: 0x52)   // SPD.3
    public static let smPASIDEntryAccessError = FaultReason(code: 0x58)    // SPT.1
    public static let smPASIDEntryNotPresent = FaultReason(code: 0x59)     // SPT.2
    public static let smPASIDEntryReserved = FaultReason(code: 0x5a)       // SPT.3
    public static let smPASIDEntryInvalid = FaultReason(code: 0x5b)        // SPT.4
    public static let smExecuteDisabled = FaultReason(code: 0x5c)          // SPT.5 (ERE clear)
    public static let smSupervisorDisabled = FaultReason(code: 0x5d)       // SPT.6 (SRE clear)
    public static let smFirstStageAccessError = FaultReason(code: 0x70)    // SFL.1
    public static let smFirstStageNotPresent = FaultReason(code: 0x71)     // SFL.2
    public static let smFirstStageReserved = FaultReason(code: 0x72)       // SFL.3
    public static let smSecondStageAccessError = FaultReason(code: 0x78)   // SSL.1
    public static let smSecondStagePermission = FaultReason(code: 0x79)    // SSL.2
    public static let smSecondStageReserved = FaultReason(code: 0x7a)      // SSL.3
    public static let smInvalidSecondStagePointer = FaultReason(code: 0x7b) // SSL.4
    public static let smNonCanonical = FaultReason(code: 0x80)             // SGN.1
    public static let smUserDenied = FaultReason(code: 0x81)               // SGN.2
    public static let smExecuteDenied = FaultReason(code: 0x82)            // SGN.3
    public static let smAddressBeyondWidth = FaultReason(code: 0x83)       // SGN.4
    public static let smOutputBeyondWidth = FaultReason(code: 0x84)        // SGN.5
    public static let smWriteDenied = FaultReason(code: 0x85)              // SGN.6
    public static let smReadDenied = FaultReason(code: 0x86)               // SGN.7
    public static let smInterruptAddressRange = FaultReason(code: 0x87)    // SGN.8

    // Interrupt remapping.
    public static let irRequestReserved = FaultReason(code: 0x20)
    public static let irIndexBeyondTable = FaultReason(code: 0x21)
    public static let irEntryNotPresent = FaultReason(code: 0x22)
    public static let irTableAccessError = FaultReason(code: 0x23)
    public static let irEntryReserved = FaultReason(code: 0x24)
    public static let irCompatibilityBlocked = FaultReason(code: 0x25)
    public static let irSourceIDInvalid = FaultReason(code: 0x26)
    public static let irPostedDescriptorAccessError = FaultReason(code: 0x27)
    public static let irPostedDescriptorReserved = FaultReason(code: 0x28)

    public var isScalableMode: Bool { code >= 0x30 }
    public var isInterruptRemapping: Bool { (0x20...0x29).contains(code) }

    public var explanation: String {
        switch code {
        case 0x01: "present bit in root entry is clear"
        case 0x02: "present bit in context entry is clear"
        case 0x03: "invalid programming of a context entry"
        case 0x04: "input address above the guest address width"
        case 0x05: "write to a page without write permission"
        case 0x06: "read from a page without read permission"
        case 0x07: "error accessing a second-stage paging entry"
        case 0x08: "error accessing the root table"
        case 0x09: "error accessing a context table"
        case 0x0a: "non-zero reserved field in a root entry"
        case 0x0b: "non-zero reserved field in a context entry"
        case 0x0c: "non-zero reserved field in a second-stage paging entry"
        case 0x0d: "request blocked by the context entry's translation type"
        case 0x0e: "invalid request to the interrupt address range"
        case 0x20: "reserved field set in a remappable interrupt request"
        case 0x21: "interrupt index beyond the remapping table"
        case 0x22: "present bit in IRTE is clear"
        case 0x23: "error accessing the interrupt remapping table"
        case 0x24: "non-zero reserved field in a present IRTE"
        case 0x25: "compatibility-format interrupt blocked"
        case 0x26: "source-id verification failed"
        case 0x27: "error accessing a posted-interrupt descriptor"
        case 0x28: "non-zero reserved field in a posted-interrupt descriptor"
        case 0x30: "SM: invalid root table address"
        case 0x38: "SM: error accessing a root entry"
        case 0x39: "SM: present bit in root entry is clear"
        case 0x3a: "SM: non-zero reserved field in a root entry"
        case 0x40: "SM: error accessing a context entry"
        case 0x41: "SM: present bit in context entry is clear"
        case 0x42: "SM: non-zero reserved field in a context entry"
        case 0x43: "SM: invalid context entry"
        case 0x44: "SM: DTE clear for a translation request"
        case 0x45: "SM: PASID enable clear for a request with PASID"
        case 0x46: "SM: PASID beyond the PASID directory size"
        case 0x47: "SM: PRE clear for a page request"
        case 0x48: "SM: RID_PASID error"
        case 0x50: "SM: error accessing a PASID directory entry"
        case 0x51: "SM: present bit in PASID directory entry is clear"
        case 0x52: "SM: non-zero reserved field in a PASID directory entry"
        case 0x58: "SM: error accessing a PASID table entry"
        case 0x59: "SM: present bit in PASID table entry is clear"
        case 0x5a: "SM: non-zero reserved field in a PASID table entry"
        case 0x5b: "SM: invalid PASID table entry"
        case 0x5c: "SM: execute request with ERE clear"
        case 0x5d: "SM: supervisor request with SRE clear"
        case 0x70: "SM: error accessing a first-stage paging entry"
        case 0x71: "SM: present bit in first-stage paging entry is clear"
        case 0x72: "SM: non-zero reserved field in a first-stage paging entry"
        case 0x78: "SM: error accessing a second-stage paging entry"
        case 0x79: "SM: permission error in a second-stage paging entry"
        case 0x7a: "SM: non-zero reserved field in a second-stage paging entry"
        case 0x7b: "SM: invalid second-stage page table pointer"
        case 0x80: "SM: non-canonical first-stage input address"
        case 0x81: "SM: user request to a supervisor page"
        case 0x82: "SM: execute request to a non-executable page"
        case 0x83: "SM: input address beyond the address width"
        case 0x84: "SM: output address beyond the host address width"
        case 0x85: "SM: write to a page without write permission"
        case 0x86: "SM: read from a page without read permission"
        case 0x87: "SM: invalid request to the interrupt address range"
        default: "reserved or unknown fault reason"
        }
    }
    public var description: String { "\(hex(code)) (\(explanation))" }
}
