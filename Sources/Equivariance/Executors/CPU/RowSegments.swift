// SwiftMACE, MIT licence.
// The receiver-sorted (CSR) order in which the CPU executor produces scatter-added outputs. (Its parallel loops
// are Tensors' `Parallel`, which also knows when the caller is one shard of a data-parallel computation.)

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
