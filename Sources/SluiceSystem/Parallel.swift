import Glibc

/// Work spread over OS threads, for I/O-bound loops over many independent items (a sysfs scan
/// of thousands of devices is syscall-bound: two cores halve it). Plain pthreads: no executor,
/// no runtime start-up cost, and the calling thread does a share of the work itself.
public enum Parallel {
    /// CPUs this process may run on (at least 1).
    public static var availableCPUs: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `work(worker)` for worker in 0..<workers, each on its own thread (worker 0 on the
    /// caller's), and returns their results in worker order once all have finished. A thread
    /// that cannot be created leaves its share to the caller's thread: never fewer results.
    public static func run<T: Sendable>(workers: Int, _ work: @escaping @Sendable (Int) -> T) -> [T] {
        precondition(workers >= 1)
        let results = ResultSlots<T>(count: workers)
        var threads: [(pthread_t, Int)] = []
        var inline: [Int] = [0]
        for worker in 1..<workers {
            let job = Job { results.store(work(worker), at: worker) }
            let context = Unmanaged.passRetained(job).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                job.body()
                return nil
            }, context)
            if rc == 0 {
                threads.append((thread, worker))
            } else {
                Unmanaged<Job>.fromOpaque(context).release()
                inline.append(worker)
            }
        }
        for worker in inline { results.store(work(worker), at: worker) }
        for (thread, _) in threads { pthread_join(thread, nil) }
        return results.collect()
    }

    /// Maps `items` in shares, one per worker: `share` gets its items (item i goes to worker
    /// i % workers, which balances runs of slow and fast items) and returns one result for
    /// each, in order; a share is where per-thread state lives (e.g. its own directory handles).
    /// Results come back in `items` order. Below `serialBelow` items, or with one CPU, the
    /// caller's thread does it all.
    public static func mapShares<Item: Sendable, T: Sendable>(
        _ items: [Item], serialBelow: Int = 64, maxWorkers: Int = 8, _ share: @escaping @Sendable ([Item]) -> [T]
    ) -> [T] {
        let workers = min(availableCPUs, maxWorkers, max(1, items.count))
        guard workers > 1, items.count >= serialBelow else { return checked(share(items), items.count) }
        let shares = run(workers: workers) { worker in
            let mine = stride(from: worker, to: items.count, by: workers).map { items[$0] }
            return checked(share(mine), mine.count)
        }
        var merged: [T] = []
        merged.reserveCapacity(items.count)
        for i in 0..<items.count { merged.append(shares[i % workers][i / workers]) }
        return merged
    }

    /// `transform` of every item, shared among threads as `mapShares` shares them.
    public static func map<Item: Sendable, T: Sendable>(
        _ items: [Item], serialBelow: Int = 64, maxWorkers: Int = 8, _ transform: @escaping @Sendable (Item) -> T
    ) -> [T] {
        mapShares(items, serialBelow: serialBelow, maxWorkers: maxWorkers) { $0.map(transform) }
    }

    private static func checked<T>(_ results: [T], _ count: Int) -> [T] {
        precondition(results.count == count, "a share must return one result per item")
        return results
    }
}

private final class Job {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// One slot per worker; each worker writes only its own and the joins order the writes
/// before `collect`, so no lock is needed.
private final class ResultSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }
    deinit { slots.deinitialize(count: count); slots.deallocate() }
    func store(_ value: T, at i: Int) { slots[i] = value }
    func collect() -> [T] { (0..<count).map { slots[$0]! } }
}
