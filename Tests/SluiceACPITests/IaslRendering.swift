import SluiceACPI

/// The parser's typed values spelled the way `iasl -d` prints them, field by
/// field at the same table offsets, so the two decodings can be compared
/// exactly. Only spelling happens here: every value comes from the typed model.
struct RenderedField: Hashable {
    enum Value: Hashable {
        case exact(String)
        /// A reserved field iasl prints and the model deliberately does not keep.
        case unmodelledReserved
    }

    let offset: Int
    let name: String
    let value: Value

    var key: String { "\(offset)/\(name)" }
}

struct IaslRendering {
    private(set) var fields: [RenderedField] = []
    /// Byte ranges of structures the iasl release in use decodes fully; within them the
    /// comparison demands the same set of fields in both directions.
    private(set) var fullyDecodedRanges: [Range<Int>] = []

    private mutating func add(_ offset: Int, _ name: String, _ value: some BinaryInteger, width: Int) {
        fields.append(RenderedField(offset: offset, name: name, value: .exact(ACPIText.hex(value, width: width))))
    }

    private mutating func add(_ offset: Int, _ name: String, quoted text: String) {
        fields.append(RenderedField(offset: offset, name: name, value: .exact("\"" + text + "\"")))
    }

    private mutating func reserved(_ offset: Int) {
        fields.append(RenderedField(offset: offset, name: "Reserved", value: .unmodelledReserved))
    }

    private mutating func header(_ h: SystemDescriptionHeader) {
        add(0, "Signature", quoted: h.signature)
        add(4, "Table Length", h.length, width: 8)
        add(8, "Revision", h.revision, width: 2)
        add(9, "Checksum", h.checksum, width: 2)
        add(10, "Oem ID", quoted: h.oemID)
        add(16, "Oem Table ID", quoted: h.oemTableID)
        add(24, "Oem Revision", h.oemRevision, width: 8)
        add(28, "Asl Compiler ID", quoted: h.creatorID)
        add(32, "Asl Compiler Revision", h.creatorRevision, width: 8)
    }

    // MARK: DMAR

    init(_ table: DMARTable) {
        header(table.header)
        add(36, "Host Address Width", table.hostAddressWidthField, width: 2)
        add(37, "Flags", table.flags.rawValue, width: 2)
        reserved(38)
        fullyDecodedRanges.append(0..<48)
        for structure in table.structures { dmar(structure) }
    }

    private mutating func dmarHeader(_ offset: Int, type: UInt16, length: UInt16) {
        add(offset, "Subtable Type", type, width: 4)
        add(offset + 2, "Length", length, width: 4)
    }

    private mutating func dmar(_ structure: DMARStructure) {
        switch structure {
        case let .hardwareUnit(s):
            dmarHeader(s.offset, type: 0, length: s.length)
            add(s.offset + 4, "Flags", s.flags, width: 2)
            add(s.offset + 5, "Reserved", s.sizeField, width: 2)  // iasl 20200925 predates the size field
            add(s.offset + 6, "PCI Segment Number", s.segment, width: 4)
            add(s.offset + 8, "Register Base Address", s.registerBaseAddress, width: 16)
            scopes(s.deviceScopes)
            fullyDecodedRanges.append(s.offset..<s.offset + Int(s.length))
        case let .reservedMemory(s):
            dmarHeader(s.offset, type: 1, length: s.length)
            add(s.offset + 4, "Reserved", s.reserved, width: 4)
            add(s.offset + 6, "PCI Segment Number", s.segment, width: 4)
            add(s.offset + 8, "Base Address", s.baseAddress, width: 16)
            add(s.offset + 16, "End Address (limit)", s.limitAddress, width: 16)
            scopes(s.deviceScopes)
            fullyDecodedRanges.append(s.offset..<s.offset + Int(s.length))
        case let .rootPortATS(s):
            dmarHeader(s.offset, type: 2, length: s.length)
            add(s.offset + 4, "Flags", s.flags, width: 2)
            reserved(s.offset + 5)
            add(s.offset + 6, "PCI Segment Number", s.segment, width: 4)
            scopes(s.deviceScopes)
            fullyDecodedRanges.append(s.offset..<s.offset + Int(s.length))
        case let .hardwareStaticAffinity(s):
            dmarHeader(s.offset, type: 3, length: s.length)
            reserved(s.offset + 4)
            add(s.offset + 8, "Base Address", s.registerBaseAddress, width: 16)
            add(s.offset + 16, "Proximity Domain", s.proximityDomain, width: 8)
            fullyDecodedRanges.append(s.offset..<s.offset + Int(s.length))
        case let .namespaceDevice(s):
            dmarHeader(s.offset, type: 4, length: s.length)
            reserved(s.offset + 4)
            add(s.offset + 7, "Device Number", s.acpiDeviceNumber, width: 2)
            add(s.offset + 8, "Device Name", quoted: s.objectName)
            fullyDecodedRanges.append(s.offset..<s.offset + Int(s.length))
        case let .softwareATC(s):
            // iasl 20200925 knows no SATC: it prints the header, then stops decoding the table.
            dmarHeader(s.offset, type: 5, length: s.length)
            add(s.offset + 4, "Flags", s.flags, width: 2)
            add(s.offset + 6, "PCI Segment Number", s.segment, width: 4)
            scopes(s.deviceScopes)
        case let .socIntegratedDevice(s):
            dmarHeader(s.offset, type: 6, length: s.length)  // unknown to iasl 20200925, like SATC
            reserved(s.offset + 4)
            add(s.offset + 6, "PCI Segment Number", s.segment, width: 4)
            scopes(s.deviceScopes)
        case let .unknown(s):
            dmarHeader(s.offset, type: s.type, length: s.length)
        }
    }

