import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor this value owns: closed exactly once, when the value ends.
/// Kernel objects (a KVM VM, a VFIO group, an eventfd) are built on it so that every
/// exit path releases them.
public struct OwnedFD: ~Copyable, @unchecked Sendable {
    public let descriptor: FileDescriptor

    public init(adopting descriptor: FileDescriptor) { self.descriptor = descriptor }

    /// Opens `path`; O_CLOEXEC is always added so no descriptor leaks into a child.
    public init(path: String, mode: FileDescriptor.AccessMode,
                options: FileDescriptor.OpenOptions = [], permissions: FilePermissions? = nil) throws(SystemError) {
        do {
            descriptor = try FileDescriptor.open(FilePath(path), mode, options: options.union(.closeOnExec),
                                                 permissions: permissions, retryOnInterrupt: true)
        } catch {
            throw SystemError(error, "open \(path)")
        }
    }

    public var raw: CInt { descriptor.rawValue }

    /// Gives up ownership without closing.
    public consuming func release() -> FileDescriptor {
        let d = descriptor
        discard self
        return d
    }

    deinit { _ = Glibc.close(descriptor.rawValue) }
}

extension SystemError {
    /// Maps a swift-system error thrown by a call whose purpose is `operation`.
    public init(_ error: any Error, _ operation: String) {
        self.init((error as? Errno) ?? .ioError, operation)
    }
}
