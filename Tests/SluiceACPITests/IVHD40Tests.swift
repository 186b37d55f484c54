import Testing
import SluiceACPI

/// iasl 20200925 cannot decode IVHD 40h, so its decoding is checked another way:
/// firmware describes each IOMMU with an 11h block and a 40h block, and the 40h
/// block repeats the 11h header and device entries, adding ACPI HID (F0h) entries.
@Suite struct IVHD40Tests {
    @Test func type40BlocksRepeatTheirType11Block() throws {
        var compared = 0
        for fixture in Fixtures.ivrs {
            let table = try IVRSTable(bytes: fixture.bytes)
            for block40 in table.hardwareDefinitions where block40.type == 0x40 {
                let candidates = table.hardwareDefinitions.filter {
                    $0.type == 0x11 && $0.baseAddress == block40.baseAddress && $0.segment == block40.segment
                }
                guard let block11 = candidates.first else { continue }
                compared += 1
                let context = "\(fixture.testDescription) 40h block at \(block40.offset)"
                #expect(block40.iommuDeviceID == block11.iommuDeviceID, "\(context)")
                #expect(block40.capabilityOffset == block11.capabilityOffset, "\(context)")
                #expect(block40.iommuInfo == block11.iommuInfo, "\(context)")
                #expect(block40.attributes == block11.attributes, "\(context)")
                #expect(block40.extendedFeatures == block11.extendedFeatures, "\(context)")
                let pciEntries = block40.entries.filter { $0.type != 0xF0 }
                #expect(pciEntries.map(\.kind) == block11.entries.map(\.kind), "\(context)")
                #expect(pciEntries.map(\.deviceID) == block11.entries.map(\.deviceID), "\(context)")
                for entry in block40.entries where entry.type == 0xF0 {
                    guard case let .acpiDevice(hid, _, _) = entry.kind else {
                        Issue.record("\(context): F0h entry not decoded as an ACPI device"); continue
                    }
                    #expect(hid.count >= 7 && hid.allSatisfy { $0.isLetter || $0.isNumber }, "\(context): HID \(hid)")
                }
            }
        }
        #expect(compared >= 40, "every fixture 40h block has an 11h twin")
    }
}
