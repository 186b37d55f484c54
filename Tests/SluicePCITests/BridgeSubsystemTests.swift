import Foundation
import Testing
@testable import SluicePCI

/// A bridge's subsystem ids come from its Bridge Subsystem Vendor ID capability, as the kernel
/// sets them (pci_setup_device) and lspci reads them; without the capability they are zero;
/// with only the 64-byte header the sysfs files say.
@Suite struct BridgeSubsystemTests {
    private func bridge(ssvid: (UInt16, UInt16)?) -> [UInt8] {
        var c = ConfigBuilder(classCode: 0x060400, headerType: 1)
        c.put16(0x2c, 0); c.put16(0x2e, 0)  // bridge windows there, not ids
        if let (sv, sd) = ssvid {
            c.cap(0x40, id: 0x0d, next: 0)
            c.put16(0x44, sv); c.put16(0x46, sd)
        }
        return c.bytes
    }

    @Test func fromTheCapabilityAsLspciReadsThem() throws {
        let tree = TreeBuilder("bridge-ssvid")
        defer { tree.remove() }
        // The files disagree with the capability: the capability is what the kernel and lspci use.
        let lying = ["subsystem_vendor": "0x1111", "subsystem_device": "0x2222"]
        tree.add(.init(address: "0000:00:1c.0", config: bridge(ssvid: (0x17aa, 0x3098)), extra: lying))
        tree.add(.init(address: "0000:00:1d.0", config: bridge(ssvid: nil), extra: lying))
        tree.add(.init(address: "0000:00:1e.0", config: Array(bridge(ssvid: (0x17aa, 0x3098)).prefix(64)), extra: lying))
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        let ids = r.devices.map { [$0.subsystemVendorID, $0.subsystemDeviceID] }
        #expect(ids == [[0x17aa, 0x3098], [0, 0], [0x1111, 0x2222]])

        let lspci = try TestSupport.run("/usr/bin/lspci", ["-A", "linux-sysfs", "-O", "sysfs.path=\(tree.root)/sys/bus/pci", "-vnn", "-s", "00:1c.0"])
        #expect(lspci.out.contains("Subsystem: ") && lspci.out.contains("[17aa:3098]"), "\(lspci.out)")
    }
}
