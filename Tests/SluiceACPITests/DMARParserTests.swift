import Testing
@testable import SluiceACPI

@Suite struct DMARParserTests {
    /// A DMAR with one of each structure type the parser knows.
    static func sample() -> [UInt8] {
        var t = TableBuilder(signature: "DMAR")
        t.u8(38); t.u8(0b101); t.zeros(10)              // 39-bit width, INTR_REMAP | DMA_CTRL_PLATFORM_OPT_IN
        // DRHD for the graphics device, 4 KiB-page size field 1 (8 KiB), then an INCLUDE_PCI_ALL unit.
        let gfx = TableBuilder.scope(type: 1, bus: 0, path: [(2, 0)])
        t.u16(0); t.u16(UInt16(16 + gfx.count)); t.u8(0); t.u8(1); t.u16(0); t.u64(0xFED9_0000); t.raw(gfx)
        let ioapic = TableBuilder.scope(type: 3, enumerationID: 2, bus: 0xF0, path: [(0x1F, 0)])
        let hpet = TableBuilder.scope(type: 4, enumerationID: 0, bus: 0, path: [(0x1F, 0)])
        let acpi = TableBuilder.scope(type: 5, enumerationID: 1, bus: 0, path: [(0x15, 0)])
        t.u16(0); t.u16(UInt16(16 + ioapic.count + hpet.count + acpi.count)); t.u8(1); t.u8(0); t.u16(0)
        t.u64(0xFED9_1000); t.raw(ioapic + hpet + acpi)
        // RMRR for USB behind a bridge: path 1C.0 then 00.0 on the bridge's secondary bus.
        let usb = TableBuilder.scope(type: 1, bus: 0, path: [(0x1C, 0), (0, 0)])
        t.u16(1); t.u16(UInt16(24 + usb.count)); t.u16(0); t.u16(0); t.u64(0x9E00_0000); t.u64(0x9E01_FFFF); t.raw(usb)
        // ATSR for all ports of segment 1.
        t.u16(2); t.u16(8); t.u8(1); t.u8(0); t.u16(1)
        // RHSA.
        t.u16(3); t.u16(20); t.u32(0); t.u64(0xFED9_1000); t.u32(3)
        // ANDD, name padded with NULs.
        let name = Array("\\_SB.PCI0.I2C0".utf8) + [0, 0]
        t.u16(4); t.u16(UInt16(8 + name.count)); t.zeros(3); t.u8(1); t.raw(name)
        // SATC, ATC_REQUIRED, one bridge scope.
        let bridge = TableBuilder.scope(type: 2, bus: 0x80, path: [(3, 1)])
        t.u16(5); t.u16(UInt16(8 + bridge.count)); t.u8(1); t.u8(0); t.u16(0); t.raw(bridge)
        // SIDP with one endpoint whose scope flags say ATC required and hardened.
        let npu: [UInt8] = [1, 8] + .le16(0x18) + [0, 0, 0x0B, 0]
        t.u16(6); t.u16(UInt16(8 + npu.count)); t.u16(0); t.u16(0); t.raw(npu)
        return t.build()
    }

