import CSluice
import SystemPackage

/// The raw ioctl for the argsz buffers (pointer argument). Errors are read from errno by the caller.
@inline(__always)
func csluiceIoctl(_ fd: FileDescriptor, _ request: UInt, _ arg: UnsafeMutableRawPointer?) -> CInt {
    csluice_ioctl_ptr(fd.rawValue, request, arg)
}
