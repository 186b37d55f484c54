#if canImport(Glibc)
import Glibc
#endif
import SystemPackage
import CSluice

/// An eventfd(2): the kernel's doorbell between KVM, VFIO and the VMM (irqfd, ioeventfd, MSI-X triggers).
public struct EventFD: ~Copyable, @unchecked Sendable {
    public let fd: OwnedFD

    public init(initial: UInt32 = 0, nonBlocking: Bool = true) throws(SystemError) {
        let flags = CInt(EFD_CLOEXEC) | (nonBlocking ? CInt(EFD_NONBLOCK) : 0)
        let raw = eventfd(initial, flags)
        guard raw >= 0 else { throw SystemError.current("eventfd") }
        fd = OwnedFD(adopting: FileDescriptor(rawValue: raw))
    }

    public var raw: CInt { fd.raw }

    public func signal(_ count: UInt64 = 1) throws(SystemError) {
        var v = count
        guard Glibc.write(fd.raw, &v, 8) == 8 else { throw SystemError.current("write eventfd") }
    }

    /// Reads and resets the counter; nil when nothing was signalled (non-blocking).
    public func drain() throws(SystemError) -> UInt64? {
        var v: UInt64 = 0
        let n = Glibc.read(fd.raw, &v, 8)
        if n == 8 { return v }
        if Glibc.errno == EAGAIN { return nil }
        throw SystemError.current("read eventfd")
    }
}
