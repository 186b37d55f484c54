import Foundation
import Testing
import SluiceACPI

/// The Linux kernel's own decoding of every fixture IVRS table, captured with
/// `amd_iommu_dump` by Tests/Fixtures/acpi/kernel-ivrs/capture.sh (6.1 kernel of
/// the QEMU lab; the table is handed over by ACPI table upgrade). Unlike iasl
/// 20200925 the kernel decodes IVHD 40h and its ACPI HID (F0h) entries, so this
/// is the reference for them. The kernel decodes only the IVHDs of the highest
/// type it supports (40h, else 11h, else 10h), and prints:
/// - per IVHD: IOMMU device, capability offset, flags, IOMMU info, MMIO address;
/// - every device entry except padding (00h) and unknown types, DTE flags included
///   except for special (48h) and ACPI HID entries;
/// - IVMDs with the unity or exclusion flag, addresses rounded to pages.
/// Not compared: "last bdf" (computed by the kernel over all entries) and the end
/// device of an IVMD 20h (all devices up to that computed last bdf).
@Suite struct KernelIVRSAgreementTests {
    static let directory = Fixtures.directory.appendingPathComponent("kernel-ivrs")

    static let captured: [Fixtures.Table] = Fixtures.ivrs.filter {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent($0.name + ".log").path)
    }

    @Test func everyFixtureWasCaptured() {
        #expect(Self.captured.count == Fixtures.ivrs.count)
    }

    @Test("IVRS fixture agrees with the kernel's amd_iommu_dump", arguments: captured)
    func agrees(_ fixture: Fixtures.Table) throws {
        let log = try String(contentsOf: Self.directory.appendingPathComponent(fixture.name + ".log"), encoding: .utf8)
        let lines = log.split(whereSeparator: \.isNewline).map(String.init)
        let typeLine = try #require(lines.first { $0.contains("Using IVHD type 0x") }, "kernel chose no IVHD type")
        let type = try #require(UInt8(typeLine.components(separatedBy: "0x").last ?? "", radix: 16))
        let kernel = lines.filter { $0.hasPrefix("AMD-Vi: AMD-Vi: ") }
            .map { collapse(String($0.dropFirst("AMD-Vi: AMD-Vi: ".count))) }
            .filter { !$0.hasPrefix("Using IVHD type") && !$0.hasPrefix("PCI segment :") }
        let table = try IVRSTable(bytes: fixture.bytes)
        let ours = Self.render(table, ivhdType: type)
        #expect(kernel.count > 3, "kernel log has no entry dump")
        var mismatches: [String] = []
        for index in 0..<max(kernel.count, ours.count) {
            let k = index < kernel.count ? kernel[index] : "(nothing)"
            let o = index < ours.count ? ours[index] : "(nothing)"
            let comparable = o.hasPrefix("IVMD_TYPE_ALL") ? o.components(separatedBy: " devid_end:")[0] : o
            if k != o && !(o.hasPrefix("IVMD_TYPE_ALL") && k.hasPrefix(comparable)) {
                mismatches.append("line \(index): kernel \"\(k)\", parser \"\(o)\"")
            }
        }
        let summary = "\(fixture.testDescription): \(mismatches.count) mismatches\n"
            + mismatches.prefix(10).joined(separator: "\n")
        #expect(mismatches.isEmpty, "\(summary)")
    }

    private func collapse(_ line: String) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    private static func hex(_ v: some BinaryInteger, _ width: Int) -> String {
        ACPIText.hex(v, width: width).lowercased()
    }

    /// The parser's decoding spelled like the kernel's DUMP_printk lines (whitespace collapsed).
    static func render(_ table: IVRSTable, ivhdType: UInt8) -> [String] {
        var out: [String] = []
        for ivhd in table.hardwareDefinitions where ivhd.type == ivhdType {
            let seg = ivhd.segment
            out.append("device: \(ivhd.iommuDeviceID.name(segment: seg)) cap: \(hex(ivhd.capabilityOffset, 4))"
                + " flags: \(hex(ivhd.flags.rawValue, 2)) info \(hex(ivhd.iommuInfo, 4))")
            out.append("mmio-addr: \(hex(ivhd.baseAddress, 16))")
            for entry in ivhd.entries {
                let id = entry.deviceID.name(segment: seg)
                let flags = "flags: \(hex(entry.dteSetting, 2))"
                switch entry.kind {
                case .all: out.append("DEV_ALL \(flags)")
                case .select: out.append("DEV_SELECT devid: \(id) \(flags)")
                case .rangeStart: out.append("DEV_SELECT_RANGE_START devid: \(id) \(flags)")
                case .rangeEnd: out.append("DEV_RANGE_END devid: \(id)")
                case let .aliasSelect(source):
                    out.append("DEV_ALIAS devid: \(id) \(flags) devid_to: \(source.name(segment: seg))")
                case let .aliasRangeStart(source):
                    out.append("DEV_ALIAS_RANGE devid: \(id) \(flags) devid_to: \(source.name(segment: seg))")
                case let .extendedSelect(setting):
                    out.append("DEV_EXT_SELECT devid: \(id) \(flags) ext: \(hex(setting, 8))")
                case let .extendedRangeStart(setting):
                    out.append("DEV_EXT_SELECT_RANGE devid: \(id) \(flags) ext: \(hex(setting, 8))")
                case let .special(handle, source, variety):
                    let name = switch variety { case .ioapic: "IOAPIC"; case .hpet: "HPET"; case .reserved: "UNKNOWN" }
                    out.append("DEV_SPECIAL(\(name)[\(handle)]) devid: \(source.name(segment: seg))")
                case let .acpiDevice(hid, _, uid):
                    let uidText = switch uid {
                    case .none: ""
                    case let .integer(value): "\(value)"
                    case let .string(text): text
                    case .other: "?"
                    }
                    out.append("DEV_ACPI_HID(\(hid)[\(uidText)]) devid: \(id)")
                case .reserved, .unknown:
                    continue
                }
            }
        }
        let page: UInt64 = 4096
        func pageAlign(_ v: UInt64) -> UInt64 { (v &+ page - 1) & ~(page - 1) }
        for ivmd in table.memoryDefinitions where !ivmd.flags.isDisjoint(with: [.unity, .exclusionRange]) {
            let seg = table.hardwareDefinitions.first?.segment ?? 0
            let (label, first, last): (String, PCIRequesterID, PCIRequesterID) = switch ivmd.scope {
            case .allDevices: ("IVMD_TYPE_ALL", PCIRequesterID(rawValue: 0), PCIRequesterID(rawValue: 0xFFFF))
            case let .device(id): ("IVMD_TYPEi", id, id)
            case let .range(a, b): ("IVMD_TYPE_RANGE", a, b)
            }
            let start = pageAlign(ivmd.startAddress)
            out.append("\(label) devid_start: \(first.name(segment: seg)) devid_end: \(last.name(segment: seg))"
                + " range_start: \(hex(start, 16)) range_end: \(hex(start &+ pageAlign(ivmd.memoryLength), 16))"
                + " flags: \(String(ivmd.flags.rawValue, radix: 16))")
        }
        return out
    }
}
