extension IVRSTable {
    /// Offset of the first block: header, IVinfo, 8 reserved bytes.
    static let fixedSize = 48

    /// Decodes an IVRS table. Throws only when not even the fixed part is
    /// there; every other problem becomes a diagnostic and decoding goes on
    /// with what can be trusted.
    public init(bytes: [UInt8]) throws(ACPITableError) {
        let frame = try TableFrame(bytes, signature: "IVRS", fixedSize: Self.fixedSize)
        var parser = IVRSParser(reader: frame.reader, diagnostics: frame.diagnostics)
        let blocks = parser.blocks(from: Self.fixedSize)
        header = frame.header
        ivInfo = IVInfo(rawValue: frame.reader.u32(36) ?? 0)
        self.blocks = blocks
        // Range checks run after each IVHD's entries: restore table order.
        diagnostics = parser.diagnostics.enumerated()
            .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        checksumIsValid = frame.checksumIsValid
    }
}

private struct IVRSParser {
    let reader: ByteReader
    var diagnostics: [ACPIDiagnostic]

    mutating func blocks(from start: Int) -> [IVRSBlock] {
        var result: [IVRSBlock] = []
        var offset = start
        while offset < reader.end {
            guard let type = reader.u8(offset), let flags = reader.u8(offset + 1),
                  let length = reader.u16(offset + 2) else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset,
                    "\(reader.end - offset) trailing bytes, too few for a block header"))
                result.append(.unknown(raw(offset, type: reader.u8(offset) ?? 0, flags: reader.u8(offset + 1) ?? 0, length: 0)))
                break
            }
            // A length below the 4-byte header would never advance: the rest cannot be trusted.
            guard length >= 4 else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset + 2,
                    "block type \(hexByte(type)) has length \(length), less than its header: \(reader.end - offset) bytes left undecoded"))
                result.append(.unknown(raw(offset, type: type, flags: flags, length: length)))
                break
            }
            let end = offset + Int(length)
            guard end <= reader.end else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset + 2,
                    "block type \(hexByte(type)) has length \(length), overrunning the table by \(end - reader.end) bytes: kept raw"))
                result.append(.unknown(raw(offset, type: type, flags: flags, length: length)))
                break
            }
            result.append(block(type: type, flags: flags, at: offset, length: length))
            offset = end
        }
        return result
    }

    private func hexByte(_ value: UInt8) -> String { ACPIText.hex(value, width: 2) + "h" }

    private func raw(_ offset: Int, type: UInt8, flags: UInt8, length: UInt16) -> IVRSUnknownBlock {
        let end = length >= 4 ? min(offset + Int(length), reader.end) : reader.end
        return IVRSUnknownBlock(offset: offset, type: type, flags: flags, length: length,
                                bytes: reader.limited(to: end).rest(from: offset))
    }

    private mutating func block(type: UInt8, flags: UInt8, at offset: Int, length: UInt16) -> IVRSBlock {
        let r = reader.limited(to: offset + Int(length))
        let minimum: Int
        switch type {
        case 0x10, 0x11, 0x40: minimum = IVHD.headerLength(type: type)
        case 0x20, 0x21, 0x22: minimum = 32
        default: return .unknown(raw(offset, type: type, flags: flags, length: length))
        }
        guard Int(length) >= minimum else {
            diagnostics.append(ACPIDiagnostic(.error, at: offset + 2,
                "block type \(hexByte(type)) has length \(length), its fixed part needs \(minimum): kept raw"))
            return .unknown(raw(offset, type: type, flags: flags, length: length))
        }
        // The reads below cannot fail: `minimum` covers them. `?? 0` only satisfies the type checker.
        if type >= 0x20 && type <= 0x22 {
            return .memory(IVMD(
                offset: offset, type: type, flags: IVMD.Flags(rawValue: flags), length: length,
                deviceID: r.u16(offset + 4) ?? 0, auxiliaryData: r.u16(offset + 6) ?? 0,
                startAddress: r.u64(offset + 16) ?? 0, memoryLength: r.u64(offset + 24) ?? 0))
        }
        let isType10 = type == 0x10
        let entries = entries(r, from: offset + minimum, blockType: type)
        let folded = IVHDRangeFolder.fold(entries)
        diagnostics += folded.diagnostics
        return .hardware(IVHD(
            offset: offset, type: type, flags: IVHD.Flags(rawValue: flags), length: length,
            iommuDeviceID: PCIRequesterID(rawValue: r.u16(offset + 4) ?? 0),
            capabilityOffset: r.u16(offset + 6) ?? 0, baseAddress: r.u64(offset + 8) ?? 0,
            segment: r.u16(offset + 16) ?? 0, iommuInfo: r.u16(offset + 18) ?? 0,
            featureReporting: isType10 ? r.u32(offset + 20) : nil,
            attributes: isType10 ? nil : r.u32(offset + 20),
            extendedFeatures: isType10 ? nil : r.u64(offset + 24).map(IOMMUExtendedFeatures.init(rawValue:)),
            extendedFeatures2: isType10 ? nil : r.u64(offset + 32),
            entries: entries, deviceRanges: folded.ranges))
    }

    private mutating func entries(_ r: ByteReader, from start: Int, blockType: UInt8) -> [IVHDDeviceEntry] {
        var result: [IVHDDeviceEntry] = []
        var offset = start
        while offset < r.end {
            guard let type = r.u8(offset) else { break }
            let length: Int
            if let fixed = IVHDDeviceEntry.fixedLength(type: type) {
                length = fixed
            } else if let uidLength = r.u8(offset + 21) {
                length = 22 + Int(uidLength)
            } else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset,
                    "ACPI HID entry cut off by the end of its IVHD (\(r.end - offset) of at least 22 bytes): not decoded"))
                break
            }
            guard let bytes = r.slice(offset, count: length) else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset,
                    "device entry type \(hexByte(type)) needs \(length) bytes, only \(r.end - offset) left in its IVHD: not decoded"))
                break
            }
            let entry = IVHDDeviceEntry(
                offset: offset, type: type, length: length,
                deviceID: PCIRequesterID(rawValue: r.u16(offset + 1) ?? 0), dteSetting: bytes[3],
                kind: kind(of: type, bytes, at: offset), bytes: bytes)
            if type == 0xF0 && blockType != 0x40 {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset,
                    "ACPI HID entry in an IVHD of type \(hexByte(blockType)): the spec allows it only in type 40h"))
            }
            result.append(entry)
            offset += length
        }
        return result
    }

    private mutating func kind(of type: UInt8, _ bytes: [UInt8], at offset: Int) -> IVHDDeviceEntry.Kind {
        func u16(_ i: Int) -> UInt16 { UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
        switch type {
        case 0x00: return .reserved
        case 0x01: return .all
        case 0x02: return .select
        case 0x03: return .rangeStart
        case 0x04: return .rangeEnd
        case 0x42: return .aliasSelect(source: PCIRequesterID(rawValue: u16(5)))
        case 0x43: return .aliasRangeStart(source: PCIRequesterID(rawValue: u16(5)))
        case 0x46: return .extendedSelect(setting: u32(4))
        case 0x47: return .extendedRangeStart(setting: u32(4))
        case 0x48:
            let variety = IVHDDeviceEntry.SpecialVariety(rawValue: bytes[7])
            if case .reserved = variety {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset + 7,
                    "special device entry with reserved variety \(bytes[7]) (1 = IOAPIC, 2 = HPET)"))
            }
            return .special(handle: bytes[4], source: PCIRequesterID(rawValue: u16(5)), variety: variety)
        case 0xF0:
            return .acpiDevice(hid: text(bytes[4..<12]), cid: text(bytes[12..<20]),
                               uid: uid(format: bytes[20], Array(bytes[22...])))
        default:
            return .unknown
        }
    }

    private func text(_ bytes: ArraySlice<UInt8>) -> String {
        ACPIText.escaped(ACPIText.nulTerminated(Array(bytes)))
    }

    private func uid(format: UInt8, _ bytes: [UInt8]) -> IVHDDeviceEntry.ACPIUID {
        switch format {
        case 0 where bytes.isEmpty: return .none
        case 1 where bytes.count <= 8:
            return .integer(bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        case 2: return .string(ACPIText.escaped(ACPIText.nulTerminated(bytes)))
        default: return .other(format: format, bytes: bytes)
        }
    }
}
