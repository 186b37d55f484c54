import Testing
@testable import SluiceAudit
import SluiceTestSupport

/// The /dev/kmsg filter matches bytes; it must agree with a plain substring search.
@Suite struct KernelLogTests {
    @Test func byteSearchAgreesWithSubstringSearch() {
        let samples = ["", "D", "DMAR: IOMMU enabled", "x2apic enabled", "AMD-Vi: Interrupt remapping enabled",
                       "vfio-pci 0000:01:00.0: enabling device", "nothing to see", "DMA", "iommu", "ÄMD-Vi ✓ remapping"]
        var rng = SplitMix64(seed: 9)
        var texts = samples
        for _ in 0..<2000 {
            let a = samples[Int(rng.next() % UInt64(samples.count))], b = samples[Int(rng.next() % UInt64(samples.count))]
            let cut = Int(rng.next() % UInt64(max(1, a.utf8.count)))
            texts.append(String(decoding: Array(a.utf8.prefix(cut)) + Array(b.utf8), as: UTF8.self))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            for keyword in KernelLog.keywords + ["", "x", "enabled"] {
                let found = bytes.withUnsafeBufferPointer { KernelLog.contains($0, Array(keyword.utf8)) }
                let expected = keyword.isEmpty || text.utf8.count >= keyword.utf8.count
                    && (0...(bytes.count - keyword.utf8.count)).contains { bytes[$0..<($0 + keyword.utf8.count)].elementsEqual(keyword.utf8) }
                #expect(found == expected, "\(text) / \(keyword)")
            }
        }
    }
}
