import CSluice

/// Why KVM_RUN returned, decoded from the run structure. Payload views point into that
/// structure: they are non-copyable and only ever borrowed by `VCPU.run`'s closure.
public enum VCPUExit: ~Copyable {
    case portIO(PortIOExit)
    case mmio(MMIOExit)
    /// HLT with no in-kernel irqchip to wait for an interrupt.
    case halt
    /// Triple fault or similar: the guest reset itself.
    case shutdown
    /// KVM_EXIT_SYSTEM_EVENT (e.g. PSCI/ACPI shutdown or reset request).
    case systemEvent(type: UInt32)
    /// The VM entry itself failed (invalid guest state).
    case failedEntry(hardwareReason: UInt64)
    /// KVM could not emulate an instruction or deliver an event.
    case internalError(suberror: UInt32)
    /// KVM_RUN returned EINTR/EAGAIN: a signal or `immediateExit` asked for control.
    case interrupted
    case other(reason: UInt32)

    init(run: UnsafeMutablePointer<kvm_run>, mapSize: Int) {
        switch Int32(run.pointee.exit_reason) {
        case KVM_EXIT_IO:
            self = .portIO(PortIOExit(run: run, mapSize: mapSize))
        case KVM_EXIT_MMIO: self = .mmio(MMIOExit(run: run))
        case KVM_EXIT_HLT: self = .halt
        case KVM_EXIT_SHUTDOWN: self = .shutdown
        case KVM_EXIT_SYSTEM_EVENT: self = .systemEvent(type: run.pointee.system_event.type)
        case KVM_EXIT_FAIL_ENTRY: self = .failedEntry(hardwareReason: run.pointee.fail_entry.hardware_entry_failure_reason)
        case KVM_EXIT_INTERNAL_ERROR: self = .internalError(suberror: run.pointee.internal.suberror)
        case KVM_EXIT_INTR: self = .interrupted
        default: self = .other(reason: run.pointee.exit_reason)
        }
    }
}

/// A port I/O exit (IN/OUT, possibly a REP string op of `count` items of `size` bytes).
public struct PortIOExit: ~Copyable {
    private let run: UnsafeMutablePointer<kvm_run>
    /// Where the data items lie in the shared page, already checked to fit the mapping.
    private let data: UnsafeMutableRawPointer?
    public let port: UInt16
    public let size: Int
    public let count: Int
    public let isWrite: Bool

    init(run: UnsafeMutablePointer<kvm_run>, mapSize: Int) {
        self.run = run
        let io = run.pointee.io
        port = io.port
        size = Int(io.size)
        count = Int(io.count)
        isWrite = io.direction == UInt8(KVM_EXIT_IO_OUT)
        // The kernel fills these, but treat them as untrusted: a bad offset would be a host bug,
        // and a view must never reach outside the mapping.
        let offset = io.data_offset
        let (total, o1) = size.multipliedReportingOverflow(by: count)
        if !o1, [1, 2, 4].contains(size), offset <= UInt64(mapSize), UInt64(total) <= UInt64(mapSize) - offset {
            data = UnsafeMutableRawPointer(run) + Int(offset)
        } else {
            data = nil
        }
    }

    /// True when the exit's data items are where they must be.
    public var isWellFormed: Bool { data != nil }

    /// Item `index` of an OUT, zero-extended.
    public func value(at index: Int = 0) -> UInt32 {
        guard let data, index >= 0, index < count else { return 0 }
        let p = data + index * size
        switch size {
        case 1: return UInt32(p.load(as: UInt8.self))
        case 2: return UInt32(p.loadUnaligned(as: UInt16.self))
        default: return p.loadUnaligned(as: UInt32.self)
        }
    }

    /// Sets item `index` of an IN (truncated to the access size).
    public func setValue(_ value: UInt32, at index: Int = 0) {
        guard let data, index >= 0, index < count else { return }
        let p = data + index * size
        switch size {
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
        default: p.storeBytes(of: value, as: UInt32.self)
        }
    }
}

/// An MMIO exit: a guest access of 1-8 bytes to guest-physical space with no memory slot.
public struct MMIOExit: ~Copyable {
    private let run: UnsafeMutablePointer<kvm_run>
    public let address: UInt64
    public let size: Int
    public let isWrite: Bool

    init(run: UnsafeMutablePointer<kvm_run>) {
        self.run = run
        address = run.pointee.mmio.phys_addr
        size = min(Int(run.pointee.mmio.len), 8)
        isWrite = run.pointee.mmio.is_write != 0
    }

    /// The written value, little-endian, zero-extended.
    public var value: UInt64 {
        withUnsafeBytes(of: run.pointee.mmio.data) { bytes in
            var v: UInt64 = 0
            for i in 0..<size { v |= UInt64(bytes[i]) << (8 * UInt64(i)) }
            return v
        }
    }

    /// Sets the value a read returns (its low `size` bytes).
    public func setValue(_ value: UInt64) {
        withUnsafeMutableBytes(of: &run.pointee.mmio.data) { bytes in
            for i in 0..<8 { bytes[i] = i < size ? UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) : 0 }
        }
    }
}
