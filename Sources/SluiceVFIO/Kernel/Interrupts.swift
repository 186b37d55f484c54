import CSluice
import SluiceSystem
import SystemPackage

/// VFIO_DEVICE_SET_IRQS: wiring device interrupts to eventfds, masking, unmasking.
extension VFIODevice {
    // VFIO_IRQ_SET_* flags from <linux/vfio.h>.
    static let dataNone: UInt32 = 1 << 0, dataBool: UInt32 = 1 << 1, dataEventfd: UInt32 = 1 << 2
    static let actionMask: UInt32 = 1 << 3, actionUnmask: UInt32 = 1 << 4, actionTrigger: UInt32 = 1 << 5

    /// Signals `eventfds[i]` when vector `start + i` of `index` fires. -1 in the array tears that
    /// vector down; an empty array with `count` 0 disables the whole index.
    public func setTriggers(index: UInt32, start: UInt32 = 0, eventfds: [CInt]) throws(VFIOError) {
        if eventfds.isEmpty {
            try setIRQs(index: index, flags: Self.dataNone | Self.actionTrigger, start: 0, count: 0, data: [])
            return
        }
        var data: [UInt8] = []
        for e in eventfds { withUnsafeBytes(of: e.littleEndian) { data += $0 } }
        try setIRQs(index: index, flags: Self.dataEventfd | Self.actionTrigger, start: start,
                    count: UInt32(eventfds.count), data: data)
    }

    /// Enables INTx with `trigger`, and level-triggered resampling through `unmask`: the kernel
    /// masks INTx when it fires and unmasks it when `unmask` is signalled (KVM's irqfd resampler).
    public func enableINTx(trigger: CInt, unmask: CInt?) throws(VFIOError) {
        try setTriggers(index: VFIOPCI.intx, eventfds: [trigger])
        if let unmask {
            var data: [UInt8] = []
            withUnsafeBytes(of: unmask.littleEndian) { data += $0 }
            try setIRQs(index: VFIOPCI.intx, flags: Self.dataEventfd | Self.actionUnmask, start: 0, count: 1, data: data)
        }
    }

    /// Unmasks INTx once (after the user handled the level-triggered interrupt).
    public func unmaskINTx() throws(VFIOError) {
        try setIRQs(index: VFIOPCI.intx, flags: Self.dataNone | Self.actionUnmask, start: 0, count: 1, data: [])
    }

    public func maskINTx() throws(VFIOError) {
        try setIRQs(index: VFIOPCI.intx, flags: Self.dataNone | Self.actionMask, start: 0, count: 1, data: [])
    }

    /// Fires vector `start..<start+count` of `index` from software (a test of the wiring).
    public func triggerIRQ(index: UInt32, start: UInt32, count: UInt32) throws(VFIOError) {
        try setIRQs(index: index, flags: Self.dataNone | Self.actionTrigger, start: start, count: count, data: [])
    }

    public func disableIRQs(index: UInt32) throws(VFIOError) {
        try setTriggers(index: index, eventfds: [])
    }

    func setIRQs(index: UInt32, flags: UInt32, start: UInt32, count: UInt32, data: [UInt8]) throws(VFIOError) {
        let header = MemoryLayout<vfio_irq_set>.size   // argsz, flags, index, start, count
        var buf = [UInt8](repeating: 0, count: header + data.count)
        buf.putLE(UInt32(buf.count), at: 0)
        buf.putLE(flags, at: 4)
        buf.putLE(index, at: 8)
        buf.putLE(start, at: 12)
        buf.putLE(count, at: 16)
        for (i, b) in data.enumerated() { buf[header + i] = b }
        let r: CInt = buf.withUnsafeMutableBytes { csluiceIoctl(fd.descriptor, CSLUICE_VFIO_DEVICE_SET_IRQS, $0.baseAddress) }
        if r < 0 {
            throw .system(SystemError.current("VFIO_DEVICE_SET_IRQS \(name) index \(index) start \(start) count \(count) flags 0x\(String(flags, radix: 16))"))
        }
    }
}
