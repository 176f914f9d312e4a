// SwiftMACE, MIT licence.
// StridedLoop: iterates strided operands row by row after merging dimensions that are contiguous
// for every operand, so broadcasting and views reduce to a few long inner loops.

/// A loop nest over `outerShape` rows of `innerCount` elements, with per-operand element strides.
struct StridedLoop {
    let outerShape: [Int]
    let innerCount: Int
    /// Per operand: strides of the outer dimensions.
    let outerStrides: [[Int]]
    /// Per operand: stride of the inner dimension.
    let innerStrides: [Int]
    let rowCount: Int

    /// Merges and drops dimensions of `shape`; `strides[k]` are operand k's strides for `shape`.
    init(shape: [Int], strides: [[Int]]) {
        var dims: [Int] = []
        var merged: [[Int]] = Array(repeating: [], count: strides.count)
        for axis in shape.indices where shape[axis] != 1 {
            if let last = dims.last,
               strides.indices.allSatisfy({ merged[$0].last! == strides[$0][axis] * shape[axis] }) {
                dims[dims.count - 1] = last * shape[axis]
                for k in strides.indices { merged[k][merged[k].count - 1] = strides[k][axis] }
            } else {
                dims.append(shape[axis])
                for k in strides.indices { merged[k].append(strides[k][axis]) }
            }
        }
        if dims.isEmpty {
            dims = [shape.contains(0) ? 0 : 1]
            merged = strides.map { _ in [0] }
        }
        innerCount = dims.removeLast()
        innerStrides = merged.map { $0.last! }
        outerShape = dims
        outerStrides = merged.map { Array($0.dropLast()) }
        rowCount = innerCount == 0 ? 0 : Shape.elementCount(dims)
    }

    /// Calls `body(row, offsets)` for each row in `rows`, where `offsets[k]` is operand k's element
    /// offset of the row's first element. `offsets` is scratch reused between rows.
    func forEachRow(in rows: Range<Int>, _ body: (Int, UnsafeBufferPointer<Int>) -> Void) {
        let operandCount = outerStrides.count
        let rank = outerShape.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: operandCount + rank) { scratch in
            let offsets = UnsafeMutableBufferPointer(rebasing: scratch[0..<operandCount])
            let index = UnsafeMutableBufferPointer(rebasing: scratch[operandCount...])
            var remainder = rows.lowerBound
            for axis in (0..<rank).reversed() {
                index[axis] = remainder % outerShape[axis]
                remainder /= outerShape[axis]
            }
            for k in 0..<operandCount {
                var offset = 0
                for axis in 0..<rank { offset += index[axis] * outerStrides[k][axis] }
                offsets[k] = offset
            }
            for row in rows {
                body(row, UnsafeBufferPointer(offsets))
                // Odometer step to the next row.
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    for k in 0..<operandCount { offsets[k] += outerStrides[k][axis] }
                    if index[axis] < outerShape[axis] { break }
                    for k in 0..<operandCount { offsets[k] -= outerStrides[k][axis] * outerShape[axis] }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }

    /// Runs rows in parallel chunks when the total work is large.
    func parallelRows(_ body: (Int, UnsafeBufferPointer<Int>) -> Void) {
        Parallel.forEachChunk(rowCount, workPerItem: innerCount) { rows in forEachRow(in: rows, body) }
    }
}
