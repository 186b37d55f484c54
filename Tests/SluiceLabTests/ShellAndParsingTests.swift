import Testing
import SluiceSystem
@testable import SluiceLab

@Suite struct ShellQuoteTests {
    static let nasty = ["plain", "", "two words", "it's", "$(echo pwned)", "`id`", "back\\slash", "new\nline",
                        "*", "a;b", "\"dq\"", "tab\there", "ünïcode", "-n", "''", "'", "$HOME", "!x", "~"]

    /// Each word comes back from a real /bin/sh unchanged.
    @Test func roundTripsThroughTheShell() throws {
        let script = "for a in " + Self.nasty.map(ShellQuote.word).joined(separator: " ") + "; do printf '%s\\0' \"$a\"; done"
        let out = try Subprocess.run(["/bin/sh", "-c", script])
        #expect(out.status == .exited(0))
        let words = out.stdout.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        #expect(words == Self.nasty)
    }

    @Test func plainWordsStayReadable() {
        #expect(ShellQuote.word("/usr/bin/lspci") == "/usr/bin/lspci")
        #expect(ShellQuote.word("-nnk") == "-nnk")
        #expect(ShellQuote.word("a b") == "'a b'")
    }
}

@Suite struct GuestCommandTests {
    @Test func scriptRunsArgvInTheCallersDirectory() throws {
        let s = GuestCommand.script(argv: ["sh", "-c", "echo $0"], workingDirectory: "/work/x y")
        #expect(s.contains("cd '/work/x y' 2>/dev/null || cd /\n"))
        #expect(s.hasSuffix("exec sh -c 'echo $0'\n"))
        // And the script really does that, here on the host.
        let out = try Subprocess.run(["/bin/sh", "-c", GuestCommand.script(argv: ["printf", "%s|", "a b", "$x"], workingDirectory: "/")])
        #expect(out.text == "a b|$x|")
    }

    @Test func environmentIsExportedQuoted() throws {
        let script = GuestCommand.script(argv: ["sh", "-c", "printf '%s|%s' \"$A\" \"$PATH\""], workingDirectory: "/",
                                         environment: ["A=x y $(no)", "PATH=/opt/bin:/usr/bin:/bin", "1BAD=z", "=v", "B-C=w"])
        #expect(!script.contains("1BAD") && !script.contains("B-C") && !script.contains("export =v"))
        let out = try Subprocess.run(["/bin/sh", "-c", script])
        #expect(out.text == "x y $(no)|/opt/bin:/usr/bin:/bin")
        #expect(GuestCommand.isEnvironmentAssignment("SLUICE_X=1"))
        #expect(GuestCommand.isEnvironmentAssignment("E="))
        #expect(!GuestCommand.isEnvironmentAssignment("NOEQUALS"))
    }

    @Test func directoriesTheGuestReplacesAreNotEntered() {
        #expect(!GuestCommand.isVisibleInGuest("/tmp/build"))
        #expect(!GuestCommand.isVisibleInGuest("/run"))
        #expect(GuestCommand.isVisibleInGuest("/tmpfoo"))
        #expect(GuestCommand.isVisibleInGuest("/work/sluice"))
        #expect(GuestCommand.script(argv: ["true"], workingDirectory: "/tmp/x").contains("cd /\n"))
    }
}

@Suite struct LabCacheParsingTests {
    @Test func imagePackageFromAptCacheDepends() {
        let text = """
        linux-image-amd64
          Depends: linux-image-6.1.0-56-amd64
        """
        #expect(LabCache.imagePackage(fromDepends: text) == "linux-image-6.1.0-56-amd64")
        let backport = """
        linux-image-6.12-amd64
          Depends: linux-image-6.12.117+deb12-amd64
          Recommends: firmware-linux-free
        """
        #expect(LabCache.imagePackage(fromDepends: backport) == "linux-image-6.12.117+deb12-amd64")
        #expect(LabCache.imagePackage(fromDepends: "  Depends: linux-image-amd64-signed-template\n") == nil)
        #expect(LabCache.imagePackage(fromDepends: "") == nil)
    }

    @Test func modprobeShowDepends() {
        let text = """
        insmod /c/lib/modules/6.1/kernel/drivers/vfio/vfio.ko
        insmod /c/lib/modules/6.1/kernel/drivers/vfio/pci/vfio-pci.ko.xz disable_idle_d3=0
        builtin virtio
        """
        #expect(LabCache.insmodPaths(fromShowDepends: text) == [
            "/c/lib/modules/6.1/kernel/drivers/vfio/vfio.ko", "/c/lib/modules/6.1/kernel/drivers/vfio/pci/vfio-pci.ko.xz",
        ])
        #expect(LabCache.moduleFileName("/x/vfio-pci.ko.xz") == "vfio-pci.ko")
        #expect(LabCache.moduleFileName("/x/9p.ko.zst") == "9p.ko")
        #expect(LabCache.moduleFileName("/x/9p.ko") == "9p.ko")
    }

    @Test func cacheMustBeVisibleToTheGuest() {
        #expect(throws: LabError.self) { try LabCache(root: "/tmp/lab", progress: { _ in }) }
        #expect(throws: LabError.self) { try LabCache(root: "relative", progress: { _ in }) }
    }
}
