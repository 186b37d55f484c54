import Foundation
@testable import SluiceSystem
import SluiceTestSupport
import Testing

/// The writer against Foundation's JSONSerialization, which reads back what it wrote, and
/// against the exact text of the pretty form (the layout `--json` users diff).
@Suite struct JSONWriterTests {
    private func text(_ w: JSONWriter) -> String { String(decoding: w.bytes, as: UTF8.self) }

    private func document(pretty: Bool, depth: Int) -> JSONWriter {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.key("ints"); w.beginArray()
        for v in [0, 7, -1, 42_000, Int(Int64.min), Int(Int64.max)] { w.int(v) }
        w.int(UInt64.max); w.int(UInt8(255)); w.int(Int8(-128))
        w.endArray()
        w.key("strings"); w.strings(["plain", "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7}", "ünïcødé ✓"])
        w.key("deep")
        for _ in 0..<depth { w.beginArray() }
        w.bool(true)
        for _ in 0..<depth { w.endArray() }
        w.key("empty"); w.beginObject(); w.endObject()
        w.key("nothing"); w.null()
        w.endObject()
        return w
    }

    @Test func bothFormsReadBackAsWritten() throws {
        for pretty in [false, true] {
            let object = try #require(JSONSerialization.jsonObject(with: Data(document(pretty: pretty, depth: 200).bytes)) as? [String: Any])
            let ints = try #require(object["ints"] as? [NSNumber])
            #expect(ints.map(\.int64Value).prefix(6) == [0, 7, -1, 42_000, Int64.min, Int64.max])
            #expect(ints[6].uint64Value == UInt64.max && ints[7].intValue == 255 && ints[8].intValue == -128)
            #expect(object["strings"] as? [String] == ["plain", "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7}", "ünïcødé ✓"])
            var deep: Any? = object["deep"]
            for _ in 0..<200 { deep = (deep as? [Any])?.first }
            #expect(deep as? Bool == true)
            #expect(object["nothing"] is NSNull)
        }
    }

    @Test func prettyLayout() {
        var w = JSONWriter(pretty: true)
        w.beginObject()
        w.key("a"); w.int(-12)
        w.key("b"); w.beginArray(); w.string("x"); w.beginObject(); w.key("c"); w.bool(false); w.endObject(); w.endArray()
        w.key("d"); w.beginArray(); w.endArray()
        w.endObject()
        #expect(text(w) == "{\n  \"a\" : -12,\n  \"b\" : [\n    \"x\",\n    {\n      \"c\" : false\n    }\n  ],\n  \"d\" : []\n}")
        var c = JSONWriter()
        c.beginObject(); c.key("a"); c.int(0); c.key("b"); c.strings(["\u{1f}"]); c.endObject()
        #expect(text(c) == "{\"a\":0,\"b\":[\"\\u001f\"]}")
    }

    /// A copied writer is a value: writing to one leaves the other as it was; and text far
    /// past the first buffer (which grows by copying) comes out whole.
    @Test func copiesAreIndependentAndGrowthKeepsEverything() {
        var a = JSONWriter()
        a.beginArray(); a.string("shared")
        var b = a
        b.string("only b"); b.endArray()
        a.int(1); a.endArray()
        #expect(text(a) == "[\"shared\",1]")
        #expect(text(b) == "[\"shared\",\"only b\"]")

        var big = JSONWriter(pretty: true)
        big.beginArray()
        let long = String(repeating: "0123456789", count: 1_000)
        for _ in 0..<300 { big.string(long) }
        big.endArray()
        var drained: [UInt8] = []
        big.drain { drained.append(contentsOf: $0) }
        let expected = "[\n" + Array(repeating: "  \"" + long + "\"", count: 300).joined(separator: ",\n") + "\n]"
        #expect(String(decoding: drained, as: UTF8.self) == expected)
        #expect(big.pending == 0 && big.bytes.isEmpty)
    }

    /// The eight-bytes-at-a-time escape test against the byte-by-byte rule: every byte value
    /// at every position of a word, and random words and strings of every length up to 40.
    @Test func escapeScanAgreesWithTheRule() {
        func rule(_ b: UInt8) -> Bool { b < 0x20 || b == 0x22 || b == 0x5c }
        for value in 0...255 {
            for position in 0..<8 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(value)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(JSONEscapes.needed(inWord: word) == rule(UInt8(value)), "byte \(value) at \(position)")
            }
        }
        var random = SplitMix64(seed: 0x5eed)
        for _ in 0..<20_000 {
            let count = Int(random.next() % 41)
            // Mostly printable, sometimes a byte that needs escaping or one above 0x7f.
            let bytes = (0..<count).map { _ -> UInt8 in
                let r = random.next()
                return r % 16 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : UInt8(0x20 + (r >> 8) % 0x5f)
            }
            let expected = bytes.contains(where: rule)
            #expect(bytes.withUnsafeBufferPointer { JSONEscapes.needed(in: $0) } == expected)
        }
    }

    /// Integers wider than 64 bits are written whole, never truncated to fit.
    @Test func wideIntegersAreWrittenWhole() {
        var w = JSONWriter()
        w.beginArray(); w.int(Int128(UInt64.max) * 4); w.int(-Int128(UInt64.max) - 1); w.endArray()
        #expect(text(w) == "[73786976294838206460,-18446744073709551616]")
    }
}
