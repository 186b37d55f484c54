import FoundationEssentials
import Glibc

/// Standard error as a stream: `print("...", to: &standardError)`.
struct StandardError: TextOutputStream {
    mutating func write(_ s: String) {
        var bytes = Array(s.utf8)
        _ = Glibc.write(2, &bytes, bytes.count)
    }
}

/// Every `--json` output goes through here: snake_case members (as `sluice.list/1`) and sorted
/// keys, so every schema reads alike and the same every run.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    do {
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    } catch {
        var err = StandardError()
        print("sluice: cannot encode JSON output: \(error)", to: &err)
    }
}

/// Writes to standard output unbuffered, all of it (large `--json` documents go out in chunks).
func writeStdout(_ s: String) {
    var s = s
    s.withUTF8 { writeStdout(UnsafeRawBufferPointer($0)) }
}

func writeStdout(_ buf: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < buf.count {
        let n = write(1, buf.baseAddress! + offset, buf.count - offset)
        if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
        offset += n
    }
}

/// Ends the process once a command's output is written, without releasing what it built: for
/// a big tree that is hundreds of thousands of objects, milliseconds of free() for nothing.
/// (Output written through `print` is flushed first.)
func endProcess(_ code: Int32) -> Never {
    fflush(nil)
    exit(code)
}
