/// Whether the device may read, write or both through a DMA mapping.
public struct DMAAccess: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = DMAAccess(rawValue: 1)
    public static let write = DMAAccess(rawValue: 2)
    public static let readWrite: DMAAccess = [.read, .write]
}

/// An IOMMU address space a device's DMA goes through: the legacy type1 container or an
/// iommufd IOAS. Callers map process memory at an IOVA without caring which one it is.
public protocol DMAMapper: AnyObject, Sendable {
    func map(vaddr: UInt64, iova: UInt64, size: UInt64, access: DMAAccess) throws(VFIOError)
    /// Returns the number of bytes unmapped.
    @discardableResult func unmap(iova: UInt64, size: UInt64) throws(VFIOError) -> UInt64
    func iovaRanges() throws(VFIOError) -> [ClosedRange<UInt64>]
}

extension DMAMapper {
    /// Maps an owned buffer; the buffer must outlive the mapping (unmap before it is freed).
    public func map(_ buffer: DMABuffer, iova: UInt64, access: DMAAccess = .readWrite) throws(VFIOError) {
        try map(vaddr: UInt64(UInt(bitPattern: buffer.mapping.base)), iova: iova, size: UInt64(buffer.mapping.size),
                access: access)
    }
}
