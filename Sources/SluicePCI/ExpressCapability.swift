/// PCI Express capability (standard id 0x10): port type, device and link registers.
public struct ExpressCapability: DecodedCapability, Equatable {
    public static let isExtended = false
    public static let capabilityID = StandardCapabilityID.pciExpress
    public enum PortType: UInt8, Sendable {
        case endpoint = 0, legacyEndpoint = 1, rootPort = 4, upstreamPort = 5, downstreamPort = 6
        case pcieToPCIBridge = 7, pciToPCIeBridge = 8, rootComplexIntegratedEndpoint = 9
        case rootComplexEventCollector = 10

        /// lspci's words for the type.
        public var name: String {
            switch self {
            case .endpoint: "Endpoint"
            case .legacyEndpoint: "Legacy Endpoint"
            case .rootPort: "Root Port"
            case .upstreamPort: "Upstream Port"
            case .downstreamPort: "Downstream Port"
            case .pcieToPCIBridge: "PCI-Express to PCI/PCI-X Bridge"
            case .pciToPCIeBridge: "PCI/PCI-X to PCI-Express Bridge"
            case .rootComplexIntegratedEndpoint: "Root Complex Integrated Endpoint"
            case .rootComplexEventCollector: "Root Complex Event Collector"
            }
        }
    }

    public let version: UInt8
    /// nil for a reserved type value (kept raw in `rawPortType`).
    public let portType: PortType?
    public let rawPortType: UInt8
    public let slotImplemented: Bool
    public let interruptMessageNumber: UInt8
    public let deviceCapabilities: UInt32
    public let deviceControl: UInt16
    public let deviceStatus: UInt16
    /// Link registers are absent for root-complex integrated endpoints and event collectors.
    public let linkCapabilities: UInt32?
    public let linkControl: UInt16?
    public let linkStatus: UInt16?
    public let deviceCapabilities2: UInt32?
    public let deviceControl2: UInt16?
    /// Slot registers, present when the port implements a slot (hot-plug lives here).
    public let slotCapabilities: UInt32?
    public let slotControl: UInt16?
    public let slotStatus: UInt16?

    public init?(_ c: ConfigSpace, at o: Int) {
        guard let flags = c.u16(o + 2), let devCap = c.u32(o + 4), let devCtl = c.u16(o + 8),
              let devSta = c.u16(o + 0xa) else { return nil }
        version = UInt8(flags & 0xf)
        rawPortType = UInt8(bits(flags, 4, 4))
        portType = PortType(rawValue: rawPortType)
        slotImplemented = bit(flags, 8)
        interruptMessageNumber = UInt8(bits(flags, 9, 5))
        deviceCapabilities = devCap; deviceControl = devCtl; deviceStatus = devSta
        let hasLink = portType != .rootComplexIntegratedEndpoint && portType != .rootComplexEventCollector
        linkCapabilities = hasLink ? c.u32(o + 0xc) : nil
        linkControl = hasLink ? c.u16(o + 0x10) : nil
        linkStatus = hasLink ? c.u16(o + 0x12) : nil
        let slot = slotImplemented && (portType == .rootPort || portType == .downstreamPort)
        slotCapabilities = slot ? c.u32(o + 0x14) : nil
        slotControl = slot ? c.u16(o + 0x18) : nil
        slotStatus = slot ? c.u16(o + 0x1a) : nil
        deviceCapabilities2 = version >= 2 ? c.u32(o + 0x24) : nil
        deviceControl2 = version >= 2 ? c.u16(o + 0x28) : nil
    }

    /// DevCap bit 28: the function supports Function Level Reset.
    public var supportsFLR: Bool { bit(deviceCapabilities, 28) }
    public var maxPayloadSupported: Int { 128 << Int(deviceCapabilities & 7) }
    public var isEndpoint: Bool {
        portType == .endpoint || portType == .legacyEndpoint || portType == .rootComplexIntegratedEndpoint
    }
    /// SltCap: hot-plug capable and surprise-removal capable (a device that can vanish).
    public var isHotPlugCapable: Bool { slotCapabilities.map { bit($0, 6) } ?? false }
    public var isSurpriseRemovalCapable: Bool { slotCapabilities.map { bit($0, 5) } ?? false }

    /// DevCap2 bit 5 / DevCtl2 bit 5: ARI forwarding (ports), which lets ACS see 256 functions.
    public var ariForwardingSupported: Bool { deviceCapabilities2.map { bit($0, 5) } ?? false }
    public var ariForwardingEnabled: Bool { deviceControl2.map { bit($0, 5) } ?? false }

