// SwiftMACE, MIT licence.
// Data parallelism for small problems: independent computations (shards of a batch), one per core, each running
// its tensor ops on its own thread. Ops on a few hundred atoms are too small to split across cores one by one.

import Dispatch

/// The cores this process may run on (its CPU affinity): how many shards keep them all busy.
public var cpuCoreCount: Int { Parallel.coreCount }

/// Runs `body(0) … body(count − 1)` concurrently, at most one per core, and returns their results in shard order.
///
/// Inside a shard every tensor op runs on the shard's thread (no nested parallel loops), so with as many shards as
/// cores each core runs one whole shard. With one shard, or on one core, the shards run in order on the calling
/// thread with the ops' own parallelism. Each shard sees the caller's gradient mode.
/// - Throws: the error of the lowest-numbered shard that threw.
public func concurrentShards<Result>(_ count: Int, _ body: (Int) throws -> Result) throws -> [Result] {
    guard count > 1, Parallel.coreCount > 1 else { return try (0..<count).map(body) }
    let recording = GradMode.isEnabled
    var outcomes = [Swift.Result<Result, any Error>?](repeating: nil, count: count)
    outcomes.withUnsafeMutableBufferPointer { slots in
        Parallel.perform(iterations: count) { shard in
            // Task-local values do not cross into dispatch's worker threads: set both modes here.
            Parallel.$isInsideShard.withValue(true) {
                GradMode.$isEnabled.withValue(recording) {
                    slots[shard] = Swift.Result(catching: { try body(shard) })
                }
            }
        }
    }
    return try outcomes.map { try $0!.get() }
}

