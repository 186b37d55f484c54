import SluiceSystem

/// The seam between the VMM and a physical device assigned to the guest. The VFIO layer
/// implements it (a VFIO device fd plus its group/container); tests implement it with a fake.
/// Region indices follow VFIO: 0-5 BARs, 6 expansion ROM, 7 configuration space.
public protocol AssignedDevice: AnyObject {
    /// Host address, e.g. "0000:01:00.0".
    var name: String { get }
    /// The VFIO file KVM is told about through the KVM-VFIO device: the group fd, or (kernels with
    /// KVM_DEV_VFIO_FILE, 6.6 on) the device fd. nil when there is none (tests).
    var kvmVFIOFile: CInt? { get }

    func regionInfo(_ index: Int) throws -> AssignedRegionInfo?
    /// mmap of `size` bytes of region `index` from `offset` (only inside a mmappable area).
    func mapRegion(_ index: Int, offset: UInt64, size: Int) throws -> MemoryMapping
    /// Slow-path access to a region (trapped BAR pages, non-mmappable BARs).
    func readRegion(_ index: Int, offset: UInt64, size: Int) throws -> UInt64
    func writeRegion(_ index: Int, offset: UInt64, size: Int, value: UInt64) throws

    /// Hardware configuration space (through VFIO's own virtualization).
    func readConfig(offset: Int, size: Int) throws -> UInt32
    func writeConfig(offset: Int, size: Int, value: UInt32) throws

    func interruptCount(_ kind: AssignedInterruptKind) -> Int
    /// Sets trigger eventfds for vectors start..<start+count of `kind`; an empty list disables `kind`.
    func setInterrupts(_ kind: AssignedInterruptKind, start: Int, eventFDs: [CInt]) throws
    /// Level-triggered INTx: the device unmasks its line when `eventFD` is signalled (KVM's resample fd).
    func setINTxUnmask(eventFD: CInt?) throws
    func reset() throws
}

/// Maps guest RAM for the device's DMA (IOVA = guest-physical address), per container/IOAS.
public protocol GuestDMAMapper: AnyObject {
    /// Ranges the IOMMU will not map (e.g. the MSI window): guest RAM must avoid them.
    var reservedIOVARanges: [GuestRange] { get }
    func mapDMA(iova: UInt64, memory: MemoryMapping, offset: Int, size: Int) throws
    func unmapDMA(iova: UInt64, size: Int) throws
}

public enum AssignedInterruptKind: Sendable { case intx, msi, msix }

public struct AssignedRegionInfo: Equatable, Sendable {
    public var size: UInt64
    public var readable: Bool
    public var writable: Bool
    public var mmappable: Bool
    /// The mmappable parts (offset, size) when the region is sparse; nil = all of it.
    public var sparseAreas: [GuestRange]?

    public init(size: UInt64, readable: Bool = true, writable: Bool = true, mmappable: Bool = true,
                sparseAreas: [GuestRange]? = nil) {
        self.size = size
        self.readable = readable
        self.writable = writable
        self.mmappable = mmappable
        self.sparseAreas = sparseAreas
    }
}
