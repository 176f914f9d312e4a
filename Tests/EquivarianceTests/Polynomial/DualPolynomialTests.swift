// SwiftMACE, MIT licence.
// Tests of EquivariantPolynomial.dual(withRespectTo:): its outputs are the polynomial's outputs and their
// directional derivatives, and its backward is the reverse pass over a dual forward (checked by finite differences).

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct DualPolynomialTests {
    /// The conv over a small graph (sender gather, receiver sum) and a symmetric contraction (a repeated input).
    static func cases() throws -> [(EquivariantPolynomial, batch: Int, OperandIndexing)] {
        let conv = try ChannelwiseTensorProductDescriptor(
            irreps1: try Irreps(parsing: "2x0e+2x1o"), irreps2: Irreps.sphericalHarmonics(lmax: 2),
            target: try Irreps(parsing: "2x0e+2x1o+2x2e"))
        let (sender, receiver) = ([0, 2, 1, 2, 0], [1, 1, 0, 2, 2])
        let convIndexing = OperandIndexing(
            inputs: [.batched, .indexed(sender, rows: 3), .batched], outputs: [.indexed(receiver, rows: 3)])
        let sc = try SymmetricContractionDescriptor(
            irrepsIn: try Irreps(parsing: "2x0e+2x1o"), irrepsOut: try Irreps(parsing: "2x0e+2x1o"), correlation: 3,
            elementCount: 2)
        var scIndexing = OperandIndexing.batched(sc.polynomial)
        for n in 0..<sc.featureInput { scIndexing.inputs[n] = .indexed([1, 0, 1], rows: 2) }
        return [(conv.polynomial, sender.count, convIndexing), (sc.polynomial, 3, scIndexing)]
    }

    static func evaluate(_ p: EquivariantPolynomial, _ batch: Int, _ inputs: [[Double]], _ indexing: OperandIndexing)
        throws -> [[Double]]
    {
        try PolynomialChecks.executor.evaluate(p, batchSize: batch, inputs: inputs, indexing: indexing)
    }

    static func step(_ x: [[Double]], _ v: [[Double]], _ h: Double) -> [[Double]] {
        zip(x, v).map { a, b in zip(a, b).map { $0 + h * $1 } }
    }

    @Test func operandsAreInputsTangentsAndOutputsTangents() throws {
        let (p, _, _) = try Self.cases()[0]
        let dual = try p.dual(withRespectTo: [0, 2])
        #expect(dual.inputs.map(\.name) == p.inputs.map(\.name) + ["d" + p.inputs[0].name, "d" + p.inputs[2].name])
        #expect(dual.outputs.map(\.name) == p.outputs.map(\.name) + p.outputs.map { "d" + $0.name })
        #expect(dual.terms.count == p.terms.count + (try p.jvp(withRespectTo: [0, 2])).terms.count)
        #expect(dual.terms.dropFirst(p.terms.count).allSatisfy { $0.output == p.outputs.count })
        #expect(throws: EquivarianceError.self) { try p.dual(withRespectTo: [1, 1]) }
        #expect(throws: EquivarianceError.self) { try p.dual(withRespectTo: [3]) }
    }

    @Test func givesOutputsAndDirectionalDerivatives() throws {
        for (seed, (p, batch, indexing)) in try Self.cases().enumerated() {
            var generator = SeededGenerator(seed: 80 + UInt64(seed))
            let all = Array(p.inputs.indices)
            let x = PolynomialChecks.randomInputs(p, batch: batch, indexing: indexing, &generator)
            let v = PolynomialChecks.randomInputs(p, batch: batch, indexing: indexing, &generator)
            let dual = try Self.evaluate(
                p.dual(withRespectTo: all), batch, x + v, indexing.dual(withRespectTo: all))
            let primal = try Self.evaluate(p, batch, x, indexing)
            #expect(Array(dual.prefix(p.outputs.count)) == primal, "\(p.name)")
            let h = 1e-4
            let (plus, minus) = (try Self.evaluate(p, batch, Self.step(x, v, h), indexing),
                                 try Self.evaluate(p, batch, Self.step(x, v, -h), indexing))
            for (k, (a, b)) in zip(plus, minus).enumerated() {
                let difference = zip(a, b).map { ($0 - $1) / (2 * h) }
                #expect(PolynomialChecks.maxDifference(dual[p.outputs.count + k], difference) < 1e-6, "\(p.name)")
            }
        }
    }

    /// J(x, v) = ⟨g, P(x)⟩ + ⟨k, P'(x) v⟩, the reverse-over-forward objective: the dual's backward gives
    /// ∂J/∂x = P's backward with g plus the derivative in x of ⟨k, jvp⟩, and ∂J/∂v = P's backward with k.
    @Test func backwardIsTheReversePassOverTheDualForward() throws {
        for (seed, (p, batch, indexing)) in try Self.cases().enumerated() {
            var generator = SeededGenerator(seed: 90 + UInt64(seed))
            let all = Array(p.inputs.indices)
            let n = p.inputs.count
            let x = PolynomialChecks.randomInputs(p, batch: batch, indexing: indexing, &generator)
            let v = PolynomialChecks.randomInputs(p, batch: batch, indexing: indexing, &generator)
            let a = PolynomialChecks.randomInputs(p, batch: batch, indexing: indexing, &generator)
            let sizes = zip(p.outputs, indexing.outputs).map { $0.size * $1.rowCount(batchSize: batch) }
            let g = sizes.map { PolynomialChecks.random($0, &generator) }
            let k = sizes.map { PolynomialChecks.random($0, &generator) }
            let dualIndexing = indexing.dual(withRespectTo: all)
            let adjoints = try Self.evaluate(
                p.dual(withRespectTo: all).backward(withRespectTo: Array(0..<(2 * n))), batch, x + v + g + k,
                dualIndexing.backward(withRespectTo: Array(0..<(2 * n))))
            let (primal, tangent) = (Array(adjoints.prefix(n)), Array(adjoints.suffix(n)))

            // ∂J/∂v: J is linear in v, with gradient P's backward at x with cotangent k (same sums: exact up to order).
            let backward = try p.backward(withRespectTo: all)
            let backwardIndexing = indexing.backward(withRespectTo: all)
            let kBackward = try Self.evaluate(backward, batch, x + k, backwardIndexing)
            for (got, expected) in zip(tangent, kBackward) {
                #expect(PolynomialChecks.maxDifference(got, expected) < 1e-12, "\(p.name)")
            }
            // ∂J/∂x along a: central differences of ⟨g, P⟩ + ⟨k, jvp⟩ with x moved along a.
            let jvp = try p.jvp(withRespectTo: all)
            func objective(_ h: Double) throws -> Double {
                let moved = Self.step(x, a, h)
                return PolynomialChecks.dot(g, try Self.evaluate(p, batch, moved, indexing))
                    + PolynomialChecks.dot(k, try Self.evaluate(jvp, batch, moved + v, indexing.jvp(withRespectTo: all)))
            }
            let h = 1e-4
            let expected = (try objective(h) - objective(-h)) / (2 * h)
            let directional = PolynomialChecks.dot(primal, a)
            #expect(abs(directional - expected) < 1e-6 * max(1, abs(expected)),
                    "\(p.name): \(directional) vs \(expected)")
            // The same against the double backward of P: ∂⟨k, P'(x) v⟩/∂x = backward(backward(P))(x, k; v).
            let double = try backward.backward(withRespectTo: all)
            let second = try Self.evaluate(
                double, batch, x + k + v, backwardIndexing.backward(withRespectTo: all))
            let gBackward = try Self.evaluate(backward, batch, x + g, backwardIndexing)
            for (m, got) in primal.enumerated() {
                let expected = zip(gBackward[m], second[m]).map { $0 + $1 }
                #expect(PolynomialChecks.maxDifference(got, expected) < 1e-12, "\(p.name) input \(m)")
            }
        }
    }
}
