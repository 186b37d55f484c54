import Glibc
import Synchronization

/// Work spread over OS threads, for I/O-bound loops over many independent items (a sysfs scan
/// of thousands of devices is syscall-bound: two cores halve it). Plain pthreads: no executor,
/// no runtime start-up cost, and the calling thread does a share of the work itself.
/// Results are written in place into the array returned, never copied: with thousands of
/// large values, copies cost page faults and reference counting.
public enum Parallel {
    /// CPUs this process may run on (at least 1).
    public static var availableCPUs: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `work(worker)` for worker in 0..<workers, each on its own thread (worker 0 on the
    /// caller's), and returns once all have finished. A thread that cannot be created leaves
    /// its share to the caller's thread: the work is always done.
    public static func run(workers: Int, _ work: @escaping @Sendable (Int) -> Void) {
        precondition(workers >= 1)
        var threads: [pthread_t] = []
        var inline: [Int] = [0]
        for worker in 1..<workers {
            let job = Job { work(worker) }
            let context = Unmanaged.passRetained(job).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                job.body()
                return nil
            }, context)
            if rc == 0 {
                threads.append(thread)
            } else {
                Unmanaged<Job>.fromOpaque(context).release()
                inline.append(worker)
            }
        }
        for worker in inline { work(worker) }
        for thread in threads { pthread_join(thread, nil) }
    }

    /// One result for every index in 0..<count, made in shares, one per worker: each share
    /// takes its indices a chunk at a time from a common counter (`Indices`), so a worker the
    /// machine slows down simply takes fewer, and hands each result to `put(i, value)` exactly
    /// once. A share is where per-thread state lives (e.g. its own directory handles). Below
    /// `serialBelow` items, or with one CPU, the caller's thread does it all.
    public static func mapShares<T: Sendable>(
        count: Int, serialBelow: Int = 64, maxWorkers: Int = 8,
        _ share: @escaping @Sendable (_ indices: Indices, _ put: (Int, consuming T) -> Void) -> Void
    ) -> [T] {
        guard count > 0 else { return [] }
        let workers = min(availableCPUs, maxWorkers, count)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let slots = Slots(buffer.baseAddress!, count: count)
            let next = Counter()
            if workers == 1 || count < serialBelow {
                share(Indices(count: count, chunk: count, next: next)) { slots.put($1, at: $0) }
            } else {
                // Chunks small enough to even out the end of the run, big enough that the
                // counter is touched rarely.
                let chunk = max(1, min(16, count / (8 * workers)))
                run(workers: workers) { _ in
                    share(Indices(count: count, chunk: chunk, next: next)) { slots.put($1, at: $0) }
                }
            }
            slots.requireAllFilled()
            initialized = count
        }
    }

    /// The indices one share works through: claimed a chunk at a time from a counter common to
    /// all shares, so every index goes to exactly one share.
    public struct Indices: Sequence, Sendable {
        let count: Int
        let chunk: Int
        let next: Counter

        public func makeIterator() -> Iterator { Iterator(indices: self) }

        public struct Iterator: IteratorProtocol {
            let indices: Indices
            var current = 0, end = 0

            public mutating func next() -> Int? {
                if current == end {
                    let start = indices.next.claim(indices.chunk)
                    guard start < indices.count else { return nil }
                    current = start
                    end = Swift.min(start + indices.chunk, indices.count)
                }
                defer { current += 1 }
                return current
            }
        }
    }

    /// The next unclaimed index.
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        /// Claims `n` indices; returns the first (at or past the end once all are taken).
        func claim(_ n: Int) -> Int { value.wrappingAdd(n, ordering: .relaxed).oldValue }
    }

    /// `transform(i)` for every i in 0..<count, shared among threads as `mapShares` shares them.
    public static func map<T: Sendable>(
        count: Int, serialBelow: Int = 64, maxWorkers: Int = 8, _ transform: @escaping @Sendable (Int) -> T
    ) -> [T] {
        mapShares(count: count, serialBelow: serialBelow, maxWorkers: maxWorkers) { indices, put in
            for i in indices { put(i, transform(i)) }
        }
    }
}

private final class Job {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// The result array's storage while workers fill it. Each index belongs to one worker, which
/// writes it once; the joins order every write before `requireAllFilled`, so no lock is needed.
private final class Slots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T>
    private let filled: UnsafeMutableBufferPointer<Bool>

    init(_ base: UnsafeMutablePointer<T>, count: Int) {
        self.base = base
        filled = .allocate(capacity: count)
        filled.initialize(repeating: false)
    }

    deinit { filled.deallocate() }

    func put(_ value: consuming T, at i: Int) {
        precondition(i >= 0 && i < filled.count && !filled[i], "Parallel: index \(i) put twice or out of range")
        (base + i).initialize(to: value)
        filled[i] = true
    }

    /// A share that skipped an index is a programming error: stop rather than hand out
    /// uninitialised memory.
    func requireAllFilled() {
        precondition(!filled.contains(false), "Parallel: a share did not put every result")
    }
}
