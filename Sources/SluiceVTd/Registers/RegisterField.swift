/// One decoded field of a register or structure, for printing and JSON.
public struct RegisterField: Sendable, Equatable, Codable {
    public let name: String
    /// Bit range as the specification writes it, e.g. "12:8".
    public let bits: String
    public let value: UInt64
    public let meaning: String

    public init(_ name: String, _ hi: Int, _ lo: Int, _ value: UInt64, _ meaning: String = "") {
        self.name = name
        self.bits = hi == lo ? "\(hi)" : "\(hi):\(lo)"
        self.value = value
        self.meaning = meaning
    }
}

/// A register (or entry) that can list every field it defines.
public protocol DecodedRegister: Sendable {
    static var registerName: String { get }
    var raw: UInt64 { get }
    var fields: [RegisterField] { get }
}

extension DecodedRegister {
    func field(_ name: String, _ hi: Int, _ lo: Int, _ meaning: String = "") -> RegisterField {
        RegisterField(name, hi, lo, raw.bits(hi, lo), meaning)
    }
    func flag(_ name: String, _ bit: Int, _ meaning: String = "") -> RegisterField {
        RegisterField(name, bit, bit, raw.bits(bit, bit), meaning)
    }
}

/// MMIO offsets of the remapping-hardware registers (VT-d spec chapter 11).
public enum RegisterOffset {
    public static let version: UInt64 = 0x000
    public static let capability: UInt64 = 0x008
    public static let extendedCapability: UInt64 = 0x010
    public static let globalCommand: UInt64 = 0x018
    public static let globalStatus: UInt64 = 0x01c
    public static let rootTableAddress: UInt64 = 0x020
    public static let contextCommand: UInt64 = 0x028
    public static let faultStatus: UInt64 = 0x034
    public static let faultEventControl: UInt64 = 0x038
    public static let faultEventData: UInt64 = 0x03c
    public static let faultEventAddress: UInt64 = 0x040
    public static let faultEventUpperAddress: UInt64 = 0x044
    public static let advancedFaultLog: UInt64 = 0x058
    public static let protectedMemoryEnable: UInt64 = 0x064
    public static let invalidationQueueHead: UInt64 = 0x080
    public static let invalidationQueueTail: UInt64 = 0x088
    public static let invalidationQueueAddress: UInt64 = 0x090
    public static let invalidationCompletionStatus: UInt64 = 0x09c
    public static let invalidationQueueErrorRecord: UInt64 = 0x0b0
    public static let interruptRemapTableAddress: UInt64 = 0x0b8
    public static let pageRequestQueueHead: UInt64 = 0x0c0
    public static let pageRequestQueueTail: UInt64 = 0x0c8
    public static let pageRequestQueueAddress: UInt64 = 0x0d0
}
