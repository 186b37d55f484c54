/// The result of an audit. Its JSON form (`sluice audit --json`) is a stable, versioned schema,
/// `sluice.audit/1` (docs/json-schema-audit.md): members are only added; renaming or removing
/// one means `sluice.audit/2`.
public struct AuditReport: Codable, Sendable {
    public var schema = "sluice.audit/1"
    public var root: String
    public var kernelRulesVersion: String
    public var checks: [PlatformCheck]
    public var units: [RemappingUnitSummary]
    public var groups: [GroupSummary]
    public var devices: [DeviceVerdict]
    /// What could not be read or made sense of; the rest of the report still stands.
    public var problems: [String]
}

public struct PlatformCheck: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, Comparable {
        case pass, info, warn, fail
        var rank: Int { switch self { case .pass: 0; case .info: 1; case .warn: 2; case .fail: 3 } }
        public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    }
    /// Stable identifier, e.g. `iommu.enabled`, `irq-remapping.enabled`.
    public var id: String
    public var status: Status
    public var summary: String
    /// How sure the answer is and from what evidence.
    public var evidence: String?
    /// One line that says what to do, when there is something to do.
    public var remedy: String?

    public init(_ id: String, _ status: Status, _ summary: String, evidence: String? = nil, remedy: String? = nil) {
        self.id = id; self.status = status; self.summary = summary; self.evidence = evidence; self.remedy = remedy
    }
}

public struct RemappingUnitSummary: Codable, Sendable {
    public var name: String
    public var kind: String                  // "intel-vtd" or "amd-vi"
    public var registerBase: String?
    public var version: String?
    public var capability: String?
    public var extendedCapability: String?
    /// Decoded highlights: "SAGAW 39/48-bit", "interrupt remapping supported", "scalable mode".
    public var features: [String]
}

public struct GroupSummary: Codable, Sendable {
    public var id: Int
    /// Default domain type as sysfs reports it: identity, DMA, DMA-FQ, unmanaged, blocked.
    public var type: String?
    public var members: [String]
    public var viable: Bool
    /// Members that break viability (on a host driver that does not manage DMA itself).
    public var blockingMembers: [String]
    /// Why the group is this big, in sentences.
    public var why: [String]
    public var reservedRegions: [String]
    /// Whether the predictor's group equals the kernel's.
    public var predictionMatches: Bool?
}

public struct DeviceVerdict: Codable, Sendable {
    public enum Verdict: String, Codable, Sendable {
        case assignable
        case assignableWithGroup = "assignable-with-group"
        case unsafe
        case blocked
    }
    public var address: String
    public var description: String
    public var driver: String?
    public var group: Int?
    public var verdict: Verdict
    public var reasons: [String]
    public var remedy: String?
    /// Other members of the group, which go to the guest (or to vfio-pci) together with this one.
    public var groupPeers: [String]
    /// Why the host needs this device (route NIC, mounted disk, boot VGA, ...).
    public var hostCritical: [String]
    public var reset: ResetSummary
    public var exposure: [String]
}

public struct ResetSummary: Codable, Sendable {
    /// The kernel's `reset_method` attribute, when present.
    public var methods: [String]
    public var functionLevelReset: Bool
    public var pmResetWithoutSoftReset: Bool
    /// Devices a secondary bus reset would also hit.
    public var busResetAlsoResets: [String]
}
