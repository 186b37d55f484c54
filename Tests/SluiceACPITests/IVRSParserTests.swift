import Testing
@testable import SluiceACPI

@Suite struct IVRSParserTests {
    /// Device entries of every kind the spec defines (the F0h entry only in the 40h block).
    static func entries(acpiHID: Bool) -> [UInt8] {
        var e: [UInt8] = []
        e += [0x03] + .le16(0x0008) + [0x00]                       // range start 00:01.0
        e += [0x04] + .le16(0x00FE) + [0x00]                       // range end   00:1f.6
        e += [0x02] + .le16(0x0100) + [0xD7]                       // select 01:00.0, DTE bits
        e += [0x42] + .le16(0x0300) + [0x00, 0x00] + .le16(0x0208) + [0x00]  // alias select 03:00.0 as 02:01.0
        e += [0x43] + .le16(0x0400) + [0x00, 0x00] + .le16(0x0210) + [0x00]  // alias range start
        e += [0x04] + .le16(0x04FF) + [0x00]
        e += [0x46] + .le16(0x0500) + [0x00] + .le32(0x8000_0000) // extended select, ATS disallowed
        e += [0x47] + .le16(0x0600) + [0x00] + .le32(0)           // extended range start
        e += [0x04] + .le16(0x06FF) + [0x00]
        e += [0x48] + .le16(0x0000) + [0xD7, 0x21] + .le16(0x00A0) + [0x01]  // IOAPIC 0x21 as 00:14.0
        e += [0x48] + .le16(0x0000) + [0x00, 0x00] + .le16(0x00A0) + [0x02]  // HPET 0 as 00:14.0
        e += [0x01] + .le16(0x0000) + [0x00]                       // all
        e += [0x00] + .le16(0x0000) + [0x00]                       // padding
        if acpiHID {
            e += [0xF0] + .le16(0x00A5) + [0x40] + Array("AMDI0020".utf8) + [UInt8](repeating: 0, count: 8)
                + [0x02, 0x09] + Array("\\_SB.FUR0".utf8)
            e += [0xF0] + .le16(0x00A6) + [0x00] + Array("AMDI0030".utf8) + Array("PNP0C09\0".utf8)
                + [0x01, 0x01, 0x07]
            e += [0xF0] + .le16(0x00A7) + [0x00] + Array("AMDI0040".utf8) + [UInt8](repeating: 0, count: 8) + [0, 0]
        }
        return e
    }

    static func ivhd(type: UInt8, entries: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [type, 0xB0]
        let header = type == 0x10 ? 24 : 40
        b += .le16(UInt16(header + entries.count)) + .le16(0x0002) + .le16(0x0040) + .le64(0xFD10_0000)
        b += .le16(0) + .le16(0x0A05)                              // segment 0, unit 10, MSI 5
        if type == 0x10 {
            b += .le32(0x8004_8F6E)
        } else {
            b += .le32(0x0004_0200) + .le64(0x004F_77EF_2229_4ADA) + .le64(0x1)
        }
        return b + entries
    }

    static func ivmd(type: UInt8, flags: UInt8, device: UInt16, aux: UInt16, start: UInt64, length: UInt64) -> [UInt8] {
        [type, flags] + .le16(32) + .le16(device) + .le16(aux) + .le64(0) + .le64(start) + .le64(length)
    }

    static func sample() -> [UInt8] {
        var t = TableBuilder(signature: "IVRS", revision: 2)
        t.u32(0x0020_3041); t.u64(0)
        t.raw(ivhd(type: 0x10, entries: entries(acpiHID: false)))
        t.raw(ivhd(type: 0x11, entries: entries(acpiHID: false)))
        t.raw(ivhd(type: 0x40, entries: entries(acpiHID: true)))
        t.raw(ivmd(type: 0x20, flags: 0x08, device: 0, aux: 0, start: 0x1000_0000, length: 0x1000))
        t.raw(ivmd(type: 0x21, flags: 0x07, device: 0x0300, aux: 0, start: 0x3BC9_5000, length: 0x26000))
        t.raw(ivmd(type: 0x22, flags: 0x01, device: 0x0400, aux: 0x04FF, start: 0x5000_0000, length: 0x2000))
        return t.build()
    }

