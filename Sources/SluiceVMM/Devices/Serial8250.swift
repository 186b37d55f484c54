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

/// A 16550A-compatible UART as far as a polled console needs: the transmitter is always ready,
/// no input, registers a driver probes (IER, LCR, MCR, scratch, divisor latch) kept.
/// Interrupts are not raised (no line to the irqchip yet).
public final class Serial8250: BusDevice {
    public static let com1: UInt64 = 0x3f8
    private let sink: ByteSink
    private var ier: UInt8 = 0, lcr: UInt8 = 0, mcr: UInt8 = 0, scratch: UInt8 = 0
    private var divisor: UInt16 = 12

    public init(sink: ByteSink) { self.sink = sink }

    private var dlab: Bool { lcr & 0x80 != 0 }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        switch offset {
        case 0: return dlab ? UInt64(divisor & 0xff) : 0  // RBR: nothing received
        case 1: return dlab ? UInt64(divisor >> 8) : UInt64(ier)
        case 2: return 0xc1  // IIR: FIFOs enabled, no interrupt pending
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
            if dlab { divisor = (divisor & 0xff00) | UInt16(b) } else { sink.write(b) }
        case 1:
            if dlab { divisor = (divisor & 0x00ff) | UInt16(b) << 8 } else { ier = b & 0x0f }
        case 3: lcr = b
        case 4: mcr = b & 0x1f
        case 7: scratch = b
        default: break  // FCR and read-only registers
        }
    }
}