    public var linkSpeedCapable: String? { linkCapabilities.map { linkSpeedName(UInt8($0 & 0xf)) } }
    public var linkWidthCapable: Int? { linkCapabilities.map { Int(bits($0, 4, 6)) } }
    public var linkSpeed: String? { linkStatus.map { linkSpeedName(UInt8($0 & 0xf)) } }
    public var linkWidth: Int? { linkStatus.map { Int(bits($0, 4, 6)) } }

    public var fields: [CapabilityField] {
        var f: [CapabilityField] = [
            CapabilityField("Express", "Version", String(version)),
            CapabilityField("Express", "Type", portType?.name ?? "Unknown type \(rawPortType)"),
            .flag("Express", "Slot", slotImplemented),
            CapabilityField("Express", "MSI", hex(interruptMessageNumber, width: 2)),
        ]
        let dc = deviceCapabilities
        f += [CapabilityField("DevCap", "MaxPayload", "\(128 << Int(dc & 7)) bytes"),
              CapabilityField("DevCap", "PhantFunc", String((1 << Int(bits(dc, 3, 2))) - 1)),
              .flag("DevCap", "ExtTag", bit(dc, 5)), .flag("DevCap", "AttnBtn", bit(dc, 12)),
              .flag("DevCap", "AttnInd", bit(dc, 13)), .flag("DevCap", "PwrInd", bit(dc, 14)),
              .flag("DevCap", "RBE", bit(dc, 15)), .flag("DevCap", "FLReset", bit(dc, 28))]
        let ctl = deviceControl
        f += [.flag("DevCtl", "CorrErr", bit(ctl, 0)), .flag("DevCtl", "NonFatalErr", bit(ctl, 1)),
              .flag("DevCtl", "FatalErr", bit(ctl, 2)), .flag("DevCtl", "UnsupReq", bit(ctl, 3)),
              .flag("DevCtl", "RlxdOrd", bit(ctl, 4)), .flag("DevCtl", "ExtTag", bit(ctl, 8)),
              .flag("DevCtl", "PhantFunc", bit(ctl, 9)), .flag("DevCtl", "AuxPwr", bit(ctl, 10)),
              .flag("DevCtl", "NoSnoop", bit(ctl, 11)),
              CapabilityField("DevCtl", "MaxPayload", "\(128 << Int(bits(ctl, 5, 3))) bytes"),
              CapabilityField("DevCtl", "MaxReadReq", "\(128 << Int(bits(ctl, 12, 3))) bytes")]
        // Bit 15 is "initiate FLR" on endpoints and "bridge config retry" on PCIe-to-PCI bridges.
        if isEndpoint { f.append(.flag("DevCtl", "FLReset", bit(ctl, 15))) }
        if portType == .pcieToPCIBridge { f.append(.flag("DevCtl", "BrConfRtry", bit(ctl, 15))) }
        let st = deviceStatus
        f += [.flag("DevSta", "CorrErr", bit(st, 0)), .flag("DevSta", "NonFatalErr", bit(st, 1)),
              .flag("DevSta", "FatalErr", bit(st, 2)), .flag("DevSta", "UnsupReq", bit(st, 3)),
              .flag("DevSta", "AuxPwr", bit(st, 4)), .flag("DevSta", "TransPend", bit(st, 5))]
        if let lc = linkCapabilities {
            f += [CapabilityField("LnkCap", "Port #", String(lc >> 24)),
                  CapabilityField("LnkCap", "Speed", linkSpeedName(UInt8(lc & 0xf))),
                  CapabilityField("LnkCap", "Width", "x\(bits(lc, 4, 6))"),
                  CapabilityField("LnkCap", "ASPM", ["not supported", "L0s", "L1", "L0s L1"][Int(bits(lc, 10, 2))]),
                  .flag("LnkCap", "ClockPM", bit(lc, 18)), .flag("LnkCap", "Surprise", bit(lc, 19)),
                  .flag("LnkCap", "LLActRep", bit(lc, 20)), .flag("LnkCap", "BwNot", bit(lc, 21)),
                  .flag("LnkCap", "ASPMOptComp", bit(lc, 22))]
        }
        if let lc = linkControl {
            f += [CapabilityField("LnkCtl", "ASPM", ["Disabled", "L0s Enabled", "L1 Enabled", "L0s L1 Enabled"][Int(lc & 3)]),
                  CapabilityField("LnkCtl", "RCB", bit(lc, 3) ? "128 bytes" : "64 bytes"),
                  .flag("LnkCtl", "Disabled", bit(lc, 4)), .flag("LnkCtl", "CommClk", bit(lc, 6)),
                  .flag("LnkCtl", "ExtSynch", bit(lc, 7)), .flag("LnkCtl", "ClockPM", bit(lc, 8)),
                  .flag("LnkCtl", "AutWidDis", bit(lc, 9)), .flag("LnkCtl", "BWInt", bit(lc, 10)),
                  .flag("LnkCtl", "AutBWInt", bit(lc, 11))]
        }
        if let ls = linkStatus {
            let lc = linkCapabilities ?? 0
            f += [CapabilityField("LnkSta", "Speed", linkSpeedName(UInt8(ls & 0xf)) + linkNote(Int(ls & 0xf), Int(lc & 0xf))),
                  CapabilityField("LnkSta", "Width", "x\(bits(ls, 4, 6))" + linkNote(Int(bits(ls, 4, 6)), Int(bits(lc, 4, 6)))),
                  .flag("LnkSta", "TrErr", bit(ls, 10)), .flag("LnkSta", "Train", bit(ls, 11)),
                  .flag("LnkSta", "SlotClk", bit(ls, 12)), .flag("LnkSta", "DLActive", bit(ls, 13)),
                  .flag("LnkSta", "BWMgmt", bit(ls, 14)), .flag("LnkSta", "ABWMgmt", bit(ls, 15))]
        }
        if let sc = slotCapabilities {
            f += [.flag("SltCap", "AttnBtn", bit(sc, 0)), .flag("SltCap", "PwrCtrl", bit(sc, 1)),
                  .flag("SltCap", "MRL", bit(sc, 2)), .flag("SltCap", "AttnInd", bit(sc, 3)),
                  .flag("SltCap", "PwrInd", bit(sc, 4)), .flag("SltCap", "HotPlug", bit(sc, 6)),
                  .flag("SltCap", "Surprise", bit(sc, 5)), CapabilityField("SltCap", "Slot #", String(sc >> 19)),
                  .flag("SltCap", "Interlock", bit(sc, 17)), .flag("SltCap", "NoCompl", bit(sc, 18))]
        }
        if let sc = slotControl {
            f += [.flag("SltCtl", "AttnBtn", bit(sc, 0)), .flag("SltCtl", "PwrFlt", bit(sc, 1)),
                  .flag("SltCtl", "MRL", bit(sc, 2)), .flag("SltCtl", "PresDet", bit(sc, 3)),
                  .flag("SltCtl", "CmdCplt", bit(sc, 4)), .flag("SltCtl", "HPIrq", bit(sc, 5)),
                  .flag("SltCtl", "LinkChg", bit(sc, 12)), .flag("SltCtl", "Power", bit(sc, 10)),
                  .flag("SltCtl", "Interlock", bit(sc, 11))]
        }
        if let ss = slotStatus {
            f += [.flag("SltSta", "AttnBtn", bit(ss, 0)), .flag("SltSta", "PowerFlt", bit(ss, 1)),
                  .flag("SltSta", "MRL", bit(ss, 5)), .flag("SltSta", "CmdCplt", bit(ss, 4)),
                  .flag("SltSta", "PresDet", bit(ss, 6)), .flag("SltSta", "Interlock", bit(ss, 7)),
                  .flag("SltSta", "LinkState", bit(ss, 8))]
        }
        if let d2 = deviceCapabilities2 { f.append(.flag("DevCap2", "ARIFwd", bit(d2, 5))) }
        if let c2 = deviceControl2 { f.append(.flag("DevCtl2", "ARIFwd", bit(c2, 5))) }
        return f
    }
}

extension ExpressCapability {
    /// How the negotiated link compares with what the port can do. Below capability is only
    /// a finding for upstream-facing ends: a downstream port's partner may be the slower one.
    func linkNote(_ status: Int, _ capable: Int) -> String {
        if status > capable { return " (overdriven)" }
        if status == capable { return "" }
        if portType == .rootPort || portType == .downstreamPort || portType == .pciToPCIeBridge { return "" }
        return " (downgraded)"
    }
}

/// lspci's spelling of a link speed code.
func linkSpeedName(_ code: UInt8) -> String {
    switch code {
    case 1: "2.5GT/s"
    case 2: "5GT/s"
    case 3: "8GT/s"
    case 4: "16GT/s"
    case 5: "32GT/s"
    case 6: "64GT/s"
    default: "unknown"
    }
}