    @Test func decodesHeadersOfAllThreeIVHDTypes() throws {
        let table = try IVRSTable(bytes: Self.sample())
        #expect(table.diagnostics.isEmpty)
        #expect(table.checksumIsValid)
        #expect(table.ivInfo.extendedFeaturesSupported)
        #expect(!table.ivInfo.dmaRemapOptIn)
        #expect(table.ivInfo.physicalAddressBits == 48 && table.ivInfo.virtualAddressBits == 64)
        #expect(table.ivInfo.guestVirtualAddressSizeField == 2)
        let ivhds = table.hardwareDefinitions
        #expect(ivhds.map(\.type) == [0x10, 0x11, 0x40])
        for ivhd in ivhds {
            #expect(ivhd.iommuDeviceID.description == "00:00.2")
            #expect(ivhd.capabilityOffset == 0x40 && ivhd.baseAddress == 0xFD10_0000 && ivhd.segment == 0)
            #expect(ivhd.unitID == 10 && ivhd.msiNumber == 5)
            #expect(ivhd.flags.contains([.pprSupported, .coherent, .iotlbSupported]))
            #expect(!ivhd.flags.contains(.prefetchSupported))
        }
        #expect(ivhds[0].featureReporting == 0x8004_8F6E && ivhds[0].extendedFeatures == nil && ivhds[0].attributes == nil)
        for ivhd in ivhds.dropFirst() {
            #expect(ivhd.featureReporting == nil && ivhd.attributes == 0x0004_0200 && ivhd.extendedFeatures2 == 1)
            let efr = try #require(ivhd.extendedFeatures)
            #expect(efr.rawValue == 0x004F_77EF_2229_4ADA)
            #expect(efr.pprSupported && !efr.prefetchSupported && efr.guestTranslationSupported)
            #expect(efr.guestVAPICSupported && efr.hostAddressTranslationSize == 2 && efr.pasidMax == 0xF)
            #expect(!efr.snpSupported)
        }
    }

    @Test func decodesEveryDeviceEntryKind() throws {
        let table = try IVRSTable(bytes: Self.sample())
        let ivhd = table.hardwareDefinitions[2]
        let kinds = ivhd.entries.map(\.kind)
        let ids = ivhd.entries.map(\.deviceID.description)
        #expect(ids.prefix(3) == ["00:01.0", "00:1f.6", "01:00.0"])
        #expect(ivhd.entries[2].dteSetting == 0xD7)
        #expect(kinds[0] == .rangeStart && kinds[1] == .rangeEnd && kinds[2] == .select)
        #expect(kinds[3] == .aliasSelect(source: PCIRequesterID(rawValue: 0x0208)))
        #expect(kinds[4] == .aliasRangeStart(source: PCIRequesterID(rawValue: 0x0210)))
        #expect(kinds[6] == .extendedSelect(setting: 0x8000_0000))
        #expect(kinds[7] == .extendedRangeStart(setting: 0))
        #expect(kinds[9] == .special(handle: 0x21, source: PCIRequesterID(rawValue: 0xA0), variety: .ioapic))
        #expect(kinds[10] == .special(handle: 0, source: PCIRequesterID(rawValue: 0xA0), variety: .hpet))
        #expect(kinds[11] == .all && kinds[12] == .reserved)
        #expect(kinds[13] == .acpiDevice(hid: "AMDI0020", cid: "", uid: .string("\\_SB.FUR0")))
        #expect(kinds[14] == .acpiDevice(hid: "AMDI0030", cid: "PNP0C09", uid: .integer(7)))
        #expect(kinds[15] == .acpiDevice(hid: "AMDI0040", cid: "", uid: .none))
        #expect(ivhd.entries.map(\.length) == [4, 4, 4, 8, 8, 4, 8, 8, 4, 8, 8, 4, 4, 31, 23, 22])
        #expect(table.hardwareDefinitions[0].entries.count == 13)
    }

