import ArgumentParser
import FoundationEssentials
import Glibc
import SluiceACPI
import SluiceSystem

/// `sluice acpi dmar|ivrs [FILE]`: decode the firmware's IOMMU description table.
struct ACPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acpi",
        abstract: "Decode the firmware's IOMMU tables: Intel DMAR, AMD IVRS.",
        discussion: """
            Reads /sys/firmware/acpi/tables/DMAR or IVRS (readable by root only), or a table file \
            saved with `cat` or `acpixtract`. Problems in the table are listed after the decoding; \
            the exit status is 0 for a clean table, 3 when the table has warnings (bad checksum, \
            odd values) and 4 when parts could not be decoded.
            """,
        subcommands: [DMAR.self, IVRS.self]
    )

    struct Options: ParsableArguments {
        @Argument(help: "Table file (default: <sysfs-root>/sys/firmware/acpi/tables/<TABLE>).")
        var file: String?

        @Option(help: "Root of a captured system tree.")
        var sysfsRoot: String = "/"

        @Flag(help: "Print JSON instead of text.")
        var json = false

        /// Reads, decodes and prints one table; the exit status reflects its diagnostics.
        func decode<Table: Encodable>(
            _ signature: String, _ parse: ([UInt8]) throws(ACPITableError) -> Table,
            _ diagnostics: KeyPath<Table, [ACPIDiagnostic]>,
            _ render: (Table, String, inout String) -> Void
        ) throws {
            let path = path(signature: signature)
            if file == nil, access(path, F_OK) != 0, errno == ENOENT {
                let vendor = signature == "DMAR" ? "Intel VT-d" : "AMD"
                throw TableNotFound(description: "\(path) not found: the firmware describes no \(vendor) IOMMU"
                    + " (or --sysfs-root does not point at a captured tree)")
            }
            let table = try parse(readTable(path))
            if json {
                printJSON(TableReport(file: path, table: table))
            } else {
                var out = ""
                render(table, path, &out)
                print(out, terminator: "")
            }
            try exitStatus(table[keyPath: diagnostics])
        }

        func path(signature: String) -> String {
            if let file { return file }
            let root = sysfsRoot.hasSuffix("/") ? String(sysfsRoot.dropLast()) : sysfsRoot
            return root + "/sys/firmware/acpi/tables/" + signature
        }
    }

    struct DMAR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dmar", abstract: "Decode the Intel DMA remapping table (DMAR).")
        @OptionGroup var options: Options

        func run() throws {
            try options.decode("DMAR", DMARTable.init(bytes:), \.diagnostics, ACPITextReport.dmar)
        }
    }

    struct IVRS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ivrs", abstract: "Decode the AMD I/O virtualization reporting table (IVRS).")
        @OptionGroup var options: Options

        func run() throws {
            try options.decode("IVRS", IVRSTable.init(bytes:), \.diagnostics, ACPITextReport.ivrs)
        }
    }
}

private struct TableNotFound: Error, CustomStringConvertible {
    let description: String
}

private struct TableReport<Table: Encodable>: Encodable {
    let file: String
    let table: Table
}

private func exitStatus(_ diagnostics: [ACPIDiagnostic]) throws {
    if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(4) }
    if !diagnostics.isEmpty { throw ExitCode(3) }
}

/// ACPI tables are at most a few KiB; the cap keeps a wrong path (a disk) from being slurped.
private let maximumTableSize = 1 << 20

private func readTable(_ path: String) throws(SystemError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemError.current("open \(path)") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while bytes.count <= maximumTableSize {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemError.current("read \(path)")
        }
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return bytes
}

