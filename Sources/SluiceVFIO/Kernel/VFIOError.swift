import SluiceSystem

/// Why a VFIO operation failed, with what was attempted and, where one exists, the remedy.
public enum VFIOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A system call failed (errno and the operation are in the SystemError).
    case system(SystemError)
    /// MAP_DMA needs more locked memory than RLIMIT_MEMLOCK allows.
    case memlockLimit(MemlockShortfall)
    /// The group has members on host drivers; the kernel will not let it be used.
    case groupNotViable(group: Int)
    /// The kernel lacks something Sluice needs (API version, an extension, an ioctl).
    case unsupported(String)
    /// The kernel returned bytes that do not parse (a capability chain that loops or overruns).
    case malformed(String)
    /// An argument out of range (offset beyond a region, a misaligned IOVA...).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .system(let e): return e.description
        case .memlockLimit(let s): return s.description
        case .groupNotViable(let g):
            return "VFIO group \(g) is not viable: a member of the group is bound to a host driver. "
                + "Remedy: bind every endpoint of the group with `sluice bind --group`."
        case .unsupported(let what): return "not supported by this kernel: \(what)"
        case .malformed(let what): return "malformed kernel reply: \(what)"
        case .invalidArgument(let what): return "invalid argument: \(what)"
        }
    }
}

extension VFIOError {
    /// Runs a system call wrapper, lifting its SystemError into VFIOError.
    @inline(__always) @discardableResult
    static func wrap<T: ~Copyable>(_ body: () throws(SystemError) -> T) throws(VFIOError) -> T {
        do { return try body() } catch { throw .system(error) }
    }
}
