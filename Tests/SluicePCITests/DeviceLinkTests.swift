import Testing
@testable import SluicePCI

/// The bus link's target, parsed in one pass: folded path, place under sys/devices, bridges above.
@Suite struct DeviceLinkTests {
    @Test func ordinaryLinkBehindASwitch() {
        let link = DeviceLink(base: "sys/bus/pci/devices",
                              target: "../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/0000:02:01.0/0000:03:00.0")
        #expect(link.resolved == "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/0000:02:01.0/0000:03:00.0")
        #expect(link.sysfsPath == "pci0000:00/0000:00:1c.0/0000:01:00.0/0000:02:01.0/0000:03:00.0")
        #expect(link.upstream.map(\.description) == ["0000:00:1c.0", "0000:01:00.0", "0000:02:01.0"])
    }

    @Test func vmdDomainBelowItsEndpoint() {
        let link = DeviceLink(base: "sys/bus/pci/devices",
                              target: "../../../devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0/10000:e1:00.0")
        #expect(link.upstream.map(\.description) == ["0000:00:0e.0", "10000:e0:1d.0"])
    }

    @Test func escapesAndOddTargetsAreNotResolved() {
        #expect(DeviceLink(base: "sys/bus/pci/devices", target: "/sys/devices/pci0000:00/0000:00:00.0").resolved == nil)
        #expect(DeviceLink(base: "sys/bus/pci/devices", target: "../../../../../etc").resolved == nil)
        #expect(DeviceLink(base: "sys/bus/pci/devices", target: "../../../../..").resolved == nil)
        let dotted = DeviceLink(base: "sys/bus/pci/devices", target: "./.././../../devices//pci0000:00/./0000:00:02.0")
        #expect(dotted.resolved == "sys/devices/pci0000:00/0000:00:02.0")
        #expect(dotted.upstream.isEmpty)
        let flat = DeviceLink(base: "sys/bus/pci/devices", target: "0000:00:02.0")
        #expect(flat.resolved == "sys/bus/pci/devices/0000:00:02.0" && flat.sysfsPath == nil)
    }

    @Test func trailingSlashAndClimbsInsideTheTree() {
        let link = DeviceLink(base: "sys/bus/pci/devices", target: "../../../devices/pci0000:00/../pci0000:01/0000:01:00.0/")
        #expect(link.resolved == "sys/devices/pci0000:01/0000:01:00.0")
        #expect(link.sysfsPath == "pci0000:00/../pci0000:01/0000:01:00.0")
        #expect(link.upstream.isEmpty)
        let twice = DeviceLink(base: "sys/bus/pci/devices", target: "../../../devices/devices/0000:00:01.0/0000:01:00.0")
        #expect(twice.sysfsPath == "devices/0000:00:01.0/0000:01:00.0")
        #expect(twice.upstream.map(\.description) == ["0000:00:01.0"])
    }
}