/// The human-readable decoding: one line per structure, device scopes indented.
enum ACPITextReport {
    static func dmar(_ table: DMARTable, file: String, into out: inout String) {
        header(table.header, file: file, checksumIsValid: table.checksumIsValid, into: &out)
        var flags: [String] = []
        if table.flags.contains(.interruptRemapping) { flags.append("INTR_REMAP") }
        if table.flags.contains(.x2apicOptOut) { flags.append("X2APIC_OPT_OUT") }
        if table.flags.contains(.dmaControlPlatformOptIn) { flags.append("DMA_CTRL_PLATFORM_OPT_IN") }
        out += "host address width \(table.hostAddressWidth) bits, flags \(flags.isEmpty ? "none" : flags.joined(separator: " "))\n\n"
        for structure in table.structures {
            out += "\(at(structure.offset)) \(structure.kindName)  "
            switch structure {
            case let .hardwareUnit(s):
                out += "segment \(hex(s.segment, 4)) registers 0x\(hex(s.registerBaseAddress, 16))"
                if s.sizeField != 0 { out += " (\(s.registerSetSize / 1024) KiB)" }
                if s.includesAllPCIDevices { out += " INCLUDE_PCI_ALL" }
                scopes(s.deviceScopes, segment: s.segment, into: &out)
            case let .reservedMemory(s):
                out += "segment \(hex(s.segment, 4)) memory 0x\(hex(s.baseAddress, 16))-0x\(hex(s.limitAddress, 16))"
                scopes(s.deviceScopes, segment: s.segment, into: &out)
            case let .rootPortATS(s):
                out += "segment \(hex(s.segment, 4))\(s.allPorts ? " ALL_PORTS" : "")"
                scopes(s.deviceScopes, segment: s.segment, into: &out)
            case let .hardwareStaticAffinity(s):
                out += "registers 0x\(hex(s.registerBaseAddress, 16)) proximity domain \(s.proximityDomain)\n"
            case let .namespaceDevice(s):
                out += "ACPI device \(s.acpiDeviceNumber) \(s.objectName)\n"
            case let .softwareATC(s):
                out += "segment \(hex(s.segment, 4))\(s.atcRequired ? " ATC_REQUIRED" : "")"
                scopes(s.deviceScopes, segment: s.segment, into: &out)
            case let .socIntegratedDevice(s):
                out += "segment \(hex(s.segment, 4))"
                scopes(s.deviceScopes, segment: s.segment, into: &out)
            case let .unknown(s):
                out += "type \(s.type), length \(s.length), kept raw (\(s.bytes.count) bytes)\n"
            }
        }
        diagnostics(table.diagnostics, into: &out)
    }

    private static func scopes(_ scopes: [DMARDeviceScope], segment: UInt16, into out: inout String) {
        out += "\n"
        for scope in scopes {
            let label: String = switch scope.kind {
            case .ioapic: "IOAPIC \(scope.enumerationID)"
            case .hpet: "HPET \(scope.enumerationID)"
            case .acpiNamespaceDevice: "ACPI device \(scope.enumerationID)"
            case .pciSubHierarchy: "bridge"
            case .pciEndpoint: "endpoint"
            case let .reserved(type): "type \(type)"
            }
            let target: String
            if let direct = scope.directTarget {
                target = direct.name(segment: segment)
            } else {
                // Past the first hop the bus numbers depend on how bridges were programmed.
                target = "bus \(hex(scope.startBus, 2).lowercased()) path "
                    + scope.path.map { "\(hex($0.device, 2).lowercased()).\($0.function)" }.joined(separator: "/")
            }
            let flags = scope.flags == 0 ? "" : "  flags 0x\(hex(scope.flags, 4))"
            out += "    \(label.padding(16))\(target)\(flags)\n"
        }
    }

    static func ivrs(_ table: IVRSTable, file: String, into out: inout String) {
        header(table.header, file: file, checksumIsValid: table.checksumIsValid, into: &out)
        let info = table.ivInfo
        out += "IVinfo 0x\(hex(info.rawValue, 8)): PA \(info.physicalAddressBits) bits, VA \(info.virtualAddressBits) bits"
        if info.extendedFeaturesSupported { out += ", EFRSup" }
        if info.dmaRemapOptIn { out += ", DMA remap opt-in" }
        out += "\n\n"
        for block in table.blocks {
            switch block {
            case let .hardware(b):
                out += "\(at(b.offset)) IVHD \(hex(b.type, 2))h  IOMMU \(b.iommuDeviceID.name(segment: b.segment))"
                out += " registers 0x\(hex(b.baseAddress, 16)) capability 0x\(hex(b.capabilityOffset, 2)) flags 0x\(hex(b.flags.rawValue, 2))\n"
                if let efr = b.extendedFeatures {
                    out += "    EFR 0x\(hex(efr.rawValue, 16)):\(efrSummary(efr))\n"
                }
                for entry in b.entries { ivhdEntry(entry, into: &out) }
            case let .memory(b):
                let scope: String = switch b.scope {
                case .allDevices: "all devices"
                case let .device(id): "device \(id)"
                case let .range(first, last): "devices \(first)-\(last)"
                }
                var flags: [String] = []
                if b.flags.contains(.unity) { flags.append("unity") }
                if b.flags.contains(.readable) { flags.append("read") }
                if b.flags.contains(.writable) { flags.append("write") }
                if b.flags.contains(.exclusionRange) { flags.append("exclusion") }
                out += "\(at(b.offset)) IVMD \(hex(b.type, 2))h  \(scope) memory 0x\(hex(b.startAddress, 16))"
                out += " +0x\(hex(b.memoryLength, 1)) \(flags.joined(separator: ","))\n"
            case let .unknown(b):
                out += "\(at(b.offset)) type \(hex(b.type, 2))h, length \(b.length), kept raw (\(b.bytes.count) bytes)\n"
            }
        }
        diagnostics(table.diagnostics, into: &out)
    }

