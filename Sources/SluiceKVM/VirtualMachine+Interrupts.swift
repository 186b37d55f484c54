import CSluice
import SluiceSystem
import SystemPackage

/// Which interrupt controller model the VM gets.
public enum IRQChipModel: Sendable {
    /// PIC, IOAPIC and LAPIC all in the kernel (KVM_CREATE_IRQCHIP).
    case inKernel
    /// Only the LAPIC in the kernel; the IOAPIC/PIC are the VMM's (KVM_CAP_SPLIT_IRQCHIP).
    case split(ioapicPins: UInt64)
}

/// The address space an ioeventfd watches.
public enum IOEventSpace: Sendable { case pio, mmio }

extension VirtualMachine {
    public func createIRQChip(_ model: IRQChipModel = .inKernel) throws(KVMError) {
        let d = descriptor
        switch model {
        case .inKernel:
            try kvmCall { () throws(SystemError) in
                try IOCTL.call(d, CSLUICE_KVM_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP", value: 0)
            }
        case .split(let pins):
            var cap = kvm_enable_cap()
            cap.cap = UInt32(KVM_CAP_SPLIT_IRQCHIP)
            cap.args.0 = pins
            try kvmCall { () throws(SystemError) in
                try IOCTL.call(d, CSLUICE_KVM_ENABLE_CAP, "KVM_ENABLE_CAP KVM_CAP_SPLIT_IRQCHIP", &cap)
            }
        }
    }

    /// The i8254 PIT in the kernel (needs the in-kernel irqchip), with the dummy speaker port
    /// 0x61 whose channel-2 gate and output Linux's fast TSC calibration reads.
    public func createPIT() throws(KVMError) {
        var config = kvm_pit_config()
        config.flags = UInt32(KVM_PIT_SPEAKER_DUMMY)
        let d = descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_CREATE_PIT2, "KVM_CREATE_PIT2", &config) }
    }

    /// Replaces the whole GSI routing table (KVM_SET_GSI_ROUTING).
    public func setGSIRouting(_ table: GSIRoutingTable) throws(KVMError) {
        let count = table.entries.count
        let size = csluice_kvm_irq_routing_size(UInt32(count))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let header = buffer.baseAddress!.assumingMemoryBound(to: kvm_irq_routing.self)
        header.pointee.nr = UInt32(count)
        let first = buffer.baseAddress! + MemoryLayout<kvm_irq_routing>.size
        for (i, route) in table.entries.enumerated() {
            first.storeBytes(of: route.kernelEntry, toByteOffset: i * MemoryLayout<kvm_irq_routing_entry>.stride,
                             as: kvm_irq_routing_entry.self)
        }
        let d = descriptor
        try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_SET_GSI_ROUTING, "KVM_SET_GSI_ROUTING", bytes: buffer.baseAddress)
        }
    }

    /// Makes a signal on `eventfd` inject `gsi` (edge: MSI routes).
    public func registerIRQFD(_ eventfd: borrowing EventFD, gsi: UInt32) throws(KVMError) {
        try registerIRQFD(eventfd.raw, gsi: gsi, resampleFD: nil)
    }

    /// A level-triggered line: KVM signals `resample` at the guest's EOI so the VMM can
    /// unmask the source (VFIO INTx) without an exit.
    public func registerIRQFD(_ eventfd: borrowing EventFD, gsi: UInt32,
                              resample: borrowing EventFD) throws(KVMError) {
        try registerIRQFD(eventfd.raw, gsi: gsi, resampleFD: resample.raw)
    }

    private func registerIRQFD(_ fd: CInt, gsi: UInt32, resampleFD: CInt?) throws(KVMError) {
        var irqfd = kvm_irqfd()
        irqfd.fd = UInt32(bitPattern: fd)
        irqfd.gsi = gsi
        if let r = resampleFD {
            irqfd.flags = CSLUICE_KVM_IRQFD_FLAG_RESAMPLE
            irqfd.resamplefd = UInt32(bitPattern: r)
        }
        let d = descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_IRQFD, "KVM_IRQFD", &irqfd) }
    }

    public func unregisterIRQFD(_ eventfd: borrowing EventFD, gsi: UInt32) throws(KVMError) {
        var irqfd = kvm_irqfd()
        irqfd.fd = UInt32(bitPattern: eventfd.raw)
        irqfd.gsi = gsi
        irqfd.flags = CSLUICE_KVM_IRQFD_FLAG_DEASSIGN
        let d = descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_IRQFD, "KVM_IRQFD (deassign)", &irqfd) }
    }

    /// Makes a guest write of `length` bytes at `address` (matching `datamatch`, if given)
    /// signal `eventfd` inside the kernel, with no exit to the VMM.
    public func registerIOEventFD(_ eventfd: borrowing EventFD, space: IOEventSpace, address: UInt64,
                                  length: UInt32, datamatch: UInt64? = nil) throws(KVMError) {
        var ioeventfd = Self.ioeventfd(eventfd.raw, space, address, length, datamatch)
        let d = descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_IOEVENTFD, "KVM_IOEVENTFD", &ioeventfd) }
    }

    public func unregisterIOEventFD(_ eventfd: borrowing EventFD, space: IOEventSpace, address: UInt64,
                                    length: UInt32, datamatch: UInt64? = nil) throws(KVMError) {
        var ioeventfd = Self.ioeventfd(eventfd.raw, space, address, length, datamatch)
        ioeventfd.flags |= CSLUICE_KVM_IOEVENTFD_FLAG_DEASSIGN
        let d = descriptor
        try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_IOEVENTFD, "KVM_IOEVENTFD (deassign)", &ioeventfd)
        }
    }

    private static func ioeventfd(_ fd: CInt, _ space: IOEventSpace, _ address: UInt64, _ length: UInt32,
                                  _ datamatch: UInt64?) -> kvm_ioeventfd {
        var e = kvm_ioeventfd()
        e.fd = fd
        e.addr = address
        e.len = length
        if space == .pio { e.flags |= CSLUICE_KVM_IOEVENTFD_FLAG_PIO }
        if let m = datamatch {
            e.flags |= CSLUICE_KVM_IOEVENTFD_FLAG_DATAMATCH
            e.datamatch = m
        }
        return e
    }

    /// Drives an irqchip input line (KVM_IRQ_LINE): level 1 asserts, 0 deasserts.
    public func setIRQLine(_ irq: UInt32, level: Bool) throws(KVMError) {
        var line = kvm_irq_level()
        line.irq = irq
        line.level = level ? 1 : 0
        let d = descriptor
        try kvmCall { () throws(SystemError) in try IOCTL.call(d, CSLUICE_KVM_IRQ_LINE, "KVM_IRQ_LINE", &line) }
    }

    /// Injects one MSI directly (KVM_SIGNAL_MSI); returns false when the guest blocked it.
    @discardableResult
    public func signalMSI(address: UInt64, data: UInt32) throws(KVMError) -> Bool {
        var msi = kvm_msi()
        msi.address_lo = UInt32(truncatingIfNeeded: address)
        msi.address_hi = UInt32(truncatingIfNeeded: address >> 32)
        msi.data = data
        let d = descriptor
        return try kvmCall { () throws(SystemError) in
            try IOCTL.call(d, CSLUICE_KVM_SIGNAL_MSI, "KVM_SIGNAL_MSI", &msi)
        } > 0
    }
}
