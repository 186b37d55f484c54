#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import SluiceVFIO

/// The Sluice side of the DMA-map benchmark (Lab/bench/run-in-guest.sh runs it against the C
/// baseline in the same guest and prints the ratio). It times only MAP_DMA, as the C program
/// does; the expectations check the work was done, not how fast.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SLUICE_LAB_BENCH_MIB"] != nil, "lab benchmark only"))
struct LabBenchmark {
    @Test func mapAnonymousMemory() throws {
        let env = ProcessInfo.processInfo.environment
        let size = UInt64(env["SLUICE_LAB_BENCH_MIB"].flatMap { Int($0) } ?? 1024) << 20
        let reps = env["SLUICE_LAB_BENCH_REPS"].flatMap { Int($0) } ?? 3
        let s = try VFIO.open(labDevice ?? "0000:01:00.0")
        for _ in 0..<reps {
            let buffer = try DMABuffer(size: Int(size))
            var t0 = timespec(), t1 = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t0)
            try s.dma.map(buffer, iova: 1 << 32)
            clock_gettime(CLOCK_MONOTONIC, &t1)
            print("swift-map-ns \((t1.tv_sec - t0.tv_sec) * 1_000_000_000 + (t1.tv_nsec - t0.tv_nsec))")
            #expect(try s.dma.unmap(iova: 1 << 32, size: size) == size)
        }
    }
}