    @Test func decodesEveryStructureType() throws {
        let table = try DMARTable(bytes: Self.sample())
        #expect(table.diagnostics.isEmpty)
        #expect(table.checksumIsValid)
        #expect(table.header.oemTableID == "TESTTBL")
        #expect(table.hostAddressWidth == 39)
        #expect(table.flags == [.interruptRemapping, .dmaControlPlatformOptIn])
        #expect(table.structures.map(\.kindName) == ["DRHD", "DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP"])
        #expect(table.hardwareUnits.count == 2 && table.reservedMemoryRegions.count == 1)
        #expect(table.namespaceDevices.map(\.objectName) == ["\\_SB.PCI0.I2C0"])

        guard case let .hardwareUnit(gfx) = table.structures[0], case let .hardwareUnit(all) = table.structures[1] else {
            Issue.record("expected two DRHDs"); return
        }
        #expect(!gfx.includesAllPCIDevices && all.includesAllPCIDevices)
        #expect(gfx.registerSetSize == 8192)
        #expect(gfx.registerBaseAddress == 0xFED9_0000)
        #expect(gfx.deviceScopes.first?.directTarget == PCIRequesterID(bus: 0, device: 2, function: 0))
        #expect(all.deviceScopes.map(\.kind) == [.ioapic, .hpet, .acpiNamespaceDevice])
        #expect(all.deviceScopes.map(\.enumerationID) == [2, 0, 1])
        #expect(all.deviceScopes[0].startBus == 0xF0)

        guard case let .reservedMemory(rmrr) = table.structures[2] else { Issue.record("no RMRR"); return }
        #expect(rmrr.baseAddress == 0x9E00_0000 && rmrr.limitAddress == 0x9E01_FFFF)
        #expect(rmrr.deviceScopes[0].path.count == 2)
        #expect(rmrr.deviceScopes[0].directTarget == nil, "a two-hop path needs the topology")

        guard case let .rootPortATS(atsr) = table.structures[3] else { Issue.record("no ATSR"); return }
        #expect(atsr.allPorts && atsr.segment == 1 && atsr.deviceScopes.isEmpty)
        guard case let .hardwareStaticAffinity(rhsa) = table.structures[4] else { Issue.record("no RHSA"); return }
        #expect(rhsa.registerBaseAddress == 0xFED9_1000 && rhsa.proximityDomain == 3)
        guard case let .namespaceDevice(andd) = table.structures[5] else { Issue.record("no ANDD"); return }
        #expect(andd.acpiDeviceNumber == 1 && andd.objectName == "\\_SB.PCI0.I2C0")
        guard case let .softwareATC(satc) = table.structures[6] else { Issue.record("no SATC"); return }
        #expect(satc.atcRequired && satc.deviceScopes.first?.kind == .pciSubHierarchy)
        #expect(satc.deviceScopes.first?.directTarget?.description == "80:03.1")
        guard case let .socIntegratedDevice(sidp) = table.structures[7] else { Issue.record("no SIDP"); return }
        #expect(sidp.deviceScopes.map(\.flags) == [0x18])
        #expect(sidp.deviceScopes.first?.directTarget?.description == "00:0b.0")
    }

    @Test func resolvesPathsThroughBridges() throws {
        let table = try DMARTable(bytes: Self.sample())
        let scope = table.structures[2].deviceScopes[0]
        // The root port 00:1c.0 has secondary bus 3, so the USB controller is 03:00.0.
        var asked: [PCIRequesterID] = []
        let target = scope.resolve { bridge in
            asked.append(bridge)
            return bridge == PCIRequesterID(bus: 0, device: 0x1C, function: 0) ? 3 : nil
        }
        #expect(target?.name(segment: 0) == "0000:03:00.0")
        #expect(asked.map(\.description) == ["00:1c.0"])
        #expect(scope.resolve { _ in nil } == nil, "an unknown bridge resolves to nothing")
    }

    @Test func badChecksumWarnsAndStillDecodes() throws {
        var bytes = Self.sample()
        bytes[9] &+= 1
        let table = try DMARTable(bytes: bytes)
        #expect(!table.checksumIsValid)
        #expect(table.structures.count == 8)
        #expect(table.diagnostics.count == 1)
        #expect(table.diagnostics.first?.severity == .warning)
        #expect(table.diagnostics.first?.message.contains("checksum") == true)
    }

    @Test func zeroLengthStructureStopsWithoutLooping() throws {
        var t = TableBuilder(signature: "DMAR")
        t.u8(38); t.u8(0); t.zeros(10)
        t.u16(0); t.u16(0); t.zeros(20)
        let table = try DMARTable(bytes: t.build())
        #expect(table.structures.count == 1)
        guard case let .unknown(raw) = table.structures[0] else { Issue.record("zero length not kept raw"); return }
        #expect(raw.bytes.count == 24, "the undecodable rest is kept")
        #expect(table.diagnostics.contains { $0.severity == .error && $0.offset == 50 })
    }

    @Test func overrunningStructureIsKeptRaw() throws {
        var t = TableBuilder(signature: "DMAR")
        t.u8(38); t.u8(0); t.zeros(10)
        t.u16(1); t.u16(200); t.zeros(20)
        let table = try DMARTable(bytes: t.build())
        guard case let .unknown(raw) = table.structures.first else { Issue.record("overrun not kept raw"); return }
        #expect(raw.type == 1 && raw.length == 200 && raw.bytes.count == 24)
        #expect(table.diagnostics.first?.message.contains("overrunning") == true)
    }

