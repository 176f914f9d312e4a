// SwiftMACE, MIT licence.
// Tests of matmul and outer: naive-loop references over sizes that hit edge tiles and the parallel
// path, batch broadcasting, float32 against float64, gradients.

import Testing
import TestSupport
import Tensors

@Suite struct MatmulTests {
    static func naive(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for p in 0..<k { for j in 0..<n { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        return c
    }

    /// Tiles of at most 96 rows read A and B in place, larger ones pack them: (150, 20, 30) and (97, 17, 11) run as
    /// one tile above 96 rows (packed, with a partial last column panel and, for 97, a partial row panel).
    @Test(arguments: [(1, 1, 1), (7, 5, 3), (13, 300, 9), (70, 90, 65), (6, 4, 8), (0, 3, 2), (2, 0, 3),
                      (150, 20, 30), (97, 17, 11)])
    func matchesNaiveLoops(m: Int, k: Int, n: Int) throws {
        let a = try seededTensor([m, k], seed: 50)
        let b = try seededTensor([k, n], seed: 51)
        let expected = Self.naive(a.toArray(), b.toArray(), m: m, k: k, n: n)
        expectClose(matmul(a, b), expected, shape: [m, n])
        let single = matmul(try a.converted(to: .float32), try b.converted(to: .float32))
        expectClose(single, expected, shape: [m, n], tolerance: 1e-5)
    }

    @Test func batchDimensionsBroadcast() throws {
        let a = try seededTensor([2, 1, 3, 4], seed: 52)
        let b = try seededTensor([3, 4, 2], seed: 53)
        let c = matmul(a, b)
        #expect(c.shape == [2, 3, 3, 2])
        let av = a.toArray(), bv = b.toArray()
        var expected: [Double] = []
        for i in 0..<2 {
            for j in 0..<3 {
                expected += Self.naive(Array(av[(i * 12)..<(i * 12 + 12)]), Array(bv[(j * 8)..<(j * 8 + 8)]), m: 3, k: 4, n: 2)
            }
        }
        expectClose(c, expected, shape: [2, 3, 3, 2])
    }

    @Test func gradientsIncludingBroadcastBatches() throws {
        let a = try seededTensor([2, 3, 4], seed: 54)
        let b = try seededTensor([4, 2], seed: 55)
        try checkGradient({ x in silu(matmul(x[0], x[1])).sum() }, at: [a, b])
        let u = try seededTensor([3], seed: 56)
        let v = try seededTensor([2], seed: 57)
        expectClose(outer(u, v), u.toArray().flatMap { ui in v.toArray().map { ui * $0 } }, shape: [3, 2])
        try checkGradient({ x in outer(x[0], x[1]).squared().sum() }, at: [u, v])
    }
}
