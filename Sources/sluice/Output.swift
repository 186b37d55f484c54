import FoundationEssentials
import Glibc
import SluiceSystem

/// Standard error as a stream: `print("...", to: &standardError)`.
struct StandardError: TextOutputStream {
    mutating func write(_ s: String) { Files.writeAll(2, s) }
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
func writeStdout(_ s: String) { Files.writeAll(1, s) }
func writeStdout(_ buf: UnsafeRawBufferPointer) { Files.writeAll(1, buf) }

/// One line on standard error, unbuffered.
func printError(_ s: String) { Files.writeAll(2, s + "\n") }

/// Ends the process once a command's output is written, without releasing what it built: for
/// a big tree that is hundreds of thousands of objects, milliseconds of free() for nothing.
/// (Output written through `print` is flushed first.)
func endProcess(_ code: Int32) -> Never {
    fflush(nil)
    exit(code)
}
