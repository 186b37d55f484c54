import Testing
@testable import SluiceLab

@Suite struct ConsoleProtocolTests {
    @Test func markers() {
        #expect(ConsoleEvent(line: "SLUICE-LAB-EXIT 0 t=3.2") == .exit(code: 0))
        #expect(ConsoleEvent(line: "SLUICE-LAB-EXIT 137") == .exit(code: 137))
        #expect(ConsoleEvent(line: "SLUICE-LAB-EXIT x") == .log("SLUICE-LAB-EXIT x"))
        #expect(ConsoleEvent(line: "SLUICE-LAB: ready t=2.75") == .ready(uptime: 2.75))
        #expect(ConsoleEvent(line: "SLUICE-LAB-ERROR cannot mount the host root over 9p") == .error("cannot mount the host root over 9p"))
        #expect(ConsoleEvent(line: "[    1.4] DMAR: IOMMU enabled") == .log("[    1.4] DMAR: IOMMU enabled"))
    }

    @Test func linesSplitAcrossReadsAndCRLF() {
        var s = LineSplitter()
        #expect(s.feed(Array("SLUICE-LAB-EX".utf8)).isEmpty)
        #expect(s.feed(Array("IT 3\r\nnext\nparti".utf8)) == ["SLUICE-LAB-EXIT 3", "next"])
        #expect(s.finish() == "parti")
        #expect(s.finish() == nil)
    }

    @Test func guestInitSpeaksTheProtocol() {
        // The host parses what the init prints: keep the two in step.
        #expect(GuestInit.script.hasPrefix("#!/bin/busybox sh\n"))
        #expect(GuestInit.script.contains("echo \"SLUICE-LAB-EXIT $?"))
        #expect(GuestInit.script.contains("say \"ready t=$(up)\""))
        #expect(GuestInit.script.contains("sluice.run=*"))
        #expect(GuestInit.script.contains("> /dev/ttyS1 2> /dev/ttyS2"))
        #expect(GuestInit.script.hasSuffix("poweroff -f"))
    }
}
