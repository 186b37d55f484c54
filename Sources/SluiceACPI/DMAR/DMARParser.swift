extension DMARTable {
    /// Offset of the first remapping structure: header, width, flags, 10 reserved bytes.
    static let fixedSize = 48

    /// Decodes a DMAR table. Throws only when not even the fixed part is
    /// there; every other problem becomes a diagnostic and decoding goes on
    /// with what can be trusted.
    public init(bytes: [UInt8]) throws(ACPITableError) {
        let frame = try TableFrame(bytes, signature: "DMAR", fixedSize: Self.fixedSize)
        var parser = DMARParser(reader: frame.reader, diagnostics: frame.diagnostics)
        let structures = parser.structures(from: Self.fixedSize)
        header = frame.header
        hostAddressWidthField = frame.reader.u8(36) ?? 0
        flags = Flags(rawValue: frame.reader.u8(37) ?? 0)
        self.structures = structures
        diagnostics = parser.diagnostics
        checksumIsValid = frame.checksumIsValid
    }
}

private struct DMARParser {
    let reader: ByteReader
    var diagnostics: [ACPIDiagnostic]

    mutating func structures(from start: Int) -> [DMARStructure] {
        var result: [DMARStructure] = []
        var offset = start
        while offset < reader.end {
            guard let type = reader.u16(offset), let length = reader.u16(offset + 2) else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset,
                    "\(reader.end - offset) trailing bytes, too few for a structure header"))
                result.append(.unknown(raw(offset, type: 0xFFFF, length: 0)))
                break
            }
            // A length below the 4-byte header would never advance: the rest cannot be trusted.
            guard length >= 4 else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset + 2,
                    "structure type \(type) has length \(length), less than its header: \(reader.end - offset) bytes left undecoded"))
                result.append(.unknown(raw(offset, type: type, length: length)))
                break
            }
            let end = offset + Int(length)
            guard end <= reader.end else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset + 2,
                    "structure type \(type) has length \(length), overrunning the table by \(end - reader.end) bytes: kept raw"))
                result.append(.unknown(raw(offset, type: type, length: length)))
                break
            }
            result.append(structure(type: type, at: offset, length: length))
            offset = end
        }
        return result
    }

    private func raw(_ offset: Int, type: UInt16, length: UInt16) -> DMARUnknownStructure {
        let end = length >= 4 ? min(offset + Int(length), reader.end) : reader.end
        return DMARUnknownStructure(offset: offset, type: type, length: length,
                                    bytes: reader.limited(to: end).rest(from: offset))
    }

    private static let minimumLength: [UInt16: Int] = [0: 16, 1: 24, 2: 8, 3: 20, 4: 8, 5: 8, 6: 8]

    private mutating func structure(type: UInt16, at offset: Int, length: UInt16) -> DMARStructure {
        let r = reader.limited(to: offset + Int(length))
        guard let minimum = Self.minimumLength[type] else {
            return .unknown(raw(offset, type: type, length: length))
        }
        guard Int(length) >= minimum else {
            diagnostics.append(ACPIDiagnostic(.error, at: offset + 2,
                "structure type \(type) has length \(length), its fixed part needs \(minimum): kept raw"))
            return .unknown(raw(offset, type: type, length: length))
        }
        // The reads below cannot fail: `minimum` covers them. `?? 0` only satisfies the type checker.
        switch type {
        case 0:
            let unit = DMARHardwareUnit(
                offset: offset, length: length, flags: r.u8(offset + 4) ?? 0, sizeField: r.u8(offset + 5) ?? 0,
                segment: r.u16(offset + 6) ?? 0, registerBaseAddress: r.u64(offset + 8) ?? 0,
                deviceScopes: scopes(r, from: offset + 16, in: "DRHD", allowing: [1, 2, 3, 4, 5]))
            if unit.registerBaseAddress & 0xFFF != 0 {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset + 8,
                    "DRHD register base 0x\(ACPIText.hex(unit.registerBaseAddress, width: 16)) is not page aligned"))
            }
            return .hardwareUnit(unit)
        case 1:
            let region = DMARReservedMemory(
                offset: offset, length: length, reserved: r.u16(offset + 4) ?? 0, segment: r.u16(offset + 6) ?? 0,
                baseAddress: r.u64(offset + 8) ?? 0, limitAddress: r.u64(offset + 16) ?? 0,
                deviceScopes: scopes(r, from: offset + 24, in: "RMRR", allowing: [1, 2]))
            if region.limitAddress < region.baseAddress {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset + 16,
                    "RMRR limit 0x\(ACPIText.hex(region.limitAddress, width: 16)) is below its base 0x\(ACPIText.hex(region.baseAddress, width: 16))"))
            } else if region.baseAddress & 0xFFF != 0 || region.limitAddress & 0xFFF != 0xFFF {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset + 8,
                    "RMRR 0x\(ACPIText.hex(region.baseAddress, width: 16))-0x\(ACPIText.hex(region.limitAddress, width: 16)) is not 4 KiB aligned"))
            }
            return .reservedMemory(region)
        case 2:
            return .rootPortATS(DMARRootPortATS(
                offset: offset, length: length, flags: r.u8(offset + 4) ?? 0, segment: r.u16(offset + 6) ?? 0,
                deviceScopes: scopes(r, from: offset + 8, in: "ATSR", allowing: [2])))
        case 3:
            return .hardwareStaticAffinity(DMARHardwareStaticAffinity(
                offset: offset, length: length, registerBaseAddress: r.u64(offset + 8) ?? 0,
                proximityDomain: r.u32(offset + 16) ?? 0))
        case 4:
            let name = ACPIText.nulTerminated(r.rest(from: offset + 8))
            return .namespaceDevice(DMARNamespaceDevice(
                offset: offset, length: length, acpiDeviceNumber: r.u8(offset + 7) ?? 0,
                objectName: ACPIText.escaped(name)))
        case 5:
            return .softwareATC(DMARSoftwareATC(
                offset: offset, length: length, flags: r.u8(offset + 4) ?? 0, segment: r.u16(offset + 6) ?? 0,
                deviceScopes: scopes(r, from: offset + 8, in: "SATC", allowing: [1, 2])))
        default:
            return .socIntegratedDevice(DMARSoCIntegratedDevice(
                offset: offset, length: length, segment: r.u16(offset + 6) ?? 0,
                deviceScopes: scopes(r, from: offset + 8, in: "SIDP", allowing: [1])))
        }
    }

    /// Device scopes fill the rest of a structure, each with its own length byte.
    /// `allowed` are the scope types the spec permits in this structure.
    private mutating func scopes(_ r: ByteReader, from start: Int, in structure: String,
                                 allowing allowed: Set<UInt8>) -> [DMARDeviceScope] {
        var result: [DMARDeviceScope] = []
        var offset = start
        while offset < r.end {
            guard let type = r.u8(offset), let length = r.u8(offset + 1) else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset,
                    "\(r.end - offset) trailing byte(s) in structure, too few for a device scope"))
                break
            }
            guard length >= 6 else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset + 1,
                    "device scope has length \(length), less than its 6-byte header: rest of the structure not decoded"))
                break
            }
            guard offset + Int(length) <= r.end else {
                diagnostics.append(ACPIDiagnostic(.error, at: offset + 1,
                    "device scope has length \(length), overrunning its structure by \(offset + Int(length) - r.end) bytes: not decoded"))
                break
            }
            let pathBytes = Int(length) - 6
            if pathBytes % 2 != 0 {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset + 1,
                    "device scope length \(length) leaves an odd path length: last byte ignored"))
            }
            let path = stride(from: offset + 6, to: offset + 6 + pathBytes - 1, by: 2).map {
                DMARDeviceScope.PathElement(device: r.u8($0) ?? 0, function: r.u8($0 + 1) ?? 0)
            }
            if !allowed.contains(type) {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset,
                    "device scope type \(type) (\(DMARDeviceScope.Kind(rawValue: type).name)) is not allowed in \(structure) structures"))
            }
            if path.isEmpty {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset, "device scope with an empty path names no device"))
            }
            for (index, hop) in path.enumerated() where hop.device > 31 || hop.function > 7 {
                diagnostics.append(ACPIDiagnostic(.warning, at: offset + 6 + 2 * index,
                    "device scope path element \(ACPIText.hex(hop.device, width: 2)),\(ACPIText.hex(hop.function, width: 2)) is not a valid device/function"))
            }
            result.append(DMARDeviceScope(
                offset: offset, kind: .init(rawValue: type), length: length, flags: r.u16(offset + 2) ?? 0,
                enumerationID: r.u8(offset + 4) ?? 0, startBus: r.u8(offset + 5) ?? 0, path: path))
            offset += Int(length)
        }
        return result
    }
}
