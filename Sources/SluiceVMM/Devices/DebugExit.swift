/// The shutdown path a payload takes on purpose: a byte written to this port ends the run with
/// that byte as the guest's exit code (like QEMU's isa-debug-exit, without the shift).
public final class DebugExit: BusDevice {
    public static let port: UInt64 = 0xf4
    public private(set) var exitCode: UInt8?

    public init() {}

    public func read(offset: UInt64, size: Int) -> UInt64 { 0 }
    public func write(offset: UInt64, size: Int, value: UInt64) {
        if exitCode == nil { exitCode = UInt8(truncatingIfNeeded: value) }
    }
}
