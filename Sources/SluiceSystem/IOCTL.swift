import CSluice
import SystemPackage

/// ioctl(2) with a named request, so a failure says which call failed on which object.
/// The request numbers come from the C shims (the _IOR/_IOW macros do not import).
public enum IOCTL {
    /// An ioctl whose argument is a pointer to `value`; returns the non-negative result.
    @discardableResult
    public static func call<T>(_ fd: FileDescriptor, _ request: UInt, _ name: StaticString,
                               _ value: inout T) throws(SystemError) -> CInt {
        let result = withUnsafeMutablePointer(to: &value) { csluice_ioctl_ptr(fd.rawValue, request, $0) }
        if result < 0 { throw SystemError.current("ioctl \(name)") }
        return result
    }

    /// An ioctl whose argument is a pointer to raw bytes (variable-length structs).
    @discardableResult
    public static func call(_ fd: FileDescriptor, _ request: UInt, _ name: StaticString,
                            bytes: UnsafeMutableRawPointer?) throws(SystemError) -> CInt {
        let result = csluice_ioctl_ptr(fd.rawValue, request, bytes)
        if result < 0 { throw SystemError.current("ioctl \(name)") }
        return result
    }

    /// An ioctl whose argument is an integer (or none).
    @discardableResult
    public static func call(_ fd: FileDescriptor, _ request: UInt, _ name: StaticString,
                            value: UInt = 0) throws(SystemError) -> CInt {
        let result = csluice_ioctl_val(fd.rawValue, request, value)
        if result < 0 { throw SystemError.current("ioctl \(name)") }
        return result
    }
}
