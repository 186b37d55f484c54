import SluiceSystem

/// Page-aligned anonymous memory meant to be DMA-mapped (descriptor rings, packet buffers, guest RAM).
public final class DMABuffer: @unchecked Sendable {
    public let mapping: MemoryMapping
    public init(size: Int) throws(VFIOError) {
        let page = 4096
        let rounded = (size + page - 1) / page * page
        mapping = try VFIOError.wrap { () throws(SystemError) in try MemoryMapping(anonymousSize: rounded) }
    }
    public var size: Int { mapping.size }
}
