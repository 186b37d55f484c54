import Testing
import SluiceACPI

/// The tables QEMU 7.2 builds for the lab guest, checked against what the QEMU
/// options ask for and what the guest kernel reported while booting on them
/// ("dmar0: reg_base_addr fed90000", "pci 0000:00:02.0: AMD-Vi: Found IOMMU cap 0x40").
@Suite struct QEMUTablesTests {
    private func dmar(_ name: String) throws -> DMARTable {
        try DMARTable(bytes: #require(Fixtures.dmar.first { $0.name == name }).bytes)
    }

    @Test func intelInterruptRemappingFollowsTheOption() throws {
        let on = try dmar("qemu72-intel-intremap"), off = try dmar("qemu72-intel-nointremap")
        #expect(on.flags == .interruptRemapping && off.flags.isEmpty)
        for table in [on, off] {
            #expect(table.diagnostics.isEmpty && table.hostAddressWidth == 39)
            let unit = try #require(table.hardwareUnits.first)
            #expect(table.hardwareUnits.count == 1 && unit.registerBaseAddress == 0xFED9_0000)
            // QEMU lists the devices explicitly instead of INCLUDE_PCI_ALL; the lab's root port is a sub-hierarchy.
            #expect(!unit.includesAllPCIDevices)
            #expect(unit.deviceScopes.first?.kind == .ioapic)
            #expect(unit.deviceScopes.contains { $0.kind == .pciSubHierarchy && $0.directTarget?.description == "00:02.0" })
            #expect(unit.deviceScopes.contains { $0.directTarget?.description == "00:1f.3" })
        }
    }

    @Test func deviceIOTLBAddsAnAllPortsATSR() throws {
        let table = try dmar("qemu72-intel-devtlb")
        guard case let .rootPortATS(atsr) = table.structures.last else {
            Issue.record("no ATSR"); return
        }
        #expect(atsr.allPorts && atsr.segment == 0 && atsr.deviceScopes.isEmpty)
        #expect(try dmar("qemu72-intel-intremap").structures.allSatisfy {
            if case .rootPortATS = $0 { false } else { true }
        })
    }

    @Test func amdIOMMUTable() throws {
        let fixture = try #require(Fixtures.ivrs.first { $0.name == "qemu72-amd" })
        let table = try IVRSTable(bytes: fixture.bytes)
        #expect(table.diagnostics.isEmpty)
        let ivhd = try #require(table.hardwareDefinitions.first)
        #expect(table.hardwareDefinitions.count == 1 && ivhd.type == 0x10)
        #expect(ivhd.iommuDeviceID.name(segment: ivhd.segment) == "0000:00:02.0")
        #expect(ivhd.capabilityOffset == 0x40 && ivhd.baseAddress == 0xFED8_0000)
        // The e1000e behind the root port: a range over the root port's secondary bus.
        #expect(ivhd.ranges(covering: PCIRequesterID(rawValue: 0x0100)).count == 1)
        #expect(ivhd.specialDevices.map(\.variety) == [.ioapic])
    }
}
