// SwiftMACE, MIT licence.
// Tests of sum and mean over axes: forward against loops, gradients, and determinism of long sums.

import Testing
import TestSupport
import Tensors

@Suite struct ReductionOpsTests {
    @Test func sumOverAxesMatchesLoops() throws {
        let x = try seededTensor([2, 3, 4], seed: 30)
        let v = x.toArray()
        func at(_ i: Int, _ j: Int, _ k: Int) -> Double { v[i * 12 + j * 4 + k] }
        expectClose(x.sum(), [v.reduce(0, +)], shape: [])
        expectClose(x.sum(axis: 1), (0..<8).map { n in (0..<3).reduce(0) { $0 + at(n / 4, $1, n % 4) } }, shape: [2, 4])
        expectClose(x.sum(axes: [0, 2], keepDims: true),
                    (0..<3).map { j in (0..<2).reduce(0) { s, i in s + (0..<4).reduce(0) { $0 + at(i, j, $1) } } },
                    shape: [1, 3, 1])
        expectClose(x.sum(axis: -1), (0..<6).map { n in (0..<4).reduce(0) { $0 + at(n / 3, n % 3, $1) } }, shape: [2, 3])
        expectClose(x.mean(axes: [0]), (0..<12).map { (v[$0] + v[12 + $0]) / 2 }, shape: [3, 4])
    }

    @Test func sumGradientsBroadcastBack() throws {
        let x = try seededTensor([2, 3, 4], seed: 31)
        try checkGradient({ a in a[0].sum(axes: [0, 2]).squared().sum() + a[0].mean(axes: [1], keepDims: true).squared().sum() },
                          at: [x])
    }

    @Test func longSumIsDeterministicAndAccurate() throws {
        let count = 100_003
        let x = try Tensor((0..<count).map { Double($0 % 97) * 0.25 }, shape: [count])
        let first = x.sum().scalarValue
        #expect(first == x.sum().scalarValue)
        let exact = (0..<count).reduce(0.0) { $0 + Double($1 % 97) * 0.25 }
        #expect(abs(first - exact) <= 1e-9 * exact)
    }
}
