// SwiftMACE, MIT licence.
// e3nn's Linear on mul_ir rows as raw-pointer kernels, with a weight block per group of rows (mace's skip TP with
// one-hot element attributes is the element's linear): forward, transposed and weight gradient, one GEMM per path.

import Tensors

/// `y[n, seg_out][w, m] += c · f_n · Σ_u W_g[u, w] x[n, seg_in][u, m]`, summed over paths, where row `n` belongs to
/// group `g` (its weight block) with factor `f_n`. The transposed map and the weight gradient use the same paths, so
/// the three close under differentiation (`GroupedLinear+Ops.swift`).
struct GroupedLinear: Sendable {
    struct Path: Sendable {
        let inputOffset: Int
        let outputOffset: Int
        /// Offset of group 0's `W[0, 0]` in the weight row.
        let weightOffset: Int
        /// Elements between `W[u, w]` and `W[u + 1, w]`.
        let weightRowStride: Int
        /// Elements between consecutive groups' blocks.
        let groupStride: Int
        let mulIn: Int
        let mulOut: Int
        let dimension: Int
        let scale: Double
    }

    struct Group: Sendable {
        /// Which weight block the group's rows use.
        let block: Int
        /// The rows, or nil for all rows in order.
        let rows: [Int]?
        /// One factor per row, or nil for ones.
        let factors: [Double]?
    }

    let paths: [Path]
    let inputSize: Int
    let outputSize: Int
    let weightCount: Int
    var groups: [Group]

    /// `y = L(W, x)`: x `[N, inputSize]` into y `[N, outputSize]` (zeroed); or, transposed, `dx = Lᵀ(W, g)`:
    /// g `[N, outputSize]` into `[N, inputSize]`.
    func apply<T: BinaryFloatingPoint>(
        weight: UnsafePointer<T>, _ x: UnsafePointer<T>, rowCount: Int, into y: UnsafeMutablePointer<T>,
        transposed: Bool
    ) {
        let (sizeIn, sizeOut) = transposed ? (outputSize, inputSize) : (inputSize, outputSize)
        for path in paths {
            let d = path.dimension
            let (offsetIn, offsetOut, k, n) = transposed
                ? (path.outputOffset, path.inputOffset, path.mulOut, path.mulIn)
                : (path.inputOffset, path.outputOffset, path.mulIn, path.mulOut)
            for group in groups {
                let rows = group.rows?.count ?? rowCount
                guard rows > 0 else { continue }
                let block = weight + path.weightOffset + group.block * path.groupStride
                let b = transposed
                    ? StridedMatrix(block, rowStride: 1, columnStride: path.weightRowStride)
                    : StridedMatrix(block, rowStride: path.weightRowStride, columnStride: 1)
                let a = Self.gather(x, rowSize: sizeIn, offset: offsetIn, channels: k, dimension: d, group: group,
                                    rows: rows, factor: nil)
                defer { a.deallocate() }
                let c = UnsafeMutablePointer<T>.allocate(capacity: rows * d * n)
                defer { c.deallocate() }
                StridedGEMM.multiply(m: rows * d, n: n, k: k, a: StridedMatrix(a, rowStride: k, columnStride: 1),
                                     b: b, c: c, ldc: n)
                for r in 0..<rows {
                    let row = group.rows?[r] ?? r
                    let factor = T(path.scale * (group.factors?[r] ?? 1))
                    let out = y + row * sizeOut + offsetOut
                    for m in 0..<d {
                        let source = c + (r * d + m) * n
                        for w in 0..<n { out[w * d + m] += factor * source[w] }
                    }
                }
            }
        }
    }

    /// `dW = G(x, g)`: `dW_g[u, w] += c · Σ_{n in g, m} f_n x[n][u, m] g[n][w, m]` into dW `[weightCount]` (zeroed).
    func weightGradient<T: BinaryFloatingPoint>(
        _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, rowCount: Int, into dW: UnsafeMutablePointer<T>
    ) {
        for path in paths {
            let d = path.dimension
            for group in groups {
                let rows = group.rows?.count ?? rowCount
                guard rows > 0 else { continue }
                let a = Self.gather(x, rowSize: inputSize, offset: path.inputOffset, channels: path.mulIn,
                                    dimension: d, group: group, rows: rows, factor: path.scale)
                defer { a.deallocate() }
                let b = Self.gather(g, rowSize: outputSize, offset: path.outputOffset, channels: path.mulOut,
                                    dimension: d, group: group, rows: rows, factor: nil)
                defer { b.deallocate() }
                let c = UnsafeMutablePointer<T>.allocate(capacity: path.mulIn * path.mulOut)
                defer { c.deallocate() }
                StridedGEMM.multiply(
                    m: path.mulIn, n: path.mulOut, k: rows * d, a: StridedMatrix(a, rowStride: 1, columnStride: path.mulIn),
                    b: StridedMatrix(b, rowStride: path.mulOut, columnStride: 1), c: c, ldc: path.mulOut)
                let block = dW + path.weightOffset + group.block * path.groupStride
                for u in 0..<path.mulIn {
                    for w in 0..<path.mulOut { block[u * path.weightRowStride + w] += c[u * path.mulOut + w] }
                }
            }
        }
    }

    /// The group's rows of one segment, channels last: `a[(r·d + m)·channels + u] = s · x[row_r, offset + u·d + m]`
    /// with `s = factor · f_r` when `factor` is given (the caller deallocates).
    private static func gather<T: BinaryFloatingPoint>(
        _ x: UnsafePointer<T>, rowSize: Int, offset: Int, channels: Int, dimension d: Int, group: Group, rows: Int,
        factor: Double?
    ) -> UnsafeMutablePointer<T> {
        let a = UnsafeMutablePointer<T>.allocate(capacity: rows * d * channels)
        for r in 0..<rows {
            let row = x + (group.rows?[r] ?? r) * rowSize + offset
            let s = factor.map { T($0 * (group.factors?[r] ?? 1)) }
            for m in 0..<d {
                let target = a + (r * d + m) * channels
                if let s {
                    for u in 0..<channels { target[u] = s * row[u * d + m] }
                } else {
                    for u in 0..<channels { target[u] = row[u * d + m] }
                }
            }
        }
        return a
    }
}
