// SwiftMACE, MIT licence.
// CPU gather (index_select) and scatter-sum (index_add) along one axis, tensors viewed as
// [outer, axis, inner]. Indices are int32 and already range-checked by the op.

import Foundation

enum IndexingKernels {
    /// out[o, j, :] = x[o, indices[j], :], copied as raw bytes (any dtype).
    static func gather(
        _ x: UnsafeRawPointer, _ out: UnsafeMutableRawPointer, indices: UnsafePointer<Int32>,
        outer: Int, axisCount: Int, indexCount: Int, innerBytes: Int
    ) {
        Parallel.forEachChunk(outer * indexCount, workPerItem: max(1, innerBytes / 8)) { items in
            for item in items {
                let o = item / indexCount, j = item % indexCount
                let source = x + (o * axisCount + Int(indices[j])) * innerBytes
                memcpy(out + item * innerBytes, source, innerBytes)
            }
        }
    }

    /// out[o, indices[j], :] += x[o, j, :] over j in order, into zeroed `out`.
    ///
    /// Deterministic and race-free: work is split over (outer, block of the inner axis), never over
    /// j, so each output element is accumulated by one thread in index order.
    static func scatterSum<T: FloatElement>(
        _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, indices: UnsafePointer<Int32>,
        outer: Int, count: Int, indexCount: Int, inner: Int
    ) {
        let innerBlock = 256
        let blocksPerRow = (inner + innerBlock - 1) / innerBlock
        Parallel.forEachChunk(outer * blocksPerRow, workPerItem: indexCount * min(inner, innerBlock)) { items in
            for item in items {
                let o = item / blocksPerRow
                let start = (item % blocksPerRow) * innerBlock
                let width = min(innerBlock, inner - start)
                let source = x + o * indexCount * inner + start
                let target = out + o * count * inner + start
                for j in 0..<indexCount {
                    let row = target + Int(indices[j]) * inner
                    let values = source + j * inner
                    for i in 0..<width { row[i] += values[i] }
                }
            }
        }
    }
}
