// JSON shape of the decoded tables (`sluice acpi ... --json`, the audit's report).
// 64-bit addresses and register images are hex strings ("0x00000000FED90000"):
// common JSON readers (jq, JavaScript) hold numbers as doubles and would
// silently round them. Flags are given raw and as names.

struct JSONKey: CodingKey {
    let stringValue: String
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

private typealias Container = KeyedEncodingContainer<JSONKey>

private extension KeyedEncodingContainer where Key == JSONKey {
    mutating func put(_ value: some Encodable, _ key: String) throws { try encode(value, forKey: JSONKey(key)) }
    mutating func putIfPresent(_ value: (some Encodable)?, _ key: String) throws {
        try encodeIfPresent(value, forKey: JSONKey(key))
    }
    mutating func hex64(_ value: UInt64, _ key: String) throws { try put("0x" + ACPIText.hex(value, width: 16), key) }
    mutating func bytes(_ value: [UInt8], _ key: String) throws {
        try put(value.map { ACPIText.hex($0, width: 2) }.joined(), key)
    }
    mutating func flags(_ raw: UInt8, _ names: [(Bool, String)]) throws {
        try put(raw, "flags")
        try put(names.filter(\.0).map(\.1), "flagNames")
    }
}

extension DMARTable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(header, "header")
        try c.put(checksumIsValid, "checksumIsValid")
        try c.put(hostAddressWidth, "hostAddressWidth")
        try c.flags(flags.rawValue, [(flags.contains(.interruptRemapping), "INTR_REMAP"),
                                     (flags.contains(.x2apicOptOut), "X2APIC_OPT_OUT"),
                                     (flags.contains(.dmaControlPlatformOptIn), "DMA_CTRL_PLATFORM_OPT_IN")])
        try c.put(structures, "structures")
        try c.put(diagnostics, "diagnostics")
    }
}

extension DMARDeviceScope {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(kind.rawValue, "type")
        try c.put(kind, "kind")
        try c.put(length, "length")
        try c.put(flags, "flags")
        try c.put(enumerationID, "enumerationID")
        try c.put(startBus, "startBus")
        try c.put(path.map { "\(ACPIText.hex($0.device, width: 2).lowercased()).\($0.function)" }, "path")
        try c.putIfPresent(directTarget, "target")
    }
}

extension DMARHardwareUnit {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(length, "length")
        try c.flags(flags, [(includesAllPCIDevices, "INCLUDE_PCI_ALL")])
        try c.put(sizeField, "sizeField")
        try c.put(registerSetSize, "registerSetSize")
        try c.put(segment, "segment")
        try c.hex64(registerBaseAddress, "registerBaseAddress")
        try c.put(deviceScopes, "deviceScopes")
    }
}

extension DMARReservedMemory {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(length, "length")
        try c.put(segment, "segment")
        try c.hex64(baseAddress, "baseAddress")
        try c.hex64(limitAddress, "limitAddress")
        try c.put(deviceScopes, "deviceScopes")
    }
}

extension DMARRootPortATS {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(length, "length")
        try c.flags(flags, [(allPorts, "ALL_PORTS")])
        try c.put(segment, "segment")
        try c.put(deviceScopes, "deviceScopes")
    }
}

extension DMARHardwareStaticAffinity {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(length, "length")
        try c.hex64(registerBaseAddress, "registerBaseAddress")
        try c.put(proximityDomain, "proximityDomain")
    }
}

extension DMARSoftwareATC {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(length, "length")
        try c.flags(flags, [(atcRequired, "ATC_REQUIRED")])
        try c.put(segment, "segment")
        try c.put(deviceScopes, "deviceScopes")
    }
}

extension DMARSoCIntegratedDevice {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(length, "length")
        try c.put(segment, "segment")
        try c.put(deviceScopes, "deviceScopes")
    }
}

extension DMARUnknownStructure {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(type, "type")
        try c.put(length, "length")
        try c.bytes(bytes, "bytes")
    }
}

extension IVRSTable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(header, "header")
        try c.put(checksumIsValid, "checksumIsValid")
        try c.put(ivInfo, "ivInfo")
        try c.put(blocks, "blocks")
        try c.put(diagnostics, "diagnostics")
    }
}

extension IVInfo {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(rawValue, "raw")
        try c.put(extendedFeaturesSupported, "extendedFeaturesSupported")
        try c.put(dmaRemapOptIn, "dmaRemapOptIn")
        try c.put(guestVirtualAddressSizeField, "guestVirtualAddressSizeField")
        try c.put(physicalAddressBits, "physicalAddressBits")
        try c.put(virtualAddressBits, "virtualAddressBits")
        try c.put(htATSReserved, "htATSReserved")
    }
}

