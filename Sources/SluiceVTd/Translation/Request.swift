/// A DMA request as the remapping hardware sees it.
public struct DMARequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case read, write }
    public var sourceID: SourceID
    /// PASID carried in the request's PASID TLP prefix, if any.
    public var pasid: UInt32?
    public var address: UInt64
    public var kind: Kind
    /// Execute-requested (only with a PASID).
    public var execute: Bool
    /// Privileged-mode-requested (supervisor; only with a PASID).
    public var privileged: Bool
    /// An ATS translation request (AT=01) rather than an untranslated request.
    public var translationRequest: Bool

    public init(sourceID: SourceID, pasid: UInt32? = nil, address: UInt64, kind: Kind = .read,
                execute: Bool = false, privileged: Bool = false, translationRequest: Bool = false) {
        self.sourceID = sourceID; self.pasid = pasid; self.address = address; self.kind = kind
        self.execute = execute; self.privileged = privileged; self.translationRequest = translationRequest
    }
    public var isWrite: Bool { kind == .write }
    var type: FaultRequestType { translationRequest ? .pageRequest : (isWrite ? .write : .read) }
}

/// Access rights granted by a translation (R/W/X).
public struct Permissions: OptionSet, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = Permissions(rawValue: 1)
    public static let write = Permissions(rawValue: 2)
    public static let execute = Permissions(rawValue: 4)
    public static let readWrite: Permissions = [.read, .write]
    public var description: String {
        (contains(.read) ? "r" : "-") + (contains(.write) ? "w" : "-") + (contains(.execute) ? "x" : "-")
    }
}

/// A successful translation: the page that contains the output address.
public struct Translation: Sendable, Equatable {
    public var address: UInt64
    /// Size of the page (4 KiB, 2 MiB, 1 GiB) the translation came from; the IOTLB caches at this size.
    public var pageSize: UInt64
    public var permissions: Permissions
    public var domainID: UInt16
    /// Snoop / memory-type attributes from the leaf entry (second stage) or PASID entry.
    public var snoop: Bool
    public var ignorePAT: Bool
    public var memoryType: UInt8
    /// True if the request went through untranslated (pass-through).
    public var passThrough: Bool
}

/// A recordable DMA-remapping fault.
public struct DMAFault: Sendable, Equatable, Error {
    public var reason: FaultReason
    public var sourceID: SourceID
    public var pasid: UInt32?
    public var address: UInt64
    public var request: DMARequest
    /// Fault-processing-disable was set on the structure that blocked the request: the fault is
    /// not recorded (the request is still blocked).
    public var suppressed: Bool
}

public enum TranslationResult: Sendable, Equatable {
    case translated(Translation)
    case fault(DMAFault)

    public var translation: Translation? { if case .translated(let t) = self { t } else { nil } }
    public var fault: DMAFault? { if case .fault(let f) = self { f } else { nil } }
}
