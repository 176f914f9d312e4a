// SwiftMACE, MIT licence.
// Parallel loops over all cores (DispatchQueue.concurrentPerform), used only when work is large and the calling
// thread is not one shard of a data-parallel computation (`concurrentShards`), which already keeps every core busy.

import Dispatch
import Foundation

package enum Parallel {
    package static let coreCount = ProcessInfo.processInfo.activeProcessorCount

    /// True inside a shard of `concurrentShards`: ops then run on the calling thread.
    @TaskLocal static var isInsideShard = false

    /// Runs `body` over `0..<count` in contiguous chunks. Work below `minimumWork` (roughly the
    /// number of scalar operations) stays on the calling thread, so tiny ops pay no dispatch cost.
    /// Chunks never overlap, so bodies that write only their own range need no locks.
    package static func forEachChunk(
        _ count: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 16, _ body: (Range<Int>) -> Void
    ) {
        let totalWork = count &* max(workPerItem, 1)
        let chunks = min(count, coreCount * 4, max(1, totalWork / (minimumWork / 4)))
        if coreCount == 1 || totalWork < minimumWork || chunks <= 1 || isInsideShard {
            if count > 0 { body(0..<count) }
            return
        }
        perform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// `DispatchQueue.concurrentPerform` for kernels whose bodies capture raw pointers: callers
    /// guarantee that iterations write disjoint memory, which is what makes the capture safe.
    /// Inside a shard the iterations run in order on the calling thread.
    package static func perform(iterations: Int, _ body: (Int) -> Void) {
        if isInsideShard {
            for iteration in 0..<iterations { body(iteration) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let shared = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: iterations) { shared.value($0) }
        }
    }
}

/// Carries a non-Sendable value into `concurrentPerform`; see `Parallel.perform`.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
