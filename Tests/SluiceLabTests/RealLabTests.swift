import Testing
import SluiceSystem
@testable import SluiceLab

/// Boots real guests through the `sluice` binary. Opt in with SLUICE_LAB_TEST=1 (each boot takes
/// 3-8 s of TCG; the kernel is fetched into the lab cache on first use). Build first: `swift build`.
private let enabled = environment("SLUICE_LAB_TEST") == "1"

private func sluice(_ args: [String]) throws -> Subprocess.Output {
    try Subprocess.run(["\(packageRoot())/.build/debug/sluice", "lab", "run"] + args)
}

@Suite(.serialized, .enabled(if: enabled, "set SLUICE_LAB_TEST=1 to boot real lab guests"))
struct RealLabTests {
    /// The command's stdout comes back byte for byte (stderr goes to ours), and its exit code is ours.
    @Test func outputAndExitCodeRoundTrip() throws {
        let out = try sluice(["--", "sh", "-c", "printf 'out 1\\n'; printf 'err\\n' >&2; printf 'raw\\ttab\\r\\n'; uname -r; exit 7"])
        #expect(out.status == .exited(7))
        // Bytes, not Strings: "\r\n" is one Character in Swift.
        let expected = Array("out 1\nraw\ttab\r\n6.1.".utf8)
        #expect(Array(out.stdout.prefix(expected.count)) == expected)
        #expect(out.stdout.last == UInt8(ascii: "\n"))
        #expect(out.stdout.filter { $0 == UInt8(ascii: "\n") }.count == 3)
    }

    /// The guest really has VT-d: DMA remapping on, groups formed, the e1000e alone in its group.
    @Test func guestHasARealIOMMU() throws {
        let out = try sluice(["--", "sh", "-c", "cat /sys/class/iommu/dmar0/intel-iommu/ecap; ls /sys/bus/pci/devices/0000:01:00.0/iommu_group/devices"])
        #expect(out.status == .exited(0))
        #expect(out.text == "f00f4a\n0000:01:00.0\n")
    }

    /// Every topology boots and shows its bridges and devices.
    @Test(arguments: [("switch", "104c:8233"), ("pci-bridge", "1b36:000e"), ("multifunction", "01:00.1")])
    func topologies(topology: String, expected: String) throws {
        let out = try sluice(["--topology", topology, "--", "lspci", "-n"])
        #expect(out.status == .exited(0))
        #expect(out.text.contains(expected))
    }

    /// A command that outlives --timeout gets 124 and leaves no QEMU behind.
    @Test func timeoutTearsTheGuestDown() throws {
        let out = try sluice(["--timeout", "20", "--", "sleep", "600"])
        #expect(out.status == .exited(124))
    }
}
