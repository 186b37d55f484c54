#if canImport(Glibc)
import Glibc
#endif

/// Where a serial port's output goes.
public protocol ByteSink: AnyObject {
    func write(_ byte: UInt8)
    func flush()
}

/// Buffers bytes and writes them to a file descriptor (stdout) at newlines and when full.
public final class FileDescriptorSink: ByteSink {
    private let fd: CInt
    private var buffer: [UInt8] = []

    public init(fd: CInt = 1) {
        self.fd = fd
        buffer.reserveCapacity(4096)
    }

    public func write(_ byte: UInt8) {
        buffer.append(byte)
        if byte == 10 || buffer.count >= 4096 { flush() }
    }

    public func flush() {
        var done = 0
        while done < buffer.count {
            let n = buffer[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

/// Keeps everything written (tests; bounded so a chatty guest cannot exhaust memory).
public final class CapturingSink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public let limit: Int
    public init(limit: Int = 1 << 20) { self.limit = limit }
    public func write(_ byte: UInt8) { if bytes.count < limit { bytes.append(byte) } }
    public func flush() {}
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A 16550A-compatible UART as far as a console needs: the transmitter is always ready, no
/// input, registers a driver probes (IER, LCR, MCR, scratch, divisor latch) kept. With an
/// interrupt line it raises the transmitter-empty interrupt (IER bit 1) as a 16550 does: Linux's
/// 8250 driver sends user-space output (the tty, not printk) only from that interrupt.
public final class Serial8250: BusDevice {
    public static let com1: UInt64 = 0x3f8
    /// COM1's ISA interrupt.
    public static let com1IRQ: UInt32 = 4
    private let sink: ByteSink
    /// Drives the interrupt line (level true = asserted); nil: no line, interrupts never raised.
    private let interruptLine: ((Bool) -> Void)?
    private var ier: UInt8 = 0, lcr: UInt8 = 0, mcr: UInt8 = 0, scratch: UInt8 = 0
    private var divisor: UInt16 = 12
    /// The THR-empty interrupt is pending: set when THR empties (always at once here) or THRE is
    /// enabled; cleared by reading IIR while it is the source, or by writing THR.
    private var thrEmptyPending = false
    private var lineLevel = false

    public init(sink: ByteSink, interruptLine: ((Bool) -> Void)? = nil) {
        self.sink = sink
        self.interruptLine = interruptLine
    }

    private var dlab: Bool { lcr & 0x80 != 0 }
    private var interruptPending: Bool { ier & 0x02 != 0 && thrEmptyPending }

    /// The line follows the pending state; an edge-triggered PIC sees a new edge for each
    /// byte because writing THR drops the line before the (instant) transmit raises it again.
    private func updateLine() {
        let level = interruptPending
        guard level != lineLevel, let interruptLine else { return }
        lineLevel = level
        interruptLine(level)
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        switch offset {
        case 0: return dlab ? UInt64(divisor & 0xff) : 0  // RBR: nothing received
        case 1: return dlab ? UInt64(divisor >> 8) : UInt64(ier)
        case 2:  // IIR: FIFOs enabled; THR empty (0x2) or no interrupt pending (0x1)
            guard interruptPending else { return 0xc1 }
            thrEmptyPending = false
            updateLine()
            return 0xc2
        case 3: return UInt64(lcr)
        case 4: return UInt64(mcr)
        case 5: return 0x60  // LSR: THR empty, transmitter empty
        case 6: return 0xb0  // MSR: DCD, DSR, CTS
        case 7: return UInt64(scratch)
        default: return 0xff
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let b = UInt8(truncatingIfNeeded: value)
        switch offset {
        case 0:
            if dlab { divisor = (divisor & 0xff00) | UInt16(b); return }
            sink.write(b)
            thrEmptyPending = false
            updateLine()
            thrEmptyPending = true  // sent at once
        case 1:
            if dlab { divisor = (divisor & 0x00ff) | UInt16(b) << 8; return }
            // Enabling THRE while THR is empty raises it (what the 8250 driver's start_tx relies on).
            if b & 0x02 != 0 && ier & 0x02 == 0 { thrEmptyPending = true }
            ier = b & 0x0f
        case 3: lcr = b
        case 4: mcr = b & 0x1f
        case 7: scratch = b
        default: break  // FCR and read-only registers
        }
        updateLine()
    }
}
