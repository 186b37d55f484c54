/// One entry of a VFIO capability chain (struct vfio_info_cap_header: u16 id, u16 version, u32 next).
/// `offset` is where the header starts in the info buffer; its payload follows the 8-byte header.
public struct VFIOCapability: Sendable, Equatable {
    public let id: UInt16
    public let version: UInt16
    public let offset: Int
}

/// Walks the capability chain that starts at `first` (an offset into `buffer`; 0 ends the chain).
/// The chain comes from the kernel but is still checked: every header must lie inside the
/// buffer, and an offset seen twice (a loop) or more than 64 entries is an error, not a hang.
func parseCapabilityChain(_ buffer: KernelBytes, first: UInt32) throws(VFIOError) -> [VFIOCapability] {
    var caps: [VFIOCapability] = []
    var seen = Set<UInt32>()
    var next = first
    while next != 0 {
        guard seen.insert(next).inserted, caps.count < 64 else {
            throw .malformed("capability chain loops at offset \(next)")
        }
        let o = Int(next)
        guard let id = buffer.u16(o), let version = buffer.u16(o + 2), let n = buffer.u32(o + 4) else {
            throw .malformed("capability header at offset \(next) overruns the \(buffer.bytes.count)-byte reply")
        }
        caps.append(VFIOCapability(id: id, version: version, offset: o))
        next = n
    }
    return caps
}
