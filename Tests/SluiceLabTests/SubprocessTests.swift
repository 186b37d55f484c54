import Testing
import SluiceSystem
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SubprocessTests {
    @Test func collectsOutputAndExitStatus() throws {
        let out = try Subprocess.run(["sh", "-c", "printf 'a\\nb'; exit 3"])
        #expect(out.text == "a\nb")
        #expect(out.status == .exited(3))
        #expect(out.status.shellCode == 3)
        #expect(try Subprocess.run(["true"]).status == .exited(0))
    }

    @Test func reportsDeathBySignal() throws {
        let out = try Subprocess.run(["sh", "-c", "kill -TERM $$"])
        #expect(out.status == .signaled(SIGTERM))
        #expect(out.status.shellCode == 128 + SIGTERM)
    }

    @Test func missingProgramIsAnErrorWithErrno() {
        #expect(throws: SystemError.self) { try Subprocess.spawn(["/nonexistent/sluice-no-such-program"]) }
        do {
            _ = try Subprocess.spawn(["sluice-no-such-program-\(getpid())"])
            Issue.record("spawn of a missing program succeeded")
        } catch {
            #expect(error.errno == .noSuchFileOrDirectory)
            #expect(error.operation.contains("sluice-no-such-program"))
        }
    }

    @Test func passesExtraDescriptorsAndEnvironment() throws {
        let pipe = try Pipe()
        let child = try Subprocess.spawn(["sh", "-c", "echo \"$X\" >&3"], environment: ["X=through fd 3", "PATH=/usr/bin:/bin"],
                                         stdout: .null, extraFds: [(pipe.write, 3)])
        pipe.closeWrite()
        var buf = [UInt8](repeating: 0, count: 64)
        let n = buf.withUnsafeMutableBytes { read(pipe.read, $0.baseAddress, $0.count) }
        #expect(try child.wait() == .exited(0))
        #expect(String(decoding: buf[0..<max(0, n)], as: UTF8.self) == "through fd 3\n")
    }

    /// terminate() ends a child and every process of its group.
    @Test func terminateReachesTheWholeGroup() throws {
        let pipe = try Pipe()
        let child = try Subprocess.spawn(["sh", "-c", "sleep 300 & echo $!; wait"], stdout: .fd(pipe.write), newProcessGroup: true)
        pipe.closeWrite()
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { read(pipe.read, $0.baseAddress, $0.count) }
        let grandchild = pid_t(String(decoding: buf[0..<max(0, n)], as: UTF8.self).split(separator: "\n").first ?? "") ?? 0
        #expect(grandchild > 0)
        #expect(getpgid(child.pid) == child.pid)
        let status = child.terminate(grace: 5)
        #expect(status == .signaled(SIGTERM))
        // The grandchild got SIGTERM too: give it a moment, then it is gone (or a zombie of init's).
        var gone = false
        for _ in 0..<100 {
            if kill(grandchild, 0) != 0 || processState(grandchild) == "Z" { gone = true; break }
            usleep(20_000)
        }
        #expect(gone)
        #expect(child.terminate() == status) // idempotent, no signal to a reaped pid
    }
}

private func processState(_ pid: pid_t) -> String? {
    guard let out = try? Subprocess.run(["sh", "-c", "awk '/^State:/{print $2}' /proc/\(pid)/status 2>/dev/null"]) else { return nil }
    return out.text.split(separator: "\n").first.map(String.init)
}
