import Foundation

/// One replication of an experiment: its index and its own random streams, derived from the master seed.
public struct Replication: Sendable, Hashable {
    /// 0-based position in the experiment.
    public let index: Int
    /// The replication's streams: `streams.stream(for: "arrivals")` is the same in every configuration run with
    /// the same master seed, which is what makes paired comparisons on common random numbers work.
    public let streams: RandomStreams
}

/// Runs N independent replications of a model on all cores and returns their results in replication order.
///
/// Each replication's seed is derived from the master seed and its index alone, and results are stored by index,
/// so the output is bit-identical whatever the number of threads and however the work is interleaved.
///
///     let waits = try Replications(count: 20, masterSeed: 1).run { replication in
///         try simulateClinic(streams: replication.streams)     // -> Double
///     }
public struct Replications: Sendable, Hashable {
    /// Number of replications.
    public let count: Int
    /// The seed every replication's streams derive from.
    public let masterSeed: UInt64
    /// Worker threads (at most `count`).
    public let threads: Int

    /// `count` ≥ 1 replications from `masterSeed` on `threads` threads (default: every core).
    public init(count: Int, masterSeed: UInt64, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(count >= 1, "at least one replication")
        precondition(threads >= 1, "at least one thread")
        self.count = count
        self.masterSeed = masterSeed
        self.threads = threads
    }

    /// The replications this experiment runs.
    public var replications: [Replication] {
        let root = RandomStreams(masterSeed: masterSeed)
        return (0..<count).map { Replication(index: $0, streams: root.replication($0)) }
    }

    /// Runs `body` once per replication, in parallel, and returns the results in replication order. If any
    /// replication throws, the error of the lowest-numbered failing replication is thrown.
    public func run<Result: Sendable>(_ body: @Sendable (Replication) throws -> Result) throws -> [Result] {
        let work = replications
        return try Parallel.map(count: count, threads: threads) { index in
            Swift.Result { try body(work[index]) }
        }.map { try $0.get() }
    }
}

/// Deterministic parallel work: `map(count:threads:_:)` runs `body(0..<count)` on worker threads that take the
/// next index as they finish, and returns the results in index order — the same whatever the thread count.
public enum Parallel {
    /// `body(i)` for every i in 0..<count, on up to `threads` threads, results in index order.
    public static func map<Result: Sendable>(count: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                             _ body: @Sendable (Int) -> Result) -> [Result]
    {
        guard count > 0 else { return [] }
        let results = ResultSlots<Result>(count: count)
        let workers = min(max(1, threads), count)
        if workers == 1 {
            for index in 0..<count { results.store(body(index), at: index) }
        } else {
            let next = WorkCounter()
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let index = next.take(below: count) { results.store(body(index), at: index) }
            }
        }
        return results.values()
    }
}

/// Hands out work indices to threads.
final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}

/// One slot per replication, each written once by exactly one thread, read after every thread has finished.
final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ value: Value, at index: Int) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
