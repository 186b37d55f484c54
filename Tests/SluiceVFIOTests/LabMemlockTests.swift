import Foundation
import Testing
@testable import SluiceVFIO

/// Runs in the lab as an unprivileged user who owns /dev/vfio/N through `sluice bind --owner`,
/// with RLIMIT_MEMLOCK lowered (root has CAP_IPC_LOCK and is never limited).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SLUICE_LAB_MEMLOCK"] != nil, "needs the lab guest, unprivileged"))
struct LabMemlock {
    @Test func mapBeyondTheLimitNamesTheExactNumberNeeded() throws {
        let address = labDevice ?? "0000:01:00.0"
        #expect(getuid() != 0)
        let limit = MemlockShortfall.currentLimit()
        #expect(limit < 64 << 20)
        let s = try VFIO.open(address)
        let buffer = try DMABuffer(size: 64 << 20)
        let locked = ProcStatus.lockedBytes
        let result = Result { () throws(VFIOError) in try s.dma.map(buffer, iova: 0x100_0000) }
        guard case .failure(let error) = result, case .memlockLimit(let shortfall) = error else {
            Issue.record("expected a memlock shortfall for 64 MiB under a \(limit)-byte limit, got \(result)")
            return
        }
        print("LAB-INFO \(shortfall)")
        #expect(shortfall.requiredBytes == locked + (64 << 20))
        #expect(shortfall.limitBytes == limit)
        // Within the limit it works for the same user.
        let small = try DMABuffer(size: 1 << 20)
        try s.dma.map(small, iova: 0x100_0000)
        #expect(ProcStatus.lockedBytes == locked + (1 << 20))
        try s.dma.unmap(iova: 0x100_0000, size: 1 << 20)
    }
}
