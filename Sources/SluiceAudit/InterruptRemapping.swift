/// Whether interrupt remapping is *enabled*, not merely supported. ECAP.IR says only that the
/// hardware can; the evidence that the kernel turned it on is the IR-prefixed interrupt chips in
/// /proc/interrupts, or the kernel log.
public struct InterruptRemappingEvidence: Sendable, Equatable {
    public enum State: String, Sendable, Codable { case enabled, disabled, unknown }
    public enum Confidence: String, Sendable, Codable {
        /// Seen in /proc/interrupts: chips named IR-PCI-MSI*, IR-IO-APIC, AMD-IR, INTEL-IR.
        case interruptChips = "interrupt-chips"
        /// A kernel log line said so.
        case kernelLog = "kernel-log"
        /// Inferred from platform tables or registers only.
        case inferred
        case none
    }
    public var state: State
    public var confidence: Confidence
    public var detail: String

    public init(state: State, confidence: Confidence, detail: String) {
        self.state = state; self.confidence = confidence; self.detail = detail
    }

    /// Judges from /proc/interrupts and, when readable, kernel log lines.
    public static func judge(interrupts: String?, kernelLog: String?) -> InterruptRemappingEvidence {
        if let text = interrupts {
            var chips: [String: Int] = [:]
            var msiLines = 0
            for line in text.split(separator: "\n") {
                for field in line.split(separator: " ") where field.hasPrefix("IR-") || field == "INTEL-IR" || field == "AMD-IR" {
                    chips[String(field), default: 0] += 1
                }
                if line.contains("PCI-MSI") || line.contains("IO-APIC") { msiLines += 1 }
            }
            if !chips.isEmpty {
                let list = chips.keys.sorted().map { "\($0) x\(chips[$0]!)" }.joined(separator: ", ")
                return .init(state: .enabled, confidence: .interruptChips, detail: "remapped interrupt chips in /proc/interrupts: \(list)")
            }
            if msiLines > 0 {
                return .init(state: .disabled, confidence: .interruptChips,
                             detail: "\(msiLines) MSI/IO-APIC interrupts in /proc/interrupts, none through a remapping chip")
            }
        }
        if let log = kernelLog {
            for line in log.split(separator: "\n") {
                if line.contains("Enabled IRQ remapping") || line.contains("Interrupt remapping enabled") {
                    return .init(state: .enabled, confidence: .kernelLog, detail: String(line))
                }
                if line.contains("Not enabling interrupt remapping") || line.contains("Failed to enable irq remapping") {
                    return .init(state: .disabled, confidence: .kernelLog, detail: String(line))
                }
            }
        }
        return .init(state: .unknown, confidence: .none, detail: "no interrupt chips or kernel log lines to judge from")
    }
}