extension IVHD {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(type, "type")
        try c.flags(flags.rawValue, [
            (flags.contains(.hyperTransportTunnel), "HtTunEn"), (flags.contains(.passPostedWrite), "PassPW"),
            (flags.contains(.responsePassPostedWrite), "ResPassPW"), (flags.contains(.isochronous), "Isoc"),
            (flags.contains(.iotlbSupported), "IotlbSup"), (flags.contains(.coherent), "Coherent"),
            (flags.contains(.prefetchSupported), "PrefSup"), (flags.contains(.pprSupported), "PPRSup"),
        ])
        try c.put(length, "length")
        try c.put(iommuDeviceID, "iommuDeviceID")
        try c.put(capabilityOffset, "capabilityOffset")
        try c.hex64(baseAddress, "baseAddress")
        try c.put(segment, "segment")
        try c.put(unitID, "unitID")
        try c.put(msiNumber, "msiNumber")
        try c.putIfPresent(featureReporting, "featureReporting")
        try c.putIfPresent(attributes, "attributes")
        try c.putIfPresent(extendedFeatures, "extendedFeatures")
        if let extendedFeatures2 { try c.hex64(extendedFeatures2, "extendedFeatures2") }
        try c.put(entries, "entries")
        try c.put(deviceRanges, "deviceRanges")
    }
}

extension IOMMUExtendedFeatures {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.hex64(rawValue, "raw")
        let bits: [(Bool, String)] = [
            (prefetchSupported, "PreFSup"), (pprSupported, "PPRSup"), (xtSupported, "XTSup"),
            (noExecuteSupported, "NXSup"), (guestTranslationSupported, "GTSup"), (invalidateAllSupported, "IASup"),
            (guestVAPICSupported, "GASup"), (hardwareErrorSupported, "HESup"),
            (performanceCountersSupported, "PCSup"), (guestVAPICModeSupported, "GAMSup"),
            (guestIOSupported, "GIOSup"), (hostAccessSupported, "HASup"), (enhancedPPRSupported, "EPHSup"),
            (hostDirtySupported, "HDSup"), (snpSupported, "SNPSup"),
        ]
        try c.put(bits.filter(\.0).map(\.1), "features")
        try c.put(hostAddressTranslationSize, "HATS")
        try c.put(guestAddressTranslationSize, "GATS")
        try c.put(guestCR3LevelsField, "GLXSup")
        try c.put(pasidMax, "PASmax")
    }
}

extension IVMD {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(type, "type")
        try c.flags(flags.rawValue, [(flags.contains(.unity), "unity"), (flags.contains(.readable), "read"),
                                     (flags.contains(.writable), "write"),
                                     (flags.contains(.exclusionRange), "exclusionRange")])
        try c.put(length, "length")
        switch scope {
        case .allDevices: try c.put("all", "scope"); try c.put([PCIRequesterID](), "devices")
        case let .device(id): try c.put("device", "scope"); try c.put([id], "devices")
        case let .range(first, last): try c.put("range", "scope"); try c.put([first, last], "devices")
        }
        try c.hex64(startAddress, "startAddress")
        try c.hex64(memoryLength, "memoryLength")
    }
}

extension IVHDDeviceEntry {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(type, "type")
        try c.put(length, "length")
        try c.put(deviceID, "deviceID")
        try c.put(dteSetting, "dteSetting")
        switch kind {
        case .reserved: try c.put("padding", "kind")
        case .all: try c.put("all", "kind")
        case .select: try c.put("select", "kind")
        case .rangeStart: try c.put("rangeStart", "kind")
        case .rangeEnd: try c.put("rangeEnd", "kind")
        case let .aliasSelect(source):
            try c.put("aliasSelect", "kind"); try c.put(source, "aliasSource")
        case let .aliasRangeStart(source):
            try c.put("aliasRangeStart", "kind"); try c.put(source, "aliasSource")
        case let .extendedSelect(setting):
            try c.put("extendedSelect", "kind"); try c.put(setting, "extendedSetting")
        case let .extendedRangeStart(setting):
            try c.put("extendedRangeStart", "kind"); try c.put(setting, "extendedSetting")
        case let .special(handle, source, variety):
            try c.put("special", "kind")
            try c.put(handle, "handle")
            try c.put(source, "source")
            switch variety {
            case .ioapic: try c.put("IOAPIC", "variety")
            case .hpet: try c.put("HPET", "variety")
            case let .reserved(value): try c.put(value, "variety")
            }
        case let .acpiDevice(hid, cid, uid):
            try c.put("acpiDevice", "kind")
            try c.put(hid, "hid")
            try c.put(cid, "cid")
            switch uid {
            case .none: break
            case let .integer(value): try c.put(value, "uid")
            case let .string(text): try c.put(text, "uid")
            case let .other(format, bytes):
                try c.put(format, "uidFormat"); try c.bytes(bytes, "uidBytes")
            }
        case .unknown:
            try c.put("unknown", "kind"); try c.bytes(bytes, "bytes")
        }
    }
}

extension IVRSUnknownBlock {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(offset, "offset")
        try c.put(type, "type")
        try c.put(flags, "flags")
        try c.put(length, "length")
        try c.bytes(bytes, "bytes")
    }
}
