#if canImport(Glibc)
import Glibc
#endif

/// The MC146818 CMOS real-time clock behind ports 0x70 (index) and 0x71 (data): the host's wall
/// clock in UTC, read-only, plus the CMOS RAM bytes. Without it Linux spins for seconds on the
/// update-in-progress bit of an absent chip (tens of thousands of exits) before calling it broken.
/// The guest cannot set the time (writes to the clock registers are dropped) and no interrupt
/// (IRQ 8: alarm, periodic, update) is raised.
public final class CMOSClock: BusDevice {
    public static let port: UInt64 = 0x70
    enum Register {
        static let seconds = 0x00, minutes = 0x02, hours = 0x04, weekday = 0x06
        static let day = 0x07, month = 0x08, year = 0x09, a = 0x0a, b = 0x0b, c = 0x0c, d = 0x0d
        static let century = 0x32
    }
    /// Register B bits the guest may choose: binary (not BCD) mode; 24-hour mode is always on.
    static let binaryMode: UInt8 = 0x04, twentyFourHour: UInt8 = 0x02

    private var index = 0
    private var ram = [UInt8](repeating: 0, count: 128)
    private let now: () -> Int

    /// `now`: seconds since the epoch (the host's clock unless a test fixes it).
    public init(now: @escaping () -> Int = { Int(time(nil)) }) {
        self.now = now
        ram[Register.b] = Self.twentyFourHour
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        offset == 1 ? UInt64(register(index)) : 0xff
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let b = UInt8(truncatingIfNeeded: value)
        switch offset {
        case 0: index = Int(b & 0x7f)  // bit 7 is the NMI mask, not part of the index
        case 1:
            switch index {
            case Register.b: ram[index] = (b & Self.binaryMode) | Self.twentyFourHour
            case Register.seconds, Register.minutes, Register.hours, Register.weekday, Register.day,
                 Register.month, Register.year, Register.century, Register.a, Register.c, Register.d:
                break  // the clock and the status registers are not the guest's to set
            default: ram[index] = b
            }
        default: break
        }
    }

    private func register(_ r: Int) -> UInt8 {
        switch r {
        case Register.a: return 0x26   // 32.768 kHz time base, 1024 Hz rate, update not in progress
        case Register.c: return 0      // no interrupt flags
        case Register.d: return 0x80   // valid RAM and time (battery good)
        case Register.seconds, Register.minutes, Register.hours, Register.weekday, Register.day,
             Register.month, Register.year, Register.century:
            var t = time_t(now())
            var tm = Glibc.tm()
            guard gmtime_r(&t, &tm) != nil else { return 0 }
            let year = Int(tm.tm_year) + 1900
            let value: Int
            switch r {
            case Register.seconds: value = Int(tm.tm_sec)
            case Register.minutes: value = Int(tm.tm_min)
            case Register.hours: value = Int(tm.tm_hour)
            case Register.weekday: value = Int(tm.tm_wday) + 1
            case Register.day: value = Int(tm.tm_mday)
            case Register.month: value = Int(tm.tm_mon) + 1
            case Register.year: value = year % 100
            default: value = year / 100 % 100
            }
            return ram[Register.b] & Self.binaryMode != 0 ? UInt8(value) : UInt8((value / 10) << 4 | value % 10)
        default: return ram[r]
        }
    }
}
