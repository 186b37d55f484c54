import SystemPackage

/// A failed system call: the errno and what was being attempted, in words a user can act on.
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    public let errno: Errno
    /// What was attempted, e.g. "open /dev/vfio/12" or "ioctl VFIO_GROUP_GET_STATUS".
    public let operation: String

    public init(_ errno: Errno, _ operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// The calling thread's current errno.
    public static func current(_ operation: String) -> SystemError {
        SystemError(Errno(rawValue: currentErrno()), operation)
    }

    public var description: String { "\(operation): \(errno) (errno \(errno.rawValue))" }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func currentErrno() -> CInt { Glibc.errno }
#elseif canImport(Musl)
import Musl
@inline(__always) func currentErrno() -> CInt { Musl.errno }
#endif
