#if canImport(Glibc)
import Glibc
#endif
import CSluice
import SluiceKVM
import SluiceSystem

/// How to build the machine.
public struct VMMConfiguration {
    public var memorySize: Int
    public var payload: Payload
    /// The in-kernel PIC/IOAPIC/LAPIC. With it, HLT waits for an interrupt in the kernel instead
    /// of exiting, so payloads stop through the debug-exit port.
    public var irqchip: Bool
    /// Guest-physical ranges RAM must avoid (the IOMMU's reserved IOVA regions when assigning devices).
    public var reservedRanges: [GuestRange]
    public var serialSink: ByteSink

    public init(memorySize: Int = 64 << 20, payload: Payload, irqchip: Bool = false,
                reservedRanges: [GuestRange] = [], serialSink: ByteSink = FileDescriptorSink()) {
        self.memorySize = memorySize
        self.payload = payload
        self.irqchip = irqchip
        self.reservedRanges = reservedRanges
        self.serialSink = serialSink
    }
}

/// Why the guest stopped.
public enum GuestStop: Equatable, Sendable, CustomStringConvertible {
    /// The payload wrote its exit code to the debug-exit port.
    case exitCode(UInt8)
    case halted
    /// Triple fault.
    case shutdown
    /// Reset requested through port 0xCF9.
    case reset
    case exitLimit(Int)
    /// A stop signal (interrupt, termination, timeout alarm) ended the run.
    case signal(CInt)
    case failed(String)

    public var description: String {
        switch self {
        case .exitCode(let c): return "guest exited with code \(c)"
        case .halted: return "guest halted"
        case .shutdown: return "guest shut down (triple fault)"
        case .reset: return "guest requested a reset"
        case .exitLimit(let n): return "stopped after \(n) exits"
        case .signal(let s): return "stopped by signal \(s)"
        case .failed(let why): return "guest failed: \(why)"
        }
    }
}

/// Timings of one run, for the benchmarks (monotonic clock, nanoseconds).
public struct RunStatistics: Sendable {
    public var exits = 0
    /// From the start of `VirtualMachineMonitor.init` (before /dev/kvm is opened) to the first exit.
    public var startToFirstExit: UInt64 = 0
    public var firstExitTime: UInt64 = 0
    public var lastExitTime: UInt64 = 0
}

@inline(__always) func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// A one-vCPU virtual machine: KVM objects, guest RAM, the PIO and MMIO buses with their devices.
/// The vCPU loop only decodes exits and hands them to a bus.
public final class VirtualMachineMonitor {
    private let startTime: UInt64
    var vm: VirtualMachine
    private var vcpu: VCPU
    /// Device assignment state (VirtualMachineMonitor+Passthrough.swift).
    var passthrough = PassthroughState()
    var kvmVFIO: KVMVFIODevice?
    let irqchip: Bool
    public let memory: GuestMemory
    public let events: GuestEventLog
    public let pio: IOBus
    public let mmio: IOBus
    public let pci: PCIRoot
    private let debugExit = DebugExit()
    private let configPorts: PCIConfigPorts
    private let serialSink: ByteSink
    public private(set) var statistics = RunStatistics()

    public init(_ config: VMMConfiguration) throws(VMMError) {
        startTime = monotonicNanoseconds()
        let layout: GuestMemoryLayout
        do throws(GuestMemoryLayout.LayoutError) {
            layout = try GuestMemoryLayout(ramSize: config.memorySize, reserved: config.reservedRanges)
        } catch { throw .layout(error) }
        let memory: GuestMemory
        do throws(SystemError) { memory = try GuestMemory(layout: layout) } catch { throw .system(error) }
        // Built in locals: a throw part-way must not leave a half-initialized owner.
        // Fail fast, naming the capability, for what this machine will use.
        let required = config.irqchip ? KVMCapability.requiredByVMM : KVMCapability.requiredForGuest
        let kvm = try viaKVM { () throws(KVMError) in try KVM(requiring: required) }
        var vm = try viaKVM { () throws(KVMError) in try kvm.createVM() }
        let vcpu = try viaKVM { () throws(KVMError) in
            try vm.setTSSAddress(0xfffb_d000)
            if config.irqchip {
                try vm.createIRQChip()
                try vm.createPIT()
            }
            for (i, r) in layout.regions.enumerated() {
                try vm.setMemorySlot(UInt32(i), guestAddress: r.guest.start, mapping: memory.mapping,
                                     offset: r.hostOffset, size: Int(r.guest.size))
            }
            var cpuid: CPUIDTable?
            if config.payload.needsHostCPUID {
                cpuid = try kvm.supportedCPUID()
                cpuid?.update(GuestCPUID.adjusted)
            }
            let vcpu = try vm.createVCPU(id: 0, cpuid: cpuid)
            // Only the general registers: the loop never reads the others, and each synced set
            // costs the kernel a copy on every exit.
            vcpu.syncedRegisters = [.general]
            return vcpu
        }
        self.vm = vm
        self.vcpu = vcpu
        irqchip = config.irqchip
        self.memory = memory
        events = GuestEventLog()
        pio = IOBus(.pio, events: events)
        mmio = IOBus(.mmio, events: events)
        pci = PCIRoot(events: events)
        configPorts = PCIConfigPorts(root: pci)
        serialSink = config.serialSink
        try attachStandardDevices()
        try load(config.payload)
    }

