/// The standard header (offsets 0x00-0x3f) of a type 0 (endpoint) or type 1 (bridge) function.
public struct ConfigHeader: Sendable, Equatable {
    public enum Layout: Sendable, Equatable {
        case endpoint(subsystemVendor: UInt16, subsystemID: UInt16, romAddress: UInt32, minGrant: UInt8, maxLatency: UInt8)
        case bridge(Bridge)
        case cardBus
        case unknown(UInt8)
    }

    public struct Bridge: Sendable, Equatable {
        public let primaryBus: UInt8
        public let secondaryBus: UInt8
        public let subordinateBus: UInt8
        public let secondaryLatency: UInt8
        public let secondaryStatus: UInt16
        public let ioBase: UInt32, ioLimit: UInt32
        public let memoryBase: UInt32, memoryLimit: UInt32
        public let prefetchableBase: UInt64, prefetchableLimit: UInt64
        public let bridgeControl: UInt16
    }

    public let vendorID: UInt16
    public let deviceID: UInt16
    public let command: UInt16
    public let status: UInt16
    public let revision: UInt8
    /// Class, subclass, programming interface (24 bits).
    public let classCode: UInt32
    public let cacheLineSize: UInt8
    public let latencyTimer: UInt8
    public let headerType: UInt8
    public let isMultiFunction: Bool
    public let interruptLine: UInt8
    public let interruptPin: UInt8
    /// Raw base address registers: 6 for type 0, 2 for type 1.
    public let bars: [UInt32]
    public let layout: Layout

    /// Status bit 4: a capability list exists; the pointer is at 0x34 (0x14 for CardBus).
    public var hasCapabilityList: Bool { bit(status, 4) }

    /// Decodes the 64-byte header; nil when fewer than 64 bytes were read.
    public init?(_ config: ConfigSpace) {
        guard config.count >= 64 else { return nil }
        vendorID = config.u16(0x00)!
        deviceID = config.u16(0x02)!
        command = config.u16(0x04)!
        status = config.u16(0x06)!
        revision = config.u8(0x08)!
        classCode = config.u32(0x08)! >> 8
        cacheLineSize = config.u8(0x0c)!
        latencyTimer = config.u8(0x0d)!
        headerType = config.u8(0x0e)! & 0x7f
        isMultiFunction = bit(config.u8(0x0e)!, 7)
        interruptLine = config.u8(0x3c)!
        interruptPin = config.u8(0x3d)!
        switch headerType {
        case 0:
            bars = (0..<6).map { config.u32(0x10 + 4 * $0)! }
            layout = .endpoint(subsystemVendor: config.u16(0x2c)!, subsystemID: config.u16(0x2e)!,
                               romAddress: config.u32(0x30)!, minGrant: config.u8(0x3e)!, maxLatency: config.u8(0x3f)!)
        case 1:
            bars = (0..<2).map { config.u32(0x10 + 4 * $0)! }
            layout = .bridge(Bridge(config))
        case 2:
            bars = [config.u32(0x10)!]
            layout = .cardBus
        default:
            bars = []
            layout = .unknown(headerType)
        }
    }

    /// Offset of the first capability pointer register, by header layout.
    var capabilityPointerOffset: Int { headerType == 2 ? 0x14 : 0x34 }
}

extension ConfigHeader.Bridge {
    init(_ c: ConfigSpace) {
        primaryBus = c.u8(0x18)!
        secondaryBus = c.u8(0x19)!
        subordinateBus = c.u8(0x1a)!
        secondaryLatency = c.u8(0x1b)!
        secondaryStatus = c.u16(0x1e)!
        // I/O window: 4K granular; upper 16 bits valid when the low nibble says 32-bit.
        let ioB = c.u8(0x1c)!, ioL = c.u8(0x1d)!
        let io32 = ioB & 0xf == 1
        ioBase = UInt32(ioB & 0xf0) << 8 | (io32 ? UInt32(c.u16(0x30)!) << 16 : 0)
        ioLimit = UInt32(ioL & 0xf0) << 8 | 0xfff | (io32 ? UInt32(c.u16(0x32)!) << 16 : 0)
        memoryBase = UInt32(c.u16(0x20)! & 0xfff0) << 16
        memoryLimit = UInt32(c.u16(0x22)! & 0xfff0) << 16 | 0xfffff
        let pB = c.u16(0x24)!, pL = c.u16(0x26)!
        let pref64 = pB & 0xf == 1
        prefetchableBase = UInt64(pB & 0xfff0) << 16 | (pref64 ? UInt64(c.u32(0x28)!) << 32 : 0)
        prefetchableLimit = UInt64(pL & 0xfff0) << 16 | 0xfffff | (pref64 ? UInt64(c.u32(0x2c)!) << 32 : 0)
        bridgeControl = c.u16(0x3e)!
    }
}
