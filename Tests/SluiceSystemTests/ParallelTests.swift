import Synchronization
import Testing
@testable import SluiceSystem

/// Results come back in index order, each made once, whatever the split among threads.
@Suite struct ParallelTests {
    @Test(arguments: [0, 1, 63, 64, 65, 1000, 4097])
    func mapKeepsOrderAndMakesEachOnce(_ count: Int) {
        let calls = Mutex<[Int]>([])
        let out = Parallel.map(count: count) { i -> String in
            calls.withLock { $0.append(i) }
            return "item \(i)"
        }
        #expect(out == (0..<count).map { "item \($0)" })
        #expect(calls.withLock { $0.sorted() } == Array(0..<count))
    }

    /// Each share sees its own indices (interleaved), and only those: per-thread state is safe.
    @Test func sharesPartitionTheIndices() {
        let seen = Mutex<[[Int]]>([])
        let out = Parallel.mapShares(count: 500, serialBelow: 1, maxWorkers: 4) { indices, put in
            seen.withLock { $0.append(indices) }
            for i in indices { put(i, i * 2) }
        }
        #expect(out == (0..<500).map { $0 * 2 })
        let shares = seen.withLock { $0 }
        #expect(shares.count == min(Parallel.availableCPUs, 4))
        #expect(shares.flatMap { $0 }.sorted() == Array(0..<500))
        for share in shares where share.count > 1 {
            #expect(Set(zip(share, share.dropFirst()).map { $1 - $0 }) == [shares.count])
        }
    }

    /// Large values with references (what a device scan returns) move into place intact.
    @Test func referenceValuesSurvive() {
        let out = Parallel.map(count: 3000, serialBelow: 1) { i in (name: String(repeating: "x", count: i % 50), list: Array(0..<(i % 7))) }
        for (i, v) in out.enumerated() {
            #expect(v.name.count == i % 50 && v.list == Array(0..<(i % 7)))
        }
    }
}