    private func attachStandardDevices() throws(VMMError) {
        pci.attach(PCIHostBridge(events: events), at: PCIFunctionAddress(device: 0)!)
        let ecam = PCIECAM(root: pci)
        do throws(IOBus.BusError) {
            // The UART's interrupt needs the in-kernel irqchip; without it the console is polled only.
            let line: ((Bool) -> Void)? = irqchip ? { [unowned self] level in
                do throws(KVMError) { try vm.setIRQLine(Serial8250.com1IRQ, level: level) } catch {
                    events.record(.hostFailure(device: "serial", what: "\(error)"))
                }
            } : nil
            try pio.register(Serial8250(sink: serialSink, interruptLine: line), at: Serial8250.com1, size: 8)
            try pio.register(debugExit, at: DebugExit.port, size: 1)
            try pio.register(CMOSClock(), at: CMOSClock.port, size: 2)
            try pio.register(configPorts, at: PCIConfigPorts.base, size: PCIConfigPorts.size)
            try mmio.register(ecam, at: PCIECAM.base, size: ecam.size)
        } catch { throw .bus(error) }
    }

    private func load(_ payload: Payload) throws(VMMError) {
        switch payload {
        case .flat(let bytes, .real):
            guard bytes.count <= 0x9fc00 - Int(Payload.realModeLoadAddress),
                  memory.write(bytes, at: Payload.realModeLoadAddress) else {
                throw .payload("a real-mode payload of \(bytes.count) bytes does not fit between 0x7c00 and 0x9fc00")
            }
            try viaKVM { () throws(KVMError) in try X86Boot.enterRealMode(vcpu, entry: UInt16(Payload.realModeLoadAddress)) }
        case .flat(let bytes, .long):
            try writeTables()
            guard memory.write(bytes, at: Payload.longModeLoadAddress) else {
                throw .payload("a payload of \(bytes.count) bytes does not fit in guest RAM at 1 MiB")
            }
            try enterLongMode(entry: Payload.longModeLoadAddress)
        case .elf(let bytes):
            try writeTables()
            try enterLongMode(entry: try loadELF(bytes))
        case .linux(let kernel, let initramfs, let commandLine):
            try writeTables()
            let bootParams = try loadLinux(kernel, initramfs, commandLine)
            try enterLongMode(entry: LinuxBootPlan.entry, rsi: bootParams)
        }
    }

    private func enterLongMode(entry: UInt64, rsi: UInt64 = 0) throws(VMMError) {
        try viaKVM { () throws(KVMError) in
            try X86Boot.enterLongMode(vcpu, entry: entry, stack: Payload.longModeStack, rsi: rsi)
        }
    }

    private func writeTables() throws(VMMError) {
        do throws(X86Boot.BootError) { try X86Boot.writeLongModeTables(memory) } catch { throw .payload("\(error)") }
    }

    private func loadELF(_ bytes: [UInt8]) throws(VMMError) -> UInt64 {
        let image: ELFImage
        do throws(ELFImage.ParseError) { image = try ELFImage(bytes) } catch { throw .payload(error.description) }
        for s in image.segments {
            guard s.guestAddress >= Payload.reservedLowEnd, s.memorySize <= Int.max,
                  memory.contains(s.guestAddress, count: Int(s.memorySize)) else {
                throw .payload("ELF segment at 0x\(String(s.guestAddress, radix: 16)) (\(s.memorySize) bytes) is outside guest RAM")
            }
            memory.write(bytes[s.fileOffset..<(s.fileOffset + s.fileSize)], at: s.guestAddress)
        }
        guard image.segments.contains(where: { $0.guestAddress <= image.entry && image.entry - $0.guestAddress < $0.memorySize })
        else { throw .payload("ELF entry 0x\(String(image.entry, radix: 16)) is not inside a loaded segment") }
        return image.entry
    }

