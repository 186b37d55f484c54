/// The register values of one remapping unit that the translation model needs, plus the platform's
/// host address width (HAW, from CPUID in real systems; 52 bits unless told otherwise).
///
/// Text form (the `--regs` file of `sluice vtd walk`): one `NAME VALUE` pair per line, NAME one of
/// VER CAP ECAP GSTS RTADDR IQA IQH IQT IRTA FSTS FECTL HAW, VALUE hex (`0x...`) or decimal;
/// `#` starts a comment. Missing registers read as 0.
public struct RegisterSet: Sendable, Equatable {
    public var version = Version(0x10)
    public var capability = Capability(0)
    public var extendedCapability = ExtendedCapability(0)
    public var globalStatus = GlobalStatus(0)
    public var rootTableAddress = RootTableAddress(0)
    public var invalidationQueueAddress = InvalidationQueueAddress(0)
    public var invalidationQueueHead = InvalidationQueuePointer(0)
    public var invalidationQueueTail = InvalidationQueuePointer(0)
    public var interruptRemapTableAddress = InterruptRemapTableAddress(0)
    public var faultStatus = FaultStatus(0)
    public var faultEventControl = FaultEventControl(0)
    public var hostAddressWidth = 52

    public init() {}

    public init(capability: UInt64, extendedCapability: UInt64, rootTableAddress: RootTableAddress,
                globalStatus: UInt64 = 0xc000_0000, hostAddressWidth: Int = 52) {
        self.capability = Capability(capability)
        self.extendedCapability = ExtendedCapability(extendedCapability)
        self.rootTableAddress = rootTableAddress
        self.globalStatus = GlobalStatus(globalStatus)
        self.hostAddressWidth = hostAddressWidth
    }

    static let names = ["VER", "CAP", "ECAP", "GSTS", "RTADDR", "IQA", "IQH", "IQT", "IRTA", "FSTS", "FECTL", "HAW"]

    public mutating func set(_ name: String, _ value: UInt64) throws {
        switch name.uppercased() {
        case "VER", "VERSION": version = Version(value)
        case "CAP": capability = Capability(value)
        case "ECAP": extendedCapability = ExtendedCapability(value)
        case "GSTS": globalStatus = GlobalStatus(value)
        case "RTADDR": rootTableAddress = RootTableAddress(value)
        case "IQA": invalidationQueueAddress = InvalidationQueueAddress(value)
        case "IQH": invalidationQueueHead = InvalidationQueuePointer(value)
        case "IQT": invalidationQueueTail = InvalidationQueuePointer(value)
        case "IRTA": interruptRemapTableAddress = InterruptRemapTableAddress(value)
        case "FSTS": faultStatus = FaultStatus(value)
        case "FECTL": faultEventControl = FaultEventControl(value)
        case "HAW":
            guard (12...64).contains(value) else { throw VTdInputError.format("HAW \(value) is not in 12...64") }
            hostAddressWidth = Int(value)
        default: throw VTdInputError.format("unknown register \(name)")
        }
    }

    public init(parsing text: String) throws {
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" || $0 == ":" || $0 == "\r" })
            if parts.isEmpty { continue }
            guard parts.count == 2, let v = parseInteger(parts[1]) else {
                throw VTdInputError.format("line \(n + 1): expected NAME VALUE, got \"\(line)\"")
            }
            try set(String(parts[0]), v)
        }
    }

    public var text: String {
        let pairs: [(String, UInt64)] = [
            ("VER", version.raw), ("CAP", capability.raw), ("ECAP", extendedCapability.raw), ("GSTS", globalStatus.raw),
            ("RTADDR", rootTableAddress.raw), ("IQA", invalidationQueueAddress.raw), ("IQH", invalidationQueueHead.raw),
            ("IQT", invalidationQueueTail.raw), ("IRTA", interruptRemapTableAddress.raw), ("FSTS", faultStatus.raw),
            ("FECTL", faultEventControl.raw), ("HAW", UInt64(hostAddressWidth)),
        ]
        return pairs.map { "\($0.0) \(hex($0.1))" }.joined(separator: "\n") + "\n"
    }
}
