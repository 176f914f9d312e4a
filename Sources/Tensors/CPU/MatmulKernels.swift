// SwiftMACE, MIT licence.
// CPU matrix multiply: Goto-style cache blocking (packed A and B panels) around a 6 x (2 vectors) SIMD
// micro-kernel, parallel over tiles of C; strided operands, so transposes are never materialised.

/// A matrix operand read through strides: element (i, j) is at `base[i * rowStride + j * columnStride]`.
struct MatrixOperand<T> {
    let base: UnsafePointer<T>
    let rowStride: Int
    let columnStride: Int

    func offset(rows: Int, columns: Int) -> MatrixOperand {
        MatrixOperand(base: base + rows * rowStride + columns * columnStride,
                      rowStride: rowStride, columnStride: columnStride)
    }
}

enum MatmulKernels {
    /// Rows of C per micro-tile: 6 rows x 2 vectors = 12 accumulators, with the two B vectors and the broadcast A
    /// element 15 of the 16 SIMD registers of x86-64 (12 independent add chains hide the add/FMA latency).
    static let microRows = 6
    /// Depth of one packed panel (A and B panels stay in L1/L2 across the micro-kernel loop).
    static let depthBlock = 256
    /// Rows of A packed at once (a multiple of `microRows`; the block stays in L2).
    static let rowBlock = 96
    /// Columns of B packed at once.
    static let columnBlock = 1024

    /// C[m, n] = A[m, k] · B[k, n], C contiguous with row stride `ldc`. Splits C into tiles run
    /// in parallel when the product is large; each element of C is computed by exactly one thread.
    static func multiply<T: FloatElement, V: SIMD>(
        _ vector: V.Type, m: Int, n: Int, k: Int, a: MatrixOperand<T>, b: MatrixOperand<T>,
        c: UnsafeMutablePointer<T>, ldc: Int, parallel: Bool = true
    ) where V.Scalar == T {
        let work = m * n * k
        guard parallel, Parallel.coreCount > 1, work >= 1 << 18 else {
            multiplyTile(vector, m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc)
            return
        }
        let targetTiles = 2 * Parallel.coreCount
        let gridRows = max(1, min((m + 47) / 48, targetTiles))
        let gridColumns = max(1, min((n + 63) / 64, (targetTiles + gridRows - 1) / gridRows))
        let tileRows = ((m + gridRows - 1) / gridRows + microRows - 1) / microRows * microRows
        let nr = 2 * V.scalarCount
        let tileColumns = ((n + gridColumns - 1) / gridColumns + nr - 1) / nr * nr
        let rowTiles = (m + tileRows - 1) / tileRows
        let columnTiles = (n + tileColumns - 1) / tileColumns
        Parallel.perform(iterations: rowTiles * columnTiles) { tile in
            let row = (tile / columnTiles) * tileRows
            let column = (tile % columnTiles) * tileColumns
            multiplyTile(vector, m: min(tileRows, m - row), n: min(tileColumns, n - column), k: k,
                         a: a.offset(rows: row, columns: 0), b: b.offset(rows: 0, columns: column),
                         c: c + row * ldc + column, ldc: ldc)
        }
    }

