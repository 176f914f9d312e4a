// SwiftMACE, MIT licence.
// Parallel loops for the CPU executor (DispatchQueue.concurrentPerform over contiguous chunks) and the
// receiver-sorted (CSR) order in which scatter-added outputs are produced.

import Dispatch
import Foundation

enum CPUParallel {
    static let coreCount = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body` over `0..<count` in contiguous chunks, in parallel when `count · workPerItem` is large.
    /// Chunks never overlap; bodies write only memory owned by their range, which makes the pointer captures safe.
    static func forEachChunk(_ count: Int, workPerItem: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(count, coreCount * 4, max(1, count * max(workPerItem, 1) / (1 << 15)))
        if coreCount == 1 || chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        perform(chunks) { chunk in
            let range = (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
            if !range.isEmpty { body(range) }
        }
    }

    /// `concurrentPerform` for bodies that capture raw pointers to disjoint memory.
    static func perform(_ iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            let shared = UncheckedBox(escaping)
            DispatchQueue.concurrentPerform(iterations: iterations) { shared.value($0) }
        }
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`; see `CPUParallel.perform`.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The items that add into each row of a scatter-added output, rows in order and, within a row, items in
/// increasing order (a stable counting sort of the index): one thread owns a row and sums its items in a fixed
/// order, so results are deterministic and race-free whatever the input order (KERNELS.md §2.1, CSR by receiver).
struct RowSegments {
    /// `rows + 1` starts into `items`.
    let start: [Int]
    let items: [Int]

    init(index: [Int], rows: Int) {
        var start = [Int](repeating: 0, count: rows + 1)
        for row in index { start[row + 1] += 1 }
        for row in 0..<rows { start[row + 1] += start[row] }
        var next = start
        var items = [Int](repeating: 0, count: index.count)
        for (item, row) in index.enumerated() {
            items[next[row]] = item
            next[row] += 1
        }
        self.start = start
        self.items = items
    }
}
