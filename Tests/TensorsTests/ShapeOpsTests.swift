// SwiftMACE, MIT licence.
// Tests of shape ops: reshape, permute/transpose, expand, slice, pad, concatenate, stack, convert.

import Testing
import TestSupport
import Tensors

@Suite struct ShapeOpsTests {
    @Test func reshapeSharesOrderAndInfersOneDimension() throws {
        let x = try seededTensor([2, 3, 4], seed: 20)
        let y = x.reshaped([-1, 4])
        expectClose(y, x.toArray(), shape: [6, 4])
        #expect(x.flattened().shape == [24])
        #expect(x.expandedDimensions(axis: -1).shape == [2, 3, 4, 1])
        #expect(x.expandedDimensions(axis: 0).squeezed(axis: 0).shape == [2, 3, 4])
    }

    @Test func permuteMovesAxesLikeNumpyTranspose() throws {
        let x = try seededTensor([2, 3, 4], seed: 21)
        let v = x.toArray()
        let p = x.permuted([2, 0, 1])  // p[k, i, j] = x[i, j, k]
        var expected: [Double] = []
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 { expected.append(v[i * 12 + j * 4 + k]) } } }
        expectClose(p, expected, shape: [4, 2, 3])
        let t = x.transposed()  // t[i, k, j] = x[i, j, k]
        expected = []
        for i in 0..<2 { for k in 0..<4 { for j in 0..<3 { expected.append(v[i * 12 + j * 4 + k]) } } }
        expectClose(t, expected, shape: [2, 4, 3])
        try checkGradient({ a in (a[0].permuted([1, 2, 0]) * a[0].transposed(0, 1).permuted([0, 2, 1]).squared()).sum() }, at: [x])
    }

    @Test func expandRepeatsAndItsGradientSums() throws {
        let x = try seededTensor([3, 1], seed: 22)
        let v = x.toArray()
        expectClose(x.expanded(to: [2, 3, 4]), (0..<24).map { v[($0 / 4) % 3] }, shape: [2, 3, 4])
        let weights = try seededTensor([2, 3, 4], seed: 23)
        try checkGradient({ a in (a[0].expanded(to: [2, 3, 4]) * weights).squared().sum() }, at: [x])
    }

    @Test func sliceConcatenatePadAndStack() throws {
        let a = try seededTensor([2, 3], seed: 24)
        let b = try seededTensor([2, 2], seed: 25)
        let av = a.toArray(), bv = b.toArray()
        let joined = concatenated([a, b], axis: 1)
        expectClose(joined, [av[0], av[1], av[2], bv[0], bv[1], av[3], av[4], av[5], bv[2], bv[3]], shape: [2, 5])
        expectClose(joined.sliced(axis: 1, start: 3, length: 2), bv, shape: [2, 2])
        expectClose(a.sliced(axis: 0, start: 1, length: 1), Array(av[3...]), shape: [1, 3])
        expectClose(b.padded(axis: 0, before: 1, after: 0), [0, 0] + bv, shape: [3, 2])
        expectClose(stacked([a, a], axis: 0), av + av, shape: [2, 2, 3])
        let weights = try seededTensor([2, 5], seed: 26)
        try checkGradient({ x in
            let joined = concatenated([x[0], x[1].squared()], axis: -1)
            return (joined * weights).sum() + x[0].sliced(axis: 1, start: 1, length: 2).squared().sum()
        }, at: [a, b])
    }

    @Test func convertBetweenFloatTypesIsDifferentiable() throws {
        let x = try seededTensor([4], seed: 27)
        let single = try x.converted(to: .float32)
        #expect(single.dtype == .float32)
        expectClose(try single.converted(to: .float64), x.toArray(), shape: [4], tolerance: 1e-7)
        let (_, gradients) = try valueAndGradient(of: { v in (try v[0].converted(to: .float32)).squared().sum() }, at: [x])
        #expect(gradients[0].dtype == .float64)
        expectClose(gradients[0], x.toArray().map { 2 * $0 }, shape: [4], tolerance: 1e-6)
    }
}