    private static func efrSummary(_ efr: IOMMUExtendedFeatures) -> String {
        var parts: [String] = []
        if efr.pprSupported { parts.append("PPR") }
        if efr.xtSupported { parts.append("XT") }
        if efr.guestTranslationSupported { parts.append("GT") }
        if efr.guestVAPICSupported { parts.append("GA") }
        if efr.snpSupported { parts.append("SNP") }
        parts.append("HATS=\(efr.hostAddressTranslationSize)")
        parts.append("PASmax=\(efr.pasidMax)")
        return " " + parts.joined(separator: " ")
    }

    private static func ivhdEntry(_ entry: IVHDDeviceEntry, into out: inout String) {
        let id = entry.deviceID.description
        let text: String = switch entry.kind {
        case .reserved: "padding"
        case .all: "all devices"
        case .select: "device \(id)"
        case .rangeStart: "devices from \(id)"
        case .rangeEnd: "  to \(id)"
        case let .aliasSelect(source): "device \(id) aliased to \(source)"
        case let .aliasRangeStart(source): "devices from \(id) aliased to \(source)"
        case let .extendedSelect(setting): "device \(id) extended 0x\(hex(setting, 8))"
        case let .extendedRangeStart(setting): "devices from \(id) extended 0x\(hex(setting, 8))"
        case let .special(handle, source, variety):
            switch variety {
            case .ioapic: "IOAPIC \(handle) as \(source)"
            case .hpet: "HPET \(handle) as \(source)"
            case let .reserved(value): "special variety \(value) handle \(handle) as \(source)"
            }
        case let .acpiDevice(hid, cid, uid):
            "ACPI \(hid)\(cid.isEmpty ? "" : " (\(cid))")\(uidText(uid)) as \(id)"
        case .unknown: "type \(hex(entry.type, 2))h (\(entry.length) bytes) kept raw"
        }
        let dte = entry.dteSetting == 0 ? "" : "  DTE 0x\(hex(entry.dteSetting, 2))"
        out += "    \(text)\(dte)\n"
    }

    private static func uidText(_ uid: IVHDDeviceEntry.ACPIUID) -> String {
        switch uid {
        case .none: ""
        case let .integer(value): " UID \(value)"
        case let .string(text): " UID \(text)"
        case let .other(format, bytes): " UID format \(format) \(bytes.map { hex($0, 2) }.joined())"
        }
    }

    private static func header(_ h: SystemDescriptionHeader, file: String, checksumIsValid: Bool,
                               into out: inout String) {
        out += "\(h.signature) \(file): \(h.length) bytes, revision \(h.revision), OEM \(h.oemID) \(h.oemTableID)"
        out += ", checksum \(checksumIsValid ? "ok" : "WRONG")\n"
    }

    private static func diagnostics(_ list: [ACPIDiagnostic], into out: inout String) {
        guard !list.isEmpty else { return }
        out += "\n\(list.count) problem\(list.count == 1 ? "" : "s"):\n"
        for diagnostic in list { out += "  \(diagnostic)\n" }
    }

    private static func at(_ offset: Int) -> String { "[\(hex(offset, 3))]" }
    private static func hex(_ value: some BinaryInteger, _ width: Int) -> String { ACPIText.hex(value, width: width) }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
