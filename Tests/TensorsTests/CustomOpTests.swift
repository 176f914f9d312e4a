// SwiftMACE, MIT licence.
// Tests of Tensor.custom (custom differentiable ops with tensor-op backward rules) and Tensor.zeroed: first and
// second derivatives against finite differences, several outputs, pruning, errors.

import Testing
import TestSupport

@testable import Tensors

@Suite struct CustomOpTests {
    /// y = x³ with a forward that fills storage directly and a backward in tensor ops (3x²·g).
    static func cube(_ x: Tensor) throws -> Tensor {
        try Tensor.custom(
            name: "cube", inputs: [x],
            forward: { inputs in
                let values = inputs[0].toArray()
                return [Tensor.zeroed(shape: inputs[0].shape, as: Double.self) { out in
                    for i in values.indices { out[i] = values[i] * values[i] * values[i] }
                }]
            },
            backward: { inputs, cotangents, _ in [cotangents[0].map { $0 * 3 * inputs[0] * inputs[0] }] })[0]
    }

    /// Two outputs (a·b, a + b²) from one op; the backward handles whichever cotangent arrives.
    static func pair(_ a: Tensor, _ b: Tensor) throws -> [Tensor] {
        try Tensor.custom(
            name: "pair", inputs: [a, b], forward: { [$0[0] * $0[1], $0[0] + $0[1] * $0[1]] },
            backward: { inputs, g, needs in
                let (a, b) = (inputs[0], inputs[1])
                var da: Tensor?
                var db: Tensor?
                if let g0 = g[0] {
                    da = g0 * b
                    db = g0 * a
                }
                if let g1 = g[1] {
                    da = da.map { $0 + g1 } ?? g1
                    db = (db ?? Tensor.zeros(like: b)) + 2 * b * g1
                }
                return [needs[0] ? da : nil, needs[1] ? db : nil]
            })
    }

    @Test func customOpFirstAndSecondDerivativesMatchFiniteDifferences() throws {
        let x = try Tensor([0.3, -1.2, 0.7, 2.0], shape: [2, 2])
        let result = try checkGradient({ try Self.cube($0[0]).sum() * $0[0].sum() }, at: [x])
        #expect(result.secondOrderError > 0)
        #expect(try Self.cube(x).toArray() == x.toArray().map { $0 * $0 * $0 })
    }

    @Test func severalOutputsSumTheirGradients() throws {
        let a = try Tensor([0.5, -0.4, 1.1], shape: [3])
        let b = try Tensor([1.5, 0.2, -0.9], shape: [3])
        try checkGradient({ inputs in
            let out = try Self.pair(inputs[0], inputs[1])
            return (out[0] * out[1]).sum() + out[1].sum()
        }, at: [a, b])
    }

    @Test func recordsNothingWithoutGradients() throws {
        let x = try Tensor([1, 2], shape: [2]).requiringGrad()
        #expect(try withoutGradient { try Self.cube(x) }.requiresGrad == false)
        #expect(try Self.cube(x).requiresGrad)
    }

    @Test func wrongGradientShapeThrows() throws {
        let x = try Tensor([1, 2], shape: [2]).requiringGrad()
        let y = try Tensor.custom(name: "bad", inputs: [x], forward: { [$0[0] * 2] },
                                  backward: { _, _, _ in [try Tensor.zeros([3])] })[0]
        #expect(throws: TensorError.shapeMismatch("bad: gradient 0 (float64)", found: [3], expected: [2])) {
            try grad(of: y.sum(), withRespectTo: [x])
        }
    }

    @Test func zeroedTensorIsFilledInPlace() {
        let t = Tensor.zeroed(shape: [2, 3], as: Float.self) { $0[4] = 2.5 }
        #expect(t.dtype == .float32)
        #expect(t.toFloatArray() == [0, 0, 0, 0, 2.5, 0])
    }
}
