import SluiceSystem

/// An eventfd shared between the device (trigger) and KVM (irqfd): a class, so several owners can
/// refer to it and it closes when the last goes.
public final class InterruptEventFD {
    public let eventFD: EventFD
    public init() throws(SystemError) { eventFD = try EventFD() }
    public var raw: CInt { eventFD.raw }
}

/// What an assigned device's interrupts need from the VM: GSI routes and irqfds. The VMM
/// implements it with KVM; unit tests record the calls.
public protocol InterruptRouter: AnyObject {
    /// Reserves `count` consecutive GSIs for MSI/MSI-X routes.
    func allocateGSIs(_ count: Int) throws -> UInt32
    /// Points `gsi` at the MSI message and makes `trigger` inject it.
    func routeMSI(gsi: UInt32, address: UInt64, data: UInt32, trigger: InterruptEventFD) throws
    /// Stops `trigger` injecting `gsi` and removes the route (masked or disabled vector).
    func unrouteMSI(gsi: UInt32, trigger: InterruptEventFD) throws
    /// Injects one MSI now (a vector unmasked with an interrupt pending).
    func injectMSI(address: UInt64, data: UInt32) throws
    /// A level-triggered legacy line with resample (INTx).
    func routeINTx(gsi: UInt32, trigger: InterruptEventFD, resample: InterruptEventFD) throws
}

/// x86 MSI addresses: the guest may only target the local APICs' interrupt window.
public enum MSIAddress {
    public static let window = GuestRange(start: 0xFEE0_0000, end: 0xFEF0_0000)
    public static func isValid(_ address: UInt64) -> Bool { window.contains(address) && address & 0x3 == 0 }
}