    /// The sequential blocked product for one tile of C.
    static func multiplyTile<T: FloatElement, V: SIMD>(
        _: V.Type, m: Int, n: Int, k: Int, a: MatrixOperand<T>, b: MatrixOperand<T>,
        c: UnsafeMutablePointer<T>, ldc: Int
    ) where V.Scalar == T {
        let nr = 2 * V.scalarCount
        if k == 0 {
            for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) }
            return
        }
        let kcMax = min(depthBlock, k)
        let ncMax = min(columnBlock, (n + nr - 1) / nr * nr)
        // When A has few rows (the linears and radial MLP of a small molecule), packing B costs as much as the
        // product: rows of B that are contiguous already hold each full panel's vectors, so the micro-kernel reads
        // them in place (stride = B's row stride) and only a partial last panel is packed (zero-padded). With many
        // rows the packed panels' locality wins (1024² float64: 91 GFLOP/s packed, 75 in place).
        let directB = b.columnStride == 1 && m <= rowBlock
        // Then full panels of a row-major A are read in place too (six sequential streams).
        let directA = a.columnStride == 1 && m <= rowBlock
        let mcMax = min(rowBlock, (m + microRows - 1) / microRows * microRows)
        let packedA = UnsafeMutablePointer<T>.allocate(capacity: (directA ? microRows : mcMax) * kcMax)
        let packedB = UnsafeMutablePointer<T>.allocate(capacity: kcMax * (directB ? nr : ncMax))
        defer {
            packedA.deallocate()
            packedB.deallocate()
        }
        for jc in stride(from: 0, to: n, by: columnBlock) {
            let nc = min(columnBlock, n - jc)
            let fullPanels = directB ? nc / nr * nr : 0
            for pc in stride(from: 0, to: k, by: depthBlock) {
                let kc = min(depthBlock, k - pc)
                if fullPanels < nc {
                    packB(b.offset(rows: pc, columns: jc + fullPanels), k: kc, n: nc - fullPanels, nr: nr, into: packedB)
                }
                for ic in stride(from: 0, to: m, by: rowBlock) {
                    let mc = min(rowBlock, m - ic)
                    let fullRows = directA ? mc / microRows * microRows : 0
                    if fullRows < mc {
                        packA(a.offset(rows: ic + fullRows, columns: pc), m: mc - fullRows, k: kc, into: packedA)
                    }
                    for jr in stride(from: 0, to: nc, by: nr) {
                        let (panel, panelStride) = jr < fullPanels
                            ? (b.base + pc * b.rowStride + jc + jr, b.rowStride)
                            : (UnsafePointer(packedB) + (jr - fullPanels) * kc, nr)
                        for ir in stride(from: 0, to: mc, by: microRows) {
                            let rows = ir < fullRows
                                ? (a.base + (ic + ir) * a.rowStride + pc * a.columnStride, a.rowStride, a.columnStride)
                                : (UnsafePointer(packedA) + (ir - fullRows) * kc, 1, microRows)
                            microKernel(
                                V.self, k: kc, a: rows.0, aRowStride: rows.1, aDepthStride: rows.2, b: panel,
                                bStride: panelStride, c: c + (ic + ir) * ldc + jc + jr, ldc: ldc, accumulate: pc > 0,
                                rows: min(microRows, mc - ir), columns: min(nr, nc - jr))
                        }
                    }
                }
            }
        }
    }

    /// Packs A[m, k] into panels of `microRows` rows: panel p holds, for each depth, its rows'
    /// elements side by side (zero-padded past row m).
    private static func packA<T: FloatElement>(_ a: MatrixOperand<T>, m: Int, k: Int, into packed: UnsafeMutablePointer<T>) {
        var destination = packed
        for panel in stride(from: 0, to: m, by: microRows) {
            let rows = min(microRows, m - panel)
            for p in 0..<k {
                let source = a.base + panel * a.rowStride + p * a.columnStride
                for i in 0..<rows { destination[i] = source[i * a.rowStride] }
                for i in rows..<microRows { destination[i] = 0 }
                destination += microRows
            }
        }
    }

    /// Packs B[k, n] into panels of `nr` columns, one contiguous vector per depth (zero-padded).
    private static func packB<T: FloatElement>(_ b: MatrixOperand<T>, k: Int, n: Int, nr: Int, into packed: UnsafeMutablePointer<T>) {
        var destination = packed
        for panel in stride(from: 0, to: n, by: nr) {
            let columns = min(nr, n - panel)
            for p in 0..<k {
                let source = b.base + p * b.rowStride + panel * b.columnStride
                if b.columnStride == 1 {
                    for j in 0..<columns { destination[j] = source[j] }
                } else {
                    for j in 0..<columns { destination[j] = source[j * b.columnStride] }
                }
                for j in columns..<nr { destination[j] = 0 }
                destination += nr
            }
        }
    }

    /// C[6, 2·V] (+)= A panel (6 rows, `aRowStride` apart, `aDepthStride` between depths) · B panel (2·V columns,
    /// `bStride` between depths), accumulators held in SIMD registers.
    @inline(__always)
    private static func microKernel<T: FloatElement, V: SIMD>(
        _: V.Type, k: Int, a: UnsafePointer<T>, aRowStride r: Int, aDepthStride: Int, b: UnsafePointer<T>,
        bStride: Int, c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool, rows: Int, columns: Int
    ) where V.Scalar == T {
        var c00 = V(), c10 = V(), c20 = V(), c30 = V(), c40 = V(), c50 = V()
        var c01 = V(), c11 = V(), c21 = V(), c31 = V(), c41 = V(), c51 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        let step = MemoryLayout<V>.stride
        for _ in 0..<k {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = pb.loadUnaligned(fromByteOffset: step, as: V.self)
            multiplyAdd(&c00, &c01, b0, b1, pa[0])
            multiplyAdd(&c10, &c11, b0, b1, pa[r])
            multiplyAdd(&c20, &c21, b0, b1, pa[2 * r])
            multiplyAdd(&c30, &c31, b0, b1, pa[3 * r])
            multiplyAdd(&c40, &c41, b0, b1, pa[4 * r])
            multiplyAdd(&c50, &c51, b0, b1, pa[5 * r])
            pa += aDepthStride
            pb += bStride * MemoryLayout<T>.stride
        }
        if rows == microRows && columns == 2 * V.scalarCount {
            store(c00, c01, c, accumulate)
            store(c10, c11, c + ldc, accumulate)
            store(c20, c21, c + 2 * ldc, accumulate)
            store(c30, c31, c + 3 * ldc, accumulate)
            store(c40, c41, c + 4 * ldc, accumulate)
            store(c50, c51, c + 5 * ldc, accumulate)
            return
        }
        storePartial(c00, c01, c, columns, accumulate)
        if rows > 1 { storePartial(c10, c11, c + ldc, columns, accumulate) }
        if rows > 2 { storePartial(c20, c21, c + 2 * ldc, columns, accumulate) }
        if rows > 3 { storePartial(c30, c31, c + 3 * ldc, columns, accumulate) }
        if rows > 4 { storePartial(c40, c41, c + 4 * ldc, columns, accumulate) }
        if rows > 5 { storePartial(c50, c51, c + 5 * ldc, columns, accumulate) }
    }

    /// `left += b0 · a`, `right += b1 · a`: fused multiply-add where the build targets FMA (compile condition
    /// `SWIFTMACE_FMA`, set with `-target-cpu haswell` or newer), else a separate multiply and add (on baseline
    /// x86-64 a fused call would be a libm call per lane).
    @inline(__always)
    private static func multiplyAdd<V: SIMD>(_ left: inout V, _ right: inout V, _ b0: V, _ b1: V, _ a: V.Scalar)
    where V.Scalar: FloatingPoint {
        #if SWIFTMACE_FMA
            let broadcast = V(repeating: a)
            left.addProduct(b0, broadcast)
            right.addProduct(b1, broadcast)
        #else
            left += b0 * a
            right += b1 * a
        #endif
    }

    /// Stores the first `columns` elements of the row `left ++ right`.
    @inline(__always)
    private static func storePartial<T: FloatElement, V: SIMD>(
        _ left: V, _ right: V, _ row: UnsafeMutablePointer<T>, _ columns: Int, _ accumulate: Bool
    ) where V.Scalar == T {
        let width = V.scalarCount
        for j in 0..<min(columns, width) { row[j] = accumulate ? row[j] + left[j] : left[j] }
        for j in 0..<max(columns - width, 0) { row[width + j] = accumulate ? row[width + j] + right[j] : right[j] }
    }

    @inline(__always)
    private static func store<T: FloatElement, V: SIMD>(
        _ left: V, _ right: V, _ destination: UnsafeMutablePointer<T>, _ accumulate: Bool
    ) where V.Scalar == T {
        let raw = UnsafeMutableRawPointer(destination)
        let step = MemoryLayout<V>.stride
        if accumulate {
            raw.storeBytes(of: raw.loadUnaligned(as: V.self) + left, as: V.self)
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: step, as: V.self) + right, toByteOffset: step,
                           as: V.self)
        } else {
            raw.storeBytes(of: left, as: V.self)
            raw.storeBytes(of: right, toByteOffset: step, as: V.self)
        }
    }
}
