import SluiceKVM
import SluiceSystem

/// Why a VM could not be built or run.
public enum VMMError: Error, CustomStringConvertible {
    case kvm(KVMError)
    case system(SystemError)
    case layout(GuestMemoryLayout.LayoutError)
    case bus(IOBus.BusError)
    case payload(String)

    public var description: String {
        switch self {
        case .kvm(let e): return e.description
        case .system(let e): return e.description
        case .layout(let e): return "guest memory layout: \(e)"
        case .bus(let e): return "device bus: \(e)"
        case .payload(let why): return "payload: \(why)"
        }
    }
}

/// Runs KVM calls, reporting a failure as a VMM error.
@inline(__always) @discardableResult
func viaKVM<T: ~Copyable>(_ body: () throws(KVMError) -> T) throws(VMMError) -> T {
    do throws(KVMError) { return try body() } catch { throw .kvm(error) }
}