    private mutating func scopes(_ scopes: [DMARDeviceScope]) {
        for scope in scopes {
            add(scope.offset, "Device Scope Type", scope.kind.rawValue, width: 2)
            add(scope.offset + 1, "Entry Length", scope.length, width: 2)
            add(scope.offset + 2, "Reserved", scope.flags, width: 4)
            add(scope.offset + 4, "Enumeration ID", scope.enumerationID, width: 2)
            add(scope.offset + 5, "PCI Bus Number", scope.startBus, width: 2)
            for (index, hop) in scope.path.enumerated() {
                fields.append(RenderedField(offset: scope.offset + 6 + 2 * index, name: "PCI Path", value: .exact(
                    ACPIText.hex(hop.device, width: 2) + "," + ACPIText.hex(hop.function, width: 2))))
            }
        }
    }

    // MARK: IVRS

    init(_ table: IVRSTable) {
        header(table.header)
        add(36, "Virtualization Info", table.ivInfo.rawValue, width: 8)
        reserved(40)
        fullyDecodedRanges.append(0..<48)
        for block in table.blocks { ivrs(block) }
    }

    private mutating func ivrsHeader(_ offset: Int, type: UInt8, flags: UInt8, length: UInt16, deviceID: UInt16) {
        add(offset, "Subtable Type", type, width: 2)
        add(offset + 1, "Flags", flags, width: 2)
        add(offset + 2, "Length", length, width: 4)
        add(offset + 4, "DeviceId", deviceID, width: 4)
    }

    private mutating func ivrs(_ block: IVRSBlock) {
        switch block {
        case let .hardware(b):
            ivrsHeader(b.offset, type: b.type, flags: b.flags.rawValue, length: b.length, deviceID: b.iommuDeviceID.rawValue)
            // iasl 20200925 knows no IVHD 40h: it prints the common header, then skips the block.
            guard b.type != 0x40 else { return }
            add(b.offset + 6, "Capability Offset", b.capabilityOffset, width: 4)
            add(b.offset + 8, "Base Address", b.baseAddress, width: 16)
            add(b.offset + 16, "PCI Segment Group", b.segment, width: 4)
            add(b.offset + 18, "Virtualization Info", b.iommuInfo, width: 4)
            if let reporting = b.featureReporting { add(b.offset + 20, "Feature Reporting", reporting, width: 8) }
            if let attributes = b.attributes { add(b.offset + 20, "Attributes", attributes, width: 8) }
            if let efr = b.extendedFeatures { add(b.offset + 24, "EFR Image", efr.rawValue, width: 16) }
            if let efr2 = b.extendedFeatures2 { add(b.offset + 32, "Reserved", efr2, width: 16) }
            for entry in b.entries { ivhdEntry(entry) }
            fullyDecodedRanges.append(b.offset..<b.offset + Int(b.length))
        case let .memory(b):
            ivrsHeader(b.offset, type: b.type, flags: b.flags.rawValue, length: b.length, deviceID: b.deviceID)
            add(b.offset + 6, "Auxiliary Data", b.auxiliaryData, width: 4)
            reserved(b.offset + 8)
            add(b.offset + 16, "Start Address", b.startAddress, width: 16)
            add(b.offset + 24, "Memory Length", b.memoryLength, width: 16)
            fullyDecodedRanges.append(b.offset..<b.offset + Int(b.length))
        case let .unknown(b):
            // The model keeps unknown blocks raw; iasl reads a device ID from bytes 4-5 of any block.
            let deviceID = b.bytes.count >= 6 ? UInt16(b.bytes[4]) | UInt16(b.bytes[5]) << 8 : 0
            ivrsHeader(b.offset, type: b.type, flags: b.flags, length: b.length, deviceID: deviceID)
        }
    }

    private mutating func ivhdEntry(_ entry: IVHDDeviceEntry) {
        add(entry.offset, "Entry Type", entry.type, width: 2)
        add(entry.offset + 1, "Device ID", entry.deviceID.rawValue, width: 4)
        add(entry.offset + 3, "Data Setting", entry.dteSetting, width: 2)
        switch entry.kind {
        case let .aliasSelect(source), let .aliasRangeStart(source):
            reserved(entry.offset + 4)
            add(entry.offset + 5, "Source Used Device ID", source.rawValue, width: 4)
            reserved(entry.offset + 7)
        case let .extendedSelect(setting), let .extendedRangeStart(setting):
            add(entry.offset + 4, "Extended Data", setting, width: 8)
        case let .special(handle, source, variety):
            add(entry.offset + 4, "Handle", handle, width: 2)
            add(entry.offset + 5, "Source Used Device ID", source.rawValue, width: 4)
            add(entry.offset + 7, "Variety", variety.rawValue, width: 2)
        case .reserved, .all, .select, .rangeStart, .rangeEnd, .acpiDevice, .unknown:
            break
        }
    }
}
