import Foundation
import Testing
@testable import SluicePCI

/// `sluice list --json` output is valid JSON with the documented members, on every tree.
@Suite struct ListOutputTests {
    @Test func jsonParsesAndCarriesTheModel() throws {
        for root in TestSupport.fixtureRoots + ["/"] {
            let r = try PCIScanner(root: root, options: .init(fullConfig: true)).scan()
            let text = ListJSON.render(r, devices: r.devices, root: root, capabilities: true)
            let top = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(root)")
            #expect(top["schema"] as? String == "sluice.list/1")
            let devices = try #require(top["devices"] as? [[String: Any]])
            #expect(devices.count == r.devices.count)
            for (json, d) in zip(devices, r.devices) {
                #expect(json["address"] as? String == d.address.description)
                #expect(json["vendor_id"] as? Int == Int(d.vendorID) && json["class"] as? Int == Int(d.classCode))
                #expect((json["driver"] as? String) == d.driver)
                #expect((json["iommu_group"] as? Int) == d.iommuGroup)
                #expect((json["capabilities"] as? [Any])?.count == d.config.items.count)
                for key in ["subsystem_vendor_id", "vendor_name", "numa_node", "physfn", "upstream", "resources", "problems"] {
                    #expect(json.keys.contains(key), "\(root) \(d.address): member \(key) missing")
                }
            }
        }
    }

    @Test func jsonEscapesHostileStrings() throws {
        let tree = TreeBuilder("json")
        defer { tree.remove() }
        tree.add(.init(address: "0000:00:01.0", config: ConfigBuilder().bytes, driver: "drv\"\\\u{1}x",
                       extra: ["resource": "0x1 \"quoted\"\t\u{7f}é\n"]))
        let r = try PCIScanner(root: tree.root, options: .init(names: false)).scan()
        let text = ListJSON.render(r, devices: r.devices, root: tree.root, capabilities: false)
        let top = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let d = try #require((top["devices"] as? [[String: Any]])?.first)
        #expect(d["driver"] as? String == "drv\"\\\u{1}x")
        #expect((d["problems"] as? [String])?.contains("resource line 0 malformed: '0x1 \"quoted\"\t\u{7f}é'") == true)
    }
}

/// Sluice computes modalias from the ids instead of reading it; it must equal the kernel's file.
@Suite struct ModaliasTests {
    @Test func computedModaliasEqualsKernelFile() throws {
        var compared = 0
        for root in TestSupport.fixtureRoots + ["/"] {
            let r = try PCIScanner(root: root, options: .init(fullConfig: false, names: false)).scan()
            for d in r.devices {
                let path = (root == "/" ? "" : root) + "/sys/bus/pci/devices/\(d.address)/modalias"
                guard let file = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
                #expect(d.modalias == file.trimmingCharacters(in: .whitespacesAndNewlines), "\(root) \(d.address)")
                compared += 1
            }
        }
        #expect(compared > 0)
    }
}
