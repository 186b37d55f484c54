import CSluice
import SluiceSystem
import SystemPackage

/// Registers the kernel copies into the run structure on every exit (KVM_CAP_SYNC_REGS),
/// and takes back from it on entry when marked dirty: no GET/SET ioctl per exit.
public struct SyncedRegisters: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let general = SyncedRegisters(rawValue: CSLUICE_KVM_SYNC_X86_REGS)
    public static let special = SyncedRegisters(rawValue: CSLUICE_KVM_SYNC_X86_SREGS)
    public static let events = SyncedRegisters(rawValue: CSLUICE_KVM_SYNC_X86_EVENTS)
}

/// A virtual CPU: its fd and its shared run structure, both owned.
/// The run structure is touched only here and in `VCPUExit`'s views.
public struct VCPU: ~Copyable {
    let fd: OwnedFD
    public let id: UInt32
    private let runMapping: MemoryMapping
    private let run: UnsafeMutablePointer<kvm_run>
    /// Until the first KVM_RUN returns, the synced copies in the run structure are not filled.
    private var hasRun = false

    deinit { csluice_kvm_stop_release(run) }

    init(fd: consuming OwnedFD, id: UInt32, run mapping: MemoryMapping) throws(KVMError) {
        guard mapping.size >= MemoryLayout<kvm_run>.size else {
            throw .invalidArgument("vCPU mmap size \(mapping.size) is smaller than kvm_run")
        }
        self.fd = fd
        self.id = id
        runMapping = mapping
        run = mapping.base.bindMemory(to: kvm_run.self, capacity: 1)
    }

    /// Which register sets the kernel copies out on each exit. Only what the VMM reads:
    /// each set costs the kernel a copy on every exit.
    public var syncedRegisters: SyncedRegisters {
        get { SyncedRegisters(rawValue: UInt32(run.pointee.kvm_valid_regs)) }
        nonmutating set { run.pointee.kvm_valid_regs = UInt64(newValue.rawValue) }
    }

    // MARK: Registers

    /// A set written to the run structure and not yet taken by KVM: it, not KVM's copy, is current.
    private func isDirty(_ set: UInt32) -> Bool { run.pointee.kvm_dirty_regs & UInt64(set) != 0 }

    /// General registers: from the run structure when synced, otherwise by ioctl.
    public func registers() throws(KVMError) -> kvm_regs {
        if syncedRegisters.contains(.general) && (hasRun || isDirty(CSLUICE_KVM_SYNC_X86_REGS)) {
            return run.pointee.s.regs.regs
        }
        var regs = kvm_regs()
        let d = fd.descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_GET_REGS, "KVM_GET_REGS", &regs) }
        return regs
    }

    /// Sets general registers: written to the run structure and marked dirty (applied on the
    /// next entry) when synced, otherwise by ioctl.
    public func setRegisters(_ regs: kvm_regs) throws(KVMError) {
        if syncedRegisters.contains(.general) {
            run.pointee.s.regs.regs = regs
            run.pointee.kvm_dirty_regs |= UInt64(CSLUICE_KVM_SYNC_X86_REGS)
            return
        }
        var r = regs
        let d = fd.descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_SET_REGS, "KVM_SET_REGS", &r) }
    }

    public func specialRegisters() throws(KVMError) -> kvm_sregs {
        if syncedRegisters.contains(.special) && (hasRun || isDirty(CSLUICE_KVM_SYNC_X86_SREGS)) {
            return run.pointee.s.regs.sregs
        }
        var sregs = kvm_sregs()
        let d = fd.descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_GET_SREGS, "KVM_GET_SREGS", &sregs) }
        return sregs
    }

    public func setSpecialRegisters(_ sregs: kvm_sregs) throws(KVMError) {
        if syncedRegisters.contains(.special) {
            run.pointee.s.regs.sregs = sregs
            run.pointee.kvm_dirty_regs |= UInt64(CSLUICE_KVM_SYNC_X86_SREGS)
            return
        }
        var s = sregs
        let d = fd.descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_SET_SREGS, "KVM_SET_SREGS", &s) }
    }

    /// KVM_SET_CPUID2: what CPUID reports to the guest. Before the first KVM_RUN only.
    public func setCPUID(_ table: CPUIDTable) throws(KVMError) {
        let d = fd.descriptor
        try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_SET_CPUID2, "KVM_SET_CPUID2", bytes: table.buffer.baseAddress)
        }
    }

    // MARK: Running

    /// Makes `signals` (e.g. SIGINT, SIGTERM, SIGALRM) stop this vCPU: KVM_RUN returns
    /// `.interrupted` and `stopSignal` names the signal. For the process's one running vCPU; call it
    /// from the thread that runs it (a signal landing elsewhere is forwarded there).
    public func stopOnSignals(_ signals: [CInt]) throws(KVMError) {
        let result = signals.withUnsafeBufferPointer { csluice_kvm_stop_on_signals(run, $0.baseAddress, CInt($0.count)) }
        if result != 0 { throw .system(SystemError.current("sigaction for vCPU stop signals")) }
    }

    /// The stop signal received, if any (see `stopOnSignals`).
    public var stopSignal: CInt? {
        let s = csluice_kvm_stop_signal()
        return s == 0 ? nil : s
    }

    /// Asks a running KVM_RUN to return (from a signal handler or another thread) without racing.
    public var immediateExit: Bool {
        get { run.pointee.immediate_exit != 0 }
        nonmutating set { run.pointee.immediate_exit = newValue ? 1 : 0 }
    }

    /// Enters the guest until its next exit, then hands `body` a view of the exit.
    /// The view reads and writes the run structure in place; it is borrowed and non-copyable,
    /// so it cannot outlive this call (the next KVM_RUN would overwrite what it points at).
    public mutating func run<R>(_ body: (borrowing VCPUExit) throws(KVMError) -> R) throws(KVMError) -> R {
        let result = csluice_ioctl_val(fd.raw, CSLUICE_KVM_RUN, 0)
        hasRun = true
        if result < 0 {
            let e = SystemError.current("ioctl KVM_RUN")
            if e.errno == .interrupted || e.errno == .resourceTemporarilyUnavailable {
                return try body(.interrupted)
            }
            throw .system(e)
        }
        let exit = VCPUExit(run: run, mapSize: runMapping.size)
        return try body(exit)
    }
}
