import SluiceSystem
import SystemPackage

/// The VFIO "argsz" convention: the caller says how big its buffer is, the kernel answers with
/// how big it needs to be (capability chains make replies variable-length). Asks once with
/// `initialSize`, and once more with the size the kernel asked for if that was larger.
func argszQuery(_ fd: FileDescriptor, _ request: UInt, _ name: StaticString, initialSize: Int,
                prepare: (inout [UInt8]) -> Void = { _ in }) throws(VFIOError) -> KernelBytes {
    var size = initialSize
    for _ in 0..<2 {
        var buf = [UInt8](repeating: 0, count: size)
        buf.putLE(UInt32(size), at: 0)
        prepare(&buf)
        let result: CInt = buf.withUnsafeMutableBytes { csluiceIoctl(fd, request, $0.baseAddress) }
        if result < 0 { throw .system(SystemError.current("ioctl \(name)")) }
        let wanted = Int(KernelBytes(buf).u32(0) ?? 0)
        if wanted <= size { return KernelBytes(buf) }
        guard wanted <= 1 << 20 else { throw .malformed("\(name) asked for a \(wanted)-byte buffer") }
        size = wanted
    }
    throw .malformed("\(name) kept growing its reply")
}
