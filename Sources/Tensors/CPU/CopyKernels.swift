// SwiftMACE, MIT licence.
// CPU data movement: strided copies (permute, broadcast, slice, concatenate, pad all reduce to one)
// and dtype conversion.

import Foundation

enum CopyKernels {
    /// Copies `shape` elements from `source` (element strides `sourceStrides`) to `destination`
    /// (`destinationStrides`), elements of `elementSize` bytes (4 or 8). Contiguous runs use memcpy.
    static func stridedCopy(
        shape: [Int], elementSize: Int,
        from source: UnsafeRawPointer, sourceStrides: [Int],
        to destination: UnsafeMutableRawPointer, destinationStrides: [Int]
    ) {
        let loop = StridedLoop(shape: shape, strides: [destinationStrides, sourceStrides])
        let n = loop.innerCount
        let destinationStride = loop.innerStrides[0], sourceStride = loop.innerStrides[1]
        switch elementSize {
        case 8:
            copyRows(loop, UInt64.self, source, destination, n, sourceStride, destinationStride)
        case 4:
            copyRows(loop, UInt32.self, source, destination, n, sourceStride, destinationStride)
        default:
            preconditionFailure("stridedCopy: element size \(elementSize) is not 4 or 8")
        }
    }

    private static func copyRows<E>(
        _ loop: StridedLoop, _: E.Type, _ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer,
        _ n: Int, _ sourceStride: Int, _ destinationStride: Int
    ) {
        let from = source.assumingMemoryBound(to: E.self)
        let to = destination.assumingMemoryBound(to: E.self)
        loop.parallelRows { _, offsets in
            let d = to + offsets[0], s = from + offsets[1]
            if sourceStride == 1 && destinationStride == 1 {
                memcpy(d, s, n * MemoryLayout<E>.stride)
            } else {
                for i in 0..<n { d[i * destinationStride] = s[i * sourceStride] }
            }
        }
    }

    static func convert<S, D>(_ source: UnsafePointer<S>, _ destination: UnsafeMutablePointer<D>, count: Int,
                              _ f: (S) -> D) {
        Parallel.forEachChunk(count) { range in
            for i in range { destination[i] = f(source[i]) }
        }
    }
}
