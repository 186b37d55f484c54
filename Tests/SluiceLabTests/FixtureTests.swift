import Testing
import SluiceSystem
#if canImport(Glibc)
import Glibc
#endif

/// The captured sysfs trees under Tests/Fixtures/sysfs are what Examples/capture-sysfs.sh and
/// scripts/lab-capture-fixtures.sh produce: check that each is complete and self-consistent.
private let fixtureRoot = "\(packageRoot())/Tests/Fixtures/sysfs"

private func fixtures() -> [String] {
    (try? Subprocess.run(["ls", fixtureRoot]))?.text.split(separator: "\n").map(String.init) ?? []
}

private func lines(_ argv: [String]) throws -> [String] {
    let out = try Subprocess.run(argv)
    #expect(out.status == .exited(0), "\(argv.joined(separator: " "))")
    return out.text.split(separator: "\n").map(String.init)
}

@Suite struct FixtureTests {
    @Test func thereAreFixtures() {
        #expect(fixtures().contains("host-nested-kvm"))
        #expect(fixtures().filter { $0.hasPrefix("q35-") }.count >= 11)
    }

    /// Every symlink is relative and resolves to something inside its own fixture.
    @Test(arguments: fixtures())
    func symlinksStayInside(fixture: String) throws {
        let dir = "\(fixtureRoot)/\(fixture)"
        for link in try lines(["find", dir, "-type", "l"]) {
            let target = try lines(["readlink", link]).first ?? ""
            #expect(!target.hasPrefix("/"), "\(link) is absolute")
            let resolved = try Subprocess.run(["readlink", "-e", link])
            #expect(resolved.status == .exited(0), "\(link) dangles")
            #expect(resolved.text.hasPrefix(dir + "/"), "\(link) leaves the fixture")
        }
    }

    /// SOURCE.md says how it was made; lspci reads the tree and sees every captured function.
    @Test(arguments: fixtures())
    func lspciReadsEveryFunction(fixture: String) throws {
        let dir = "\(fixtureRoot)/\(fixture)"
        let source = try Subprocess.run(["cat", "\(dir)/SOURCE.md"]).text
        #expect(source.contains("capture-sysfs.sh"))
        let functions = try lines(["ls", "\(dir)/sys/bus/pci/devices"])
        #expect(!functions.isEmpty)
        let listed = try lines(["lspci", "-D", "-n", "-A", "linux-sysfs", "-O", "sysfs.path=\(dir)/sys/bus/pci"])
        #expect(listed.map { String($0.prefix(12)) }.sorted() == functions.sorted())
        for f in functions {
            let config = Files.size("\(dir)/sys/bus/pci/devices/\(f)/config")
            #expect(config == 256 || config == 4096, "\(f) config is \(config.map(String.init) ?? "missing")")
        }
    }

    /// A device's iommu_group link and the group's devices/ directory say the same thing.
    @Test(arguments: fixtures())
    func groupsAgreeBothWays(fixture: String) throws {
        let dir = "\(fixtureRoot)/\(fixture)"
        var fromDevices: [String: String] = [:]
        for f in try lines(["ls", "\(dir)/sys/bus/pci/devices"]) {
            let link = try Subprocess.run(["readlink", "\(dir)/sys/bus/pci/devices/\(f)/iommu_group"])
            if link.status == .exited(0) { fromDevices[f] = String(link.text.split(separator: "/").last ?? "").trimmingNewline }
        }
        var fromGroups: [String: String] = [:]
        // Git keeps no empty directories: a capture without groups has no iommu_groups/ at all.
        let groups = Files.size("\(dir)/sys/kernel/iommu_groups") == nil ? [] : try lines(["ls", "\(dir)/sys/kernel/iommu_groups"])
        for g in groups {
            for f in try lines(["ls", "\(dir)/sys/kernel/iommu_groups/\(g)/devices"]) { fromGroups[f] = g }
        }
        #expect(fromDevices == fromGroups)
        if fixture == "host-nested-kvm" || fixture == "q35-iommu-off" { #expect(fromGroups.isEmpty) }
        else { #expect(!fromGroups.isEmpty) }
    }
}

private enum Files {
    static func size(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }
}

private extension String {
    var trimmingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
