// SwiftMACE, MIT licence.
// CPU matrix multiply: Goto-style cache blocking (packed A and B panels) around a 6 x NR SIMD
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
    /// Rows of C per micro-tile: 6 rows x NR columns of accumulators fill the 16 SIMD registers of x86-64.
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
        let tileColumns = ((n + gridColumns - 1) / gridColumns + V.scalarCount - 1) / V.scalarCount * V.scalarCount
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
        let nr = V.scalarCount
        if k == 0 {
            for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) }
            return
        }
        let kcMax = min(depthBlock, k)
        let mcMax = min(rowBlock, (m + microRows - 1) / microRows * microRows)
        let ncMax = min(columnBlock, (n + nr - 1) / nr * nr)
        let packedA = UnsafeMutablePointer<T>.allocate(capacity: mcMax * kcMax)
        let packedB = UnsafeMutablePointer<T>.allocate(capacity: kcMax * ncMax)
        defer {
            packedA.deallocate()
            packedB.deallocate()
        }
        for jc in stride(from: 0, to: n, by: columnBlock) {
            let nc = min(columnBlock, n - jc)
            for pc in stride(from: 0, to: k, by: depthBlock) {
                let kc = min(depthBlock, k - pc)
                packB(b.offset(rows: pc, columns: jc), k: kc, n: nc, nr: nr, into: packedB)
                for ic in stride(from: 0, to: m, by: rowBlock) {
                    let mc = min(rowBlock, m - ic)
                    packA(a.offset(rows: ic, columns: pc), m: mc, k: kc, into: packedA)
                    for jr in stride(from: 0, to: nc, by: nr) {
                        for ir in stride(from: 0, to: mc, by: microRows) {
                            microKernel(
                                V.self, k: kc, a: packedA + ir * kc, b: packedB + jr * kc,
                                c: c + (ic + ir) * ldc + jc + jr, ldc: ldc, accumulate: pc > 0,
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

    /// C[6, NR] (+)= packed A panel · packed B panel, accumulators held in SIMD registers.
    @inline(__always)
    private static func microKernel<T: FloatElement, V: SIMD>(
        _: V.Type, k: Int, a: UnsafePointer<T>, b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, ldc: Int,
        accumulate: Bool, rows: Int, columns: Int
    ) where V.Scalar == T {
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        let step = MemoryLayout<V>.stride
        for _ in 0..<k {
            let bv = pb.loadUnaligned(as: V.self)
            // Separate multiply and add: x86-64 baseline has no FMA, and a fused call would be a libm call.
            c0 += bv * pa[0]
            c1 += bv * pa[1]
            c2 += bv * pa[2]
            c3 += bv * pa[3]
            c4 += bv * pa[4]
            c5 += bv * pa[5]
            pa += 6
            pb += step
        }
        if rows == microRows && columns == V.scalarCount {
            store(c0, c, accumulate)
            store(c1, c + ldc, accumulate)
            store(c2, c + 2 * ldc, accumulate)
            store(c3, c + 3 * ldc, accumulate)
            store(c4, c + 4 * ldc, accumulate)
            store(c5, c + 5 * ldc, accumulate)
            return
        }
        storePartial(c0, c, columns, accumulate)
        if rows > 1 { storePartial(c1, c + ldc, columns, accumulate) }
        if rows > 2 { storePartial(c2, c + 2 * ldc, columns, accumulate) }
        if rows > 3 { storePartial(c3, c + 3 * ldc, columns, accumulate) }
        if rows > 4 { storePartial(c4, c + 4 * ldc, columns, accumulate) }
        if rows > 5 { storePartial(c5, c + 5 * ldc, columns, accumulate) }
    }

    @inline(__always)
    private static func storePartial<T: FloatElement, V: SIMD>(
        _ value: V, _ row: UnsafeMutablePointer<T>, _ columns: Int, _ accumulate: Bool
    ) where V.Scalar == T {
        for j in 0..<columns { row[j] = accumulate ? row[j] + value[j] : value[j] }
    }

    @inline(__always)
    private static func store<T: FloatElement, V: SIMD>(_ value: V, _ destination: UnsafeMutablePointer<T>, _ accumulate: Bool)
    where V.Scalar == T {
        let raw = UnsafeMutableRawPointer(destination)
        if accumulate {
            raw.storeBytes(of: raw.loadUnaligned(as: V.self) + value, as: V.self)
        } else {
            raw.storeBytes(of: value, as: V.self)
        }
    }
}
