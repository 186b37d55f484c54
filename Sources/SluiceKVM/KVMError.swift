import SluiceSystem

/// Why KVM cannot be used, in words that name what is missing.
public enum KVMError: Error, Equatable, CustomStringConvertible, Sendable {
    case system(SystemError)
    /// KVM_GET_API_VERSION did not return 12, the only stable API.
    case unsupportedAPIVersion(CInt)
    case missingCapability(KVMCapability)
    /// A value out of range for the kernel object (slot, size, alignment).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .system(let e): return e.description
        case .unsupportedAPIVersion(let v): return "KVM API version \(v) is not the supported version 12"
        case .missingCapability(let c): return "KVM lacks the required capability \(c)"
        case .invalidArgument(let why): return "invalid KVM argument: \(why)"
        }
    }
}

/// Runs a system call sequence, reporting its failure as a KVM error.
@inline(__always) @discardableResult
func kvmCall<T: ~Copyable>(_ body: () throws(SystemError) -> T) throws(KVMError) -> T {
    do throws(SystemError) { return try body() } catch { throw .system(error) }
}