    @Test func decodesAllThreeIVMDTypes() throws {
        let table = try IVRSTable(bytes: Self.sample())
        let ivmds = table.memoryDefinitions
        #expect(ivmds.map(\.scope) == [
            .allDevices,
            .device(PCIRequesterID(rawValue: 0x0300)),
            .range(PCIRequesterID(rawValue: 0x0400), PCIRequesterID(rawValue: 0x04FF)),
        ])
        #expect(ivmds[0].flags == .exclusionRange)
        #expect(ivmds[1].flags == [.unity, .readable, .writable])
        #expect(ivmds[1].startAddress == 0x3BC9_5000 && ivmds[1].memoryLength == 0x26000)
    }

    @Test func foldsEntriesIntoDeviceRanges() throws {
        let ivhd = try IVRSTable(bytes: Self.sample()).hardwareDefinitions[1]
        let r = ivhd.deviceRanges.map { "\($0.first)-\($0.last)" }
        #expect(r == ["00:01.0-00:1f.6", "01:00.0-01:00.0", "03:00.0-03:00.0", "04:00.0-04:1f.7",
                      "05:00.0-05:00.0", "06:00.0-06:1f.7", "00:00.0-ff:1f.7"])
        #expect(ivhd.deviceRanges[1].dteSetting == 0xD7)
        #expect(ivhd.deviceRanges[4].extendedSetting == 0x8000_0000)
        #expect(ivhd.alias(of: PCIRequesterID(rawValue: 0x0300))?.description == "02:01.0")
        #expect(ivhd.alias(of: PCIRequesterID(rawValue: 0x0417))?.description == "02:02.0")
        #expect(ivhd.alias(of: PCIRequesterID(rawValue: 0x0100)) == nil)
        #expect(ivhd.ranges(covering: PCIRequesterID(rawValue: 0x0100)).count == 2, "select, then all")
        #expect(ivhd.specialDevices.map(\.handle) == [0x21, 0])
    }

    @Test func unbalancedRangesAreReported() throws {
        var t = TableBuilder(signature: "IVRS", revision: 2)
        t.u32(0); t.u64(0)
        let entries: [UInt8] = [
            0x04, 0x10, 0x00, 0,        // end without start
            0x03, 0x20, 0x00, 0,        // start replaced by ...
            0x03, 0x30, 0x00, 0,        // ... another start
            0x04, 0x28, 0x00, 0,        // which ends before it starts
            0x03, 0x40, 0x00, 0,        // never ended
        ]
        t.raw(Self.ivhd(type: 0x10, entries: entries))
        let table = try IVRSTable(bytes: t.build())
        #expect(table.hardwareDefinitions[0].deviceRanges.isEmpty)
        #expect(table.diagnostics.count == 4)
        #expect(table.diagnostics.map(\.offset) == table.diagnostics.map(\.offset).sorted())
    }

    @Test func acpiHIDEntryOverrunningItsBlockIsReported() throws {
        var t = TableBuilder(signature: "IVRS", revision: 2)
        t.u32(0); t.u64(0)
        // UID length 0x40 claims far more than the block holds.
        let hid: [UInt8] = [0xF0] + .le16(0xA5) + [0] + Array("AMDI0020".utf8) + [UInt8](repeating: 0, count: 8) + [2, 0x40]
        t.raw(Self.ivhd(type: 0x40, entries: [0x02] + .le16(0x10) + [0] + hid))
        let table = try IVRSTable(bytes: t.build())
        #expect(table.hardwareDefinitions.first?.entries.count == 1)
        #expect(table.diagnostics.count == 1)
        #expect(table.diagnostics.first?.message.contains("needs 86 bytes") == true)
    }

    @Test func zeroLengthBlockStopsWithoutLooping() throws {
        var t = TableBuilder(signature: "IVRS", revision: 2)
        t.u32(0); t.u64(0)
        t.raw(Self.ivhd(type: 0x10, entries: []))
        t.raw([0x11, 0, 0, 0] + [UInt8](repeating: 0xAA, count: 12))
        let table = try IVRSTable(bytes: t.build())
        #expect(table.blocks.count == 2)
        guard case let .unknown(raw) = table.blocks[1] else { Issue.record("zero-length block not kept raw"); return }
        #expect(raw.bytes.count == 16)
        #expect(table.diagnostics.map(\.offset) == [48 + 24 + 2])
    }

    @Test func shortIVHDAndUnknownBlockAreKeptRaw() throws {
        var t = TableBuilder(signature: "IVRS", revision: 2)
        t.u32(0); t.u64(0)
        t.raw([0x11, 0, 24, 0] + [UInt8](repeating: 0, count: 20))      // 11h needs 40 bytes
        t.raw([0x51, 0x08, 8, 0, 0, 3, 0, 0])                            // unknown type: skipped by length
        t.raw(Self.ivmd(type: 0x21, flags: 1, device: 0x300, aux: 0, start: 0x1000, length: 0x1000))
        let table = try IVRSTable(bytes: t.build())
        #expect(table.blocks.count == 3)
        #expect(table.memoryDefinitions.count == 1, "decoding continues after both")
        #expect(table.diagnostics.count == 1 && table.diagnostics[0].message.contains("needs 40"))
        guard case let .unknown(unknown) = table.blocks[1] else { Issue.record("type 51h not kept"); return }
        #expect(unknown.type == 0x51 && unknown.flags == 8 && unknown.bytes.count == 8)
    }
}
