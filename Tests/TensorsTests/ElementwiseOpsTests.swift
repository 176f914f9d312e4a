// SwiftMACE, MIT licence.
// Tests of element-wise ops: forward against Float64 references (with broadcasting), gradients and
// second derivatives against finite differences, float32 against float64.

import Foundation
import Testing
import TestSupport
import Tensors

@Suite struct ElementwiseOpsTests {
    static let unaryCases: [(String, @Sendable (Tensor) -> Tensor, @Sendable (Double) -> Double)] = [
        ("neg", { neg($0) }, { -$0 }),
        ("exp", { exp($0) }, { Foundation.exp($0) }),
        ("log", { log($0) }, { Foundation.log($0) }),
        ("sin", { sin($0) }, { Foundation.sin($0) }),
        ("cos", { cos($0) }, { Foundation.cos($0) }),
        ("sqrt", { sqrt($0) }, { $0.squareRoot() }),
        ("tanh", { tanh($0) }, { Foundation.tanh($0) }),
        ("sigmoid", { sigmoid($0) }, { 1 / (1 + Foundation.exp(-$0)) }),
        ("silu", { silu($0) }, { $0 / (1 + Foundation.exp(-$0)) }),
        ("square", { square($0) }, { $0 * $0 }),
        ("pow 3", { pow($0, 3) }, { $0 * $0 * $0 }),
        ("pow -1.5", { pow($0, -1.5) }, { Foundation.pow($0, -1.5) }),
    ]

    @Test(arguments: 0..<unaryCases.count)
    func unaryMatchesReferenceAndFiniteDifferences(caseIndex: Int) throws {
        let (name, op, reference) = Self.unaryCases[caseIndex]
        // Positive inputs keep log, sqrt and fractional powers defined.
        let x = try seededTensor([3, 4], seed: 1, offset: 1.5)
        expectClose(op(x), x.toArray().map(reference), shape: [3, 4])
        let result = try checkGradient({ op($0[0]).sum() }, at: [x], tolerance: 1e-6)
        #expect(result.firstOrderError < 1e-6, "\(name)")
    }

    @Test func binaryOpsBroadcastLikeNumpy() throws {
        let a = try seededTensor([2, 3, 4], seed: 2)
        let row = try seededTensor([4], seed: 3, offset: 2)
        let column = try seededTensor([2, 1, 1], seed: 4, offset: 2)
        let av = a.toArray(), rv = row.toArray(), cv = column.toArray()
        expectClose(a + row, av.indices.map { av[$0] + rv[$0 % 4] }, shape: [2, 3, 4])
        expectClose(a - column, av.indices.map { av[$0] - cv[$0 / 12] }, shape: [2, 3, 4])
        expectClose(row * a, av.indices.map { rv[$0 % 4] * av[$0] }, shape: [2, 3, 4])
        expectClose(a / column, av.indices.map { av[$0] / cv[$0 / 12] }, shape: [2, 3, 4])
        // [3, 1] with [4]: both sides broadcast.
        let tall = try seededTensor([3, 1], seed: 5)
        let tv = tall.toArray()
        expectClose(tall * row, (0..<12).map { tv[$0 / 4] * rv[$0 % 4] }, shape: [3, 4])
        expectClose(2.0 - a, av.map { 2 - $0 }, shape: [2, 3, 4])
        expectClose(a / 4.0, av.map { $0 / 4 }, shape: [2, 3, 4])
    }

    @Test func binaryGradientsReduceOverBroadcastAxes() throws {
        let a = try seededTensor([2, 3], seed: 6)
        let b = try seededTensor([3], seed: 7, offset: 2)
        let c = try seededTensor([2, 1], seed: 8, offset: 2)
        try checkGradient({ x in ((x[0] + x[1]) * x[2] - x[0] / x[1]).squared().sum() }, at: [a, b, c])
        try checkGradient({ x in (x[0] / x[2] - x[1] * 3.0).sum() }, at: [a, b, c])
    }

    @Test func comparisonsAndWhichSelectWithoutMixingNaN() throws {
        let x = try Tensor([-1, 0, 2, 3], shape: [4])
        expectClose(x .> 0.5, [0, 0, 1, 1], shape: [4])
        expectClose(x .<= 0, [1, 1, 0, 0], shape: [4])
        expectClose(x .== 2, [0, 0, 1, 0], shape: [4])
        // log(x) is NaN or -inf where x <= 0: the value must not see it, and the documented
        // double-which pattern keeps it out of the gradient too.
        func piecewise(_ v: [Tensor]) -> Tensor {
            let positive: Tensor = v[0] .> 0
            let safe = which(positive, v[0], Tensor(scalar: 1))
            return which(positive, log(safe), v[0] * 2).sum()
        }
        let (value, gradients) = try valueAndGradient(of: piecewise, at: [x])
        let expected: Double = -2 + Foundation.log(2.0) + Foundation.log(3.0)
        #expect(abs(value.scalarValue - expected) < 1e-14)
        expectClose(gradients[0], [2, 2, 0.5, 1.0 / 3], shape: [4])
        let y = try seededTensor([2, 3], seed: 9, offset: 1.5)
        let mask = try Tensor([1, 0, 1], shape: [3])
        try checkGradient({ v in which(mask, sin(v[0]), v[0].squared()).sum() }, at: [y])
    }

    @Test func float32MatchesFloat64() throws {
        let x = try seededTensor([5, 6], seed: 10, offset: 1.2)
        let w = try seededTensor([6], seed: 11)
        func f(_ x: Tensor, _ w: Tensor) -> Tensor { silu(x * w) + exp(-x) * sqrt(x) / (1.0 + tanh(w)) }
        let reference = f(x, w).toArray()
        let single = f(try x.converted(to: .float32), try w.converted(to: .float32))
        #expect(single.dtype == .float32)
        expectClose(single, reference, shape: [5, 6], tolerance: 1e-6)
    }
}