    @Test func zeroLengthDeviceScopeStopsTheStructure() throws {
        var t = TableBuilder(signature: "DMAR")
        t.u8(38); t.u8(0); t.zeros(10)
        t.u16(0); t.u16(16 + 8 + 8); t.u8(0); t.u8(0); t.u16(0); t.u64(0xFED9_0000)
        t.raw(TableBuilder.scope(type: 1, bus: 0, path: [(2, 0)]))
        t.raw([1, 0, 0, 0, 0, 0, 2, 0])                  // scope length 0
        let table = try DMARTable(bytes: t.build())
        #expect(table.structures.first?.deviceScopes.count == 1)
        #expect(table.diagnostics.contains { $0.offset == 73 && $0.severity == .error })
    }

    @Test func unknownTypeIsKeptAndParsingContinues() throws {
        var t = TableBuilder(signature: "DMAR")
        t.u8(38); t.u8(0); t.zeros(10)
        t.u16(0x77); t.u16(8); t.u32(0xDEAD_BEEF)
        t.u16(3); t.u16(20); t.u32(0); t.u64(0x1000); t.u32(1)
        let table = try DMARTable(bytes: t.build())
        #expect(table.diagnostics.isEmpty)
        #expect(table.structures.map(\.kindName) == ["unknown", "RHSA"])
        guard case let .unknown(raw) = table.structures[0] else { return }
        #expect(raw.bytes == [0x77, 0, 8, 0, 0xEF, 0xBE, 0xAD, 0xDE])
    }

    @Test func truncatedTableDecodesWhatIsThere() throws {
        let whole = Self.sample()
        let table = try DMARTable(bytes: Array(whole.prefix(100)))
        #expect(!table.checksumIsValid)
        #expect(table.diagnostics.first?.message.contains("only 100 present") == true)
        #expect(table.structures.first?.kindName == "DRHD")
    }

    @Test func tooShortOrWrongSignatureThrows() {
        #expect(throws: ACPITableError.tooShort(signature: "DMAR", needed: 48, available: 40)) {
            try DMARTable(bytes: Array(Self.sample().prefix(40)))
        }
        var ivrs = Self.sample()
        ivrs.replaceSubrange(0..<4, with: Array("IVRS".utf8))
        #expect(throws: ACPITableError.wrongSignature(expected: "DMAR", found: "IVRS")) { try DMARTable(bytes: ivrs) }
        #expect(throws: ACPITableError.self) { try DMARTable(bytes: []) }
    }

    @Test func lengthFieldSmallerThanHeaderIsIgnored() throws {
        var bytes = Self.sample()
        bytes[4] = 10; bytes[5] = 0
        let table = try DMARTable(bytes: bytes)
        #expect(table.structures.count == 8)
        #expect(table.diagnostics.contains { $0.offset == 4 && $0.severity == .error })
    }

    @Test func scopeTypesTheStructureForbidsAreReported() throws {
        var t = TableBuilder(signature: "DMAR")
        t.u8(38); t.u8(0); t.zeros(10)
        let ioapic = TableBuilder.scope(type: 3, enumerationID: 8, bus: 0xF0, path: [(0x1F, 0)])
        t.u16(1); t.u16(UInt16(24 + ioapic.count)); t.u16(0); t.u16(0); t.u64(0x1000); t.u64(0x1FFF); t.raw(ioapic)
        let table = try DMARTable(bytes: t.build())
        #expect(table.reservedMemoryRegions.first?.deviceScopes.first?.kind == .ioapic, "decoded anyway")
        #expect(table.diagnostics.map(\.message) == ["device scope type 3 (IOAPIC) is not allowed in RMRR structures"])
    }

    @Test func invalidPathElementsAreReported() throws {
        var t = TableBuilder(signature: "DMAR")
        t.u8(38); t.u8(0); t.zeros(10)
        let bad = TableBuilder.scope(type: 1, bus: 0, path: [(0x20, 9)])
        t.u16(0); t.u16(UInt16(16 + bad.count)); t.u8(0); t.u8(0); t.u16(0); t.u64(0xFED9_0000); t.raw(bad)
        let table = try DMARTable(bytes: t.build())
        let scope = try #require(table.structures.first?.deviceScopes.first)
        #expect(scope.directTarget == nil)
        #expect(table.diagnostics.contains { $0.message.contains("not a valid device/function") })
    }
}
