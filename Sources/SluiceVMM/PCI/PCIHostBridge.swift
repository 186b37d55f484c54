/// The host bridge at 00:00.0 (Red Hat's QEMU PCIe host bridge IDs, which guests know).
/// Only the command register's memory/IO/bus-master bits and the interrupt line are writable.
public final class PCIHostBridge: PCIFunction {
    public static let vendor: UInt16 = 0x1b36, device: UInt16 = 0x0008
    private var space = PCIConfigSpace(size: 256)
    private let events: GuestEventLog

    public init(events: GuestEventLog) {
        self.events = events
        space.set(PCIConfigSpace.vendorID, size: 2, UInt32(Self.vendor))
        space.set(PCIConfigSpace.vendorID + 2, size: 2, UInt32(Self.device))
        space.set(PCIConfigSpace.classCode, size: 3, 0x06_00_00)  // bridge, host bridge
        space.set(PCIConfigSpace.subsystemVendorID, size: 4, 0x1100_1af4)
        space.setWritable(PCIConfigSpace.command, size: 2, mask: 0x0007)
        space.setWritable(PCIConfigSpace.interruptLine, size: 1, mask: 0xff)
    }

    public var configSize: Int { space.size }

    public func configRead(offset: Int, size: Int) -> UInt32 { space.read(offset, size: size) }

    public func configWrite(offset: Int, size: Int, value: UInt32) {
        if space.guestWrite(offset, size: size, value) && PCIConfigSpace.isIdentityField(offset, size: size) {
            events.record(.readOnlyConfigWrite(device: "00:00.0 host bridge", offset: offset, value: value))
        }
    }
}