    private func loadLinux(_ kernel: [UInt8], _ initramfs: [UInt8]?, _ commandLine: String) throws(VMMError) -> UInt64 {
        let plan: LinuxBootPlan
        do {
            let image = try BzImage(kernel)
            plan = try LinuxBootPlan(image: image, layout: memory.layout, commandLine: commandLine,
                                     initramfsSize: initramfs?.count)
            memory.write(image.kernel, at: LinuxBootPlan.kernelAddress)
        } catch let e as BzImage.ParseError { throw .payload(e.description) }
        catch let e as LinuxBootPlan.PlanError { throw .payload(e.description) }
        catch { throw .payload("\(error)") }
        memory.write(plan.bootParams, at: LinuxBootPlan.bootParamsAddress)
        memory.write(plan.commandLine, at: LinuxBootPlan.commandLineAddress)
        if let initramfs, let at = plan.initramfsAddress { memory.write(initramfs, at: at) }
        return LinuxBootPlan.bootParamsAddress
    }

    // MARK: Running

    private enum Step { case next, interrupted, stop(GuestStop) }

    /// Makes `signals` end `run` with `.signal` instead of killing the process, so teardown
    /// (device reset, DMA unmap) runs on Ctrl-C, termination and timeouts.
    public func stopOnSignals(_ signals: [CInt]) throws(VMMError) {
        try viaKVM { () throws(KVMError) in try vcpu.stopOnSignals(signals) }
    }

    /// Runs the guest until it stops. `exitLimit` bounds runaway guests in tests.
    public func run(exitLimit: Int = .max) throws(VMMError) -> GuestStop {
        defer { serialSink.flush() }
        try prepareAssignedDevices()
        while true {
            let step: Step
            do throws(KVMError) {
                step = try vcpu.run { (exit: borrowing VCPUExit) -> Step in handle(exit) }
            } catch { throw .kvm(error) }
            let now = monotonicNanoseconds()
            if statistics.exits == 0 {
                statistics.firstExitTime = now
                statistics.startToFirstExit = now - startTime
            }
            statistics.lastExitTime = now
            statistics.exits += 1
            if case .stop(let why) = step { return why }
            if case .interrupted = step, let signal = vcpu.stopSignal { return .signal(signal) }
            if statistics.exits >= exitLimit { return .exitLimit(statistics.exits) }
        }
    }

    @inline(__always)
    private func handle(_ exit: borrowing VCPUExit) -> Step {
        switch exit {
        case .portIO(let io):
            guard io.isWellFormed else { return .stop(.failed("malformed port I/O exit")) }
            let port = UInt64(io.port)
            if io.isWrite {
                for i in 0..<io.count { pio.write(port, size: io.size, value: UInt64(io.value(at: i))) }
                if let code = debugExit.exitCode { return .stop(.exitCode(code)) }
                if configPorts.resetRequested { return .stop(.reset) }
            } else {
                for i in 0..<io.count { io.setValue(UInt32(truncatingIfNeeded: pio.read(port, size: io.size)), at: i) }
            }
            return .next
        case .mmio(let m):
            if m.isWrite { mmio.write(m.address, size: m.size, value: m.value) }
            else { m.setValue(mmio.read(m.address, size: m.size)) }
            return .next
        case .halt: return .stop(.halted)
        case .shutdown: return .stop(.shutdown)
        case .interrupted: return .interrupted
        case .systemEvent(let type): return .stop(.failed("system event \(type)"))
        case .failedEntry(let reason): return .stop(.failed("VM entry failed, hardware reason 0x\(String(reason, radix: 16))"))
        case .internalError(let sub): return .stop(.failed("KVM internal error, suberror \(sub)"))
        case .other(let reason): return .stop(.failed("unhandled exit reason \(reason)"))
        }
    }

    /// The vCPU's general registers (from the synced copy: no ioctl after the first exit).
    public func registers() throws(VMMError) -> kvm_regs {
        do throws(KVMError) { return try vcpu.registers() } catch { throw .kvm(error) }
    }

    deinit { releaseAssignedDevices() }

    /// Resident memory of guest RAM right now.
    public var guestResidentBytes: Int { memory.residentBytes }
}
