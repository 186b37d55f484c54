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

    /// A descriptor passed under its own number survives exec although it is close-on-exec here
    /// (posix_spawn's dup2 onto itself clears FD_CLOEXEC).
    @Test func descriptorPassedUnderItsOwnNumber() throws {
        let pipe = try Pipe()
        let fd: Int32 = 57
        #expect(dup2(pipe.write, fd) == fd)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        defer { close(fd) }
        let child = try Subprocess.spawn(["sh", "-c", "echo same > /proc/self/fd/57"], stdout: .null, extraFds: [(fd, fd)])
        pipe.closeWrite()
        close(fd)
        var buf = [UInt8](repeating: 0, count: 16)
        let n = buf.withUnsafeMutableBytes { read(pipe.read, $0.baseAddress, $0.count) }
        #expect(try child.wait() == .exited(0))
        #expect(String(decoding: buf[0..<max(0, n)], as: UTF8.self) == "same\n")
    }

    /// Pairs whose numbers cross (one's source is the other's target) still land where asked.
    @Test func crossedDescriptorsAreNotClobbered() throws {
        let p60 = try Pipe(), p61 = try Pipe()
        #expect(dup2(p60.write, 60) == 60 && dup2(p61.write, 61) == 61)
        defer { close(60); close(61) }
        let child = try Subprocess.spawn(["sh", "-c", "echo to60 > /proc/self/fd/60; echo to61 > /proc/self/fd/61"],
                                         extraFds: [(61, 60), (60, 61)])
        p60.closeWrite(); p61.closeWrite(); close(60); close(61)
        #expect(try child.wait() == .exited(0))
        func drain(_ fd: Int32) -> String {
            var buf = [UInt8](repeating: 0, count: 16)
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            return String(decoding: buf[0..<max(0, n)], as: UTF8.self)
        }
        #expect(drain(p61.read) == "to60\n") // our 61 became the child's 60
        #expect(drain(p60.read) == "to61\n")
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
