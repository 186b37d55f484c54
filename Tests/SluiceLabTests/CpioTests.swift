import Testing
import SluiceSystem
@testable import SluiceLab

@Suite struct CpioTests {
    /// GNU cpio (the reference reader) lists and extracts what the writer produced.
    @Test func gnuCpioReadsTheArchive() throws {
        var a = CpioArchive()
        a.append(.directory("bin"))
        a.append(.file("bin/tool", Array("#!/bin/sh\necho hi\n".utf8), executable: true))
        a.append(.symlink("bin/sh", target: "tool"))
        a.append(.file("etc-list", [0, 1, 2, 255, 10], executable: false))
        let bytes = a.finish()
        #expect(bytes.count % 4 == 0)

        let dir = makeTempDirectory()
        defer { removeTree(dir) }
        writeFile("\(dir)/a.cpio", bytes)
        let list = try Subprocess.run(["sh", "-c", "cpio -it --quiet < \"$1\"", "sh", "\(dir)/a.cpio"])
        #expect(list.status == .exited(0))
        #expect(list.text.split(separator: "\n") == ["bin", "bin/tool", "bin/sh", "etc-list"])

        let x = try Subprocess.run(["sh", "-c", "mkdir \"$1/x\" && cd \"$1/x\" && cpio -idm --quiet < ../a.cpio", "sh", dir])
        #expect(x.status == .exited(0))
        #expect(readFile("\(dir)/x/bin/tool") == Array("#!/bin/sh\necho hi\n".utf8))
        #expect(readFile("\(dir)/x/etc-list") == [0, 1, 2, 255, 10])
        let link = try Subprocess.run(["readlink", "\(dir)/x/bin/sh"])
        #expect(link.text == "tool\n")
        let mode = try Subprocess.run(["stat", "-c", "%a", "\(dir)/x/bin/tool"])
        #expect(mode.text == "755\n")
    }

    @Test func headerLayout() {
        var a = CpioArchive()
        a.append(.file("x", [7], executable: false))
        let bytes = a.finish()
        // 110-byte header, "x\0" name padded to 4, 1 data byte padded to 4, then the trailer record.
        #expect(Array(bytes[0..<6]) == Array("070701".utf8))
        #expect(String(decoding: bytes[54..<62], as: UTF8.self) == "00000001") // filesize
        #expect(bytes[112] == 7)
        #expect(String(decoding: bytes[116..<122], as: UTF8.self) == "070701")
        #expect(String(decoding: bytes, as: UTF8.self).contains("TRAILER!!!"))
    }
}
