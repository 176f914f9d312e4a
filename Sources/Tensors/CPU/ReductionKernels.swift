// SwiftMACE, MIT licence.
// CPU sum kernels: a tensor viewed as [outer, n, inner] summed over n. Every output element is
// accumulated in a fixed order whatever the thread count, so results are deterministic.

enum ReductionKernels {
    /// Elements per partial sum of a long contiguous reduction; fixed so the summation order
    /// does not depend on the number of cores.
    static let blockLength = 1 << 14

    static func sum<T: FloatElement>(
        _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int
    ) {
        if inner == 1 {
            if outer == 1 && n > 2 * blockLength {
                out[0] = sumLong(x, n)
            } else {
                Parallel.forEachChunk(outer, workPerItem: n) { rows in
                    for row in rows { out[row] = sumContiguous(x + row * n, n) }
                }
            }
            return
        }
        // Rows of `inner` elements are added in order k = 0..<n; work is split over (outer, inner block).
        let innerBlock = 512
        let blocksPerRow = (inner + innerBlock - 1) / innerBlock
        Parallel.forEachChunk(outer * blocksPerRow, workPerItem: n * min(inner, innerBlock)) { items in
            for item in items {
                let o = item / blocksPerRow
                let start = (item % blocksPerRow) * innerBlock
                let width = min(innerBlock, inner - start)
                let target = out + o * inner + start
                let source = x + o * n * inner + start
                for i in 0..<width { target[i] = source[i] }
                for k in 1..<max(n, 1) {
                    let row = source + k * inner
                    for i in 0..<width { target[i] += row[i] }
                }
                if n == 0 { for i in 0..<width { target[i] = 0 } }
            }
        }
    }

    /// Sum of `n` contiguous elements with four independent accumulators (vectorisable, fixed order).
    @inline(__always)
    static func sumContiguous<T: FloatElement>(_ x: UnsafePointer<T>, _ n: Int) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
        var i = 0
        while i + 4 <= n {
            s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]
            i += 4
        }
        while i < n { s0 += x[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// A long sum split into fixed blocks summed in parallel, then added in block order.
    private static func sumLong<T: FloatElement>(_ x: UnsafePointer<T>, _ n: Int) -> T {
        let blocks = (n + blockLength - 1) / blockLength
        let partials = UnsafeMutablePointer<T>.allocate(capacity: blocks)
        defer { partials.deallocate() }
        Parallel.forEachChunk(blocks, workPerItem: blockLength) { range in
            for block in range {
                let start = block * blockLength
                partials[block] = sumContiguous(x + start, min(blockLength, n - start))
            }
        }
        return sumContiguous(partials, blocks)
    }
}
