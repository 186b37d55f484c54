/// The MSI capability of an assigned function, emulated: the guest's address/data/mask live here,
/// never in hardware; enabling routes one vector (multiple-message is not offered) through an
/// irqfd after the address is checked.
public final class MSIEmulation {
    public let capabilityOffset: Int
    public let is64Bit: Bool
    public let perVectorMasking: Bool
    public private(set) var control: UInt16
    public private(set) var address: UInt64 = 0
    public private(set) var data: UInt16 = 0
    public private(set) var mask: UInt32 = 0
    private var routed: (address: UInt64, data: UInt32)?
    private var trigger: InterruptEventFD?
    private var gsi: UInt32?
    private var pending = false
    private let device: AssignedDevice
    private let router: InterruptRouter
    private let events: GuestEventLog

    public init(capabilityOffset: Int, hardwareControl: UInt16, device: AssignedDevice,
                router: InterruptRouter, events: GuestEventLog) {
        self.capabilityOffset = capabilityOffset
        is64Bit = hardwareControl & 0x80 != 0
        perVectorMasking = hardwareControl & 0x100 != 0
        // Multiple Message Capable reads as 1 vector; enable and MME start clear.
        control = hardwareControl & 0x180
        self.device = device
        self.router = router
        self.events = events
    }

    public var enabled: Bool { control & 1 != 0 }
    public var isRouted: Bool { routed != nil }

    /// Capability length in bytes (ID/next/control, address, data, optional mask and pending).
    public var length: Int { 10 + (is64Bit ? 4 : 0) + (perVectorMasking ? 10 : 0) }

    private var dataOffset: Int { is64Bit ? 12 : 8 }
    private var maskOffset: Int { is64Bit ? 16 : 12 }

    /// A dword of the capability (offset relative to it, dword-aligned); `header` = ID and next pointer.
    public func readDword(_ relative: Int, header: UInt16) -> UInt32 {
        switch relative {
        case 0: return UInt32(header) | UInt32(control) << 16
        case 4: return UInt32(truncatingIfNeeded: address)
        case 8 where is64Bit: return UInt32(truncatingIfNeeded: address >> 32)
        case dataOffset: return UInt32(data)
        case maskOffset where perVectorMasking: return mask
        case maskOffset + 4 where perVectorMasking: return pending ? 1 : 0
        default: return 0
        }
    }

    /// A guest write of the merged dword at `relative`; `bytes` says which of its bytes were written.
    public func writeDword(_ relative: Int, _ value: UInt32, bytes: UInt8) {
        switch relative {
        case 0 where bytes & 0b1100 != 0:
            // Only enable is writable; MME stays 0 (one vector).
            control = (control & ~0x71) | UInt16(truncatingIfNeeded: value >> 16) & 0x1
        case 4: address = (address & 0xffff_ffff_0000_0000) | UInt64(value & ~0x3)
        case 8 where is64Bit: address = (address & 0xffff_ffff) | UInt64(value) << 32
        case dataOffset: data = UInt16(truncatingIfNeeded: value)
        case maskOffset where perVectorMasking: mask = value & 1
        default: return
        }
        update()
    }

    private func update() {
        let live = enabled && mask & 1 == 0
        if live && !MSIAddress.isValid(address) {
            events.record(.msiAddressRejected(device: device.name, address: address))
        }
        let wanted = live && MSIAddress.isValid(address) ? (address, UInt32(data)) : nil
        if wanted?.0 == routed?.address && wanted?.1 == routed?.data { return }
        do {
            if enabled && trigger == nil {
                let t = try InterruptEventFD()
                if gsi == nil { gsi = try router.allocateGSIs(1) }
                try device.setInterrupts(.msi, start: 0, eventFDs: [t.raw])
                trigger = t
            }
            guard let trigger, let gsi else { return }
            if let (a, d) = wanted {
                try router.routeMSI(gsi: gsi, address: a, data: d, trigger: trigger)
                routed = (a, d)
                if (try trigger.eventFD.drain()) != nil || pending {
                    pending = false
                    try router.injectMSI(address: a, data: d)
                }
            } else if routed != nil {
                try router.unrouteMSI(gsi: gsi, trigger: trigger)
                routed = nil
            }
            if !enabled {
                try device.setInterrupts(.msi, start: 0, eventFDs: [])
                self.trigger = nil
            }
        } catch {
            events.record(.hostFailure(device: device.name, what: "route MSI: \(error)"))
        }
    }
}
