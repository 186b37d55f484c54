import Glibc
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

    /// Every index goes to exactly one share, whichever takes it: per-thread state is safe.
    @Test func sharesPartitionTheIndices() {
        let seen = Mutex<[[Int]]>([])
        let out = Parallel.mapShares(count: 500, serialBelow: 1, maxWorkers: 4) { indices, put in
            var mine: [Int] = []
            for i in indices { mine.append(i); put(i, i * 2) }
            seen.withLock { $0.append(mine) }
        }
        #expect(out == (0..<500).map { $0 * 2 })
        let shares = seen.withLock { $0 }
        #expect(shares.count == min(Parallel.availableCPUs, 4))
        #expect(shares.flatMap { $0 }.sorted() == Array(0..<500))
        for share in shares { #expect(share == share.sorted()) }
    }

    /// A share that is slow (a busy CPU, a slow disk) takes fewer indices; the others take
    /// the rest instead of waiting at the end.
    @Test func aSlowShareTakesFewer() {
        guard Parallel.availableCPUs >= 2 else { return }
        let counts = Mutex<[Int]>([])
        let slow = Mutex<Bool>(false)
        let out: [Int] = Parallel.mapShares(count: 400, serialBelow: 1, maxWorkers: 2) { indices, put in
            let isSlow = slow.withLock { taken in defer { taken = true }; return !taken }
            var n = 0
            for i in indices {
                if isSlow { usleep(2_000) }
                put(i, i); n += 1
            }
            counts.withLock { $0.append(n) }
        }
        let c = counts.withLock { $0 }
        #expect(out == Array(0..<400))
        #expect(c.count == 2 && c.reduce(0, +) == 400)
        #expect(c.min()! < 100, "\(c)")
    }

    /// Large values with references (what a device scan returns) move into place intact.
    @Test func referenceValuesSurvive() {
        let out = Parallel.map(count: 3000, serialBelow: 1) { i in (name: String(repeating: "x", count: i % 50), list: Array(0..<(i % 7))) }
        for (i, v) in out.enumerated() {
            #expect(v.name.count == i % 50 && v.list == Array(0..<(i % 7)))
        }
    }
}
