// libFuzzer harness for the DMAR and IVRS parsers (not part of the package build:
// run.sh compiles it with the parser sources and -sanitize=fuzzer,address).
// Any crash, hang (-timeout) or memory error is a bug: the parsers must turn
// every input into a decoded table or a typed error.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? DMARTable(bytes: bytes)
    _ = try? IVRSTable(bytes: bytes)
    // The signature check rejects most inputs for one parser: also try each with the other's signature.
    if bytes.count >= 4 {
        var asDMAR = bytes, asIVRS = bytes
        asDMAR.replaceSubrange(0..<4, with: Array("DMAR".utf8))
        asIVRS.replaceSubrange(0..<4, with: Array("IVRS".utf8))
        _ = try? DMARTable(bytes: asDMAR)
        _ = try? IVRSTable(bytes: asIVRS)
    }
    return 0
}
