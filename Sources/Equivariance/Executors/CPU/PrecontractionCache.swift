// SwiftMACE, MIT licence.
// PrecontractionCache: the last per-element pre-contracted coefficient table of a merged term (symmetric
// contraction forward and d/dx), reused while the weight rows it was made from are bit-for-bit unchanged.

import Foundation

/// A pre-contracted table `[rows, keyCount, extent]` and a copy of the weight rows it was made from.
final class PrecontractedTable<T>: @unchecked Sendable {
    let values: UnsafeMutablePointer<T>
    let count: Int
    let rows: Int
    let usedRows: [Int]
    let rowSize: Int
    /// `[usedRows.count, rowSize]`: the weight rows, to recognise the same weights on a later call.
    let weights: UnsafeMutablePointer<T>

    /// Zeroed storage for `count` coefficients; copies the used weight rows.
    init(count: Int, weights source: OperandRows<T>, rows: Int, usedRows: [Int]) where T: ChannelScalar {
        self.count = count
        self.rows = rows
        self.usedRows = usedRows
        rowSize = source.size
        values = .allocate(capacity: max(count, 1))
        values.initialize(repeating: 0, count: count)
        weights = .allocate(capacity: max(usedRows.count * rowSize, 1))
        for (n, r) in usedRows.enumerated() {
            (weights + n * rowSize).initialize(from: source.base + r * rowSize, count: rowSize)
        }
    }

    /// Whether `source` holds, in the rows this table used, the same bits it was made from.
    func matches(_ source: OperandRows<T>, rows: Int, usedRows: [Int]) -> Bool {
        guard rows == self.rows, source.size == rowSize, usedRows == self.usedRows else { return false }
        let bytes = rowSize * MemoryLayout<T>.stride
        return usedRows.enumerated().allSatisfy { n, r in
            memcmp(weights + n * rowSize, source.base + r * rowSize, bytes) == 0
        }
    }

    deinit {
        values.deallocate()
        weights.deallocate()
    }
}

/// One slot per element type: the table of the latest call. Evaluations of one model reuse it until its weights
/// change (a training step), which costs one comparison of the weight rows per call.
final class PrecontractionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: [ObjectIdentifier: AnyObject] = [:]

    func lookup<T: ChannelScalar>(_: T.Type, weights: OperandRows<T>, rows: Int, usedRows: [Int])
        -> PrecontractedTable<T>?
    {
        guard let table = lock.withLock({ latest[ObjectIdentifier(T.self)] }) as? PrecontractedTable<T>,
            table.matches(weights, rows: rows, usedRows: usedRows)
        else { return nil }
        return table
    }

    func store<T>(_ table: PrecontractedTable<T>) {
        lock.withLock { latest[ObjectIdentifier(T.self)] = table }
    }
}
