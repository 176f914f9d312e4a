// SwiftMACE, MIT licence.
// Shared checks for polynomial tests: random inputs, O(3) equivariance f(D x) = D f(x), and first and second
// derivatives of the rewritten polynomials against central finite differences.

import Support
import Testing
import TestSupport

@testable import Equivariance

enum PolynomialChecks {
    static let executor = ReferenceExecutor()

    static func random(_ count: Int, _ generator: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in Double.random(in: -1...1, using: &generator) }
    }

    /// Random buffers of the right size for each input.
    static func randomInputs(
        _ polynomial: EquivariantPolynomial, batch: Int, indexing: OperandIndexing, _ generator: inout SeededGenerator
    ) -> [[Double]] {
        zip(polynomial.inputs, indexing.inputs).map { operand, rule in
            random(rule.rowCount(batchSize: batch) * operand.size, &generator)
        }
    }

    static func dot(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).reduce(0) { sum, pair in sum + zip(pair.0, pair.1).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Rotates every row of every operand that carries irreps.
    static func rotated(_ buffers: [[Double]], _ operands: [PolynomialOperand], _ element: OrthogonalMatrix) throws
        -> [[Double]]
    {
        try zip(buffers, operands).map { buffer, operand in
            guard let irreps = operand.irreps else { return buffer }
            let d = try irreps.wignerD(for: element)
            let n = irreps.dim
            var out = buffer
            for row in 0..<(n == 0 ? 0 : buffer.count / n) {
                for i in 0..<n {
                    out[row * n + i] = (0..<n).reduce(0.0) { $0 + d.values[i * n + $1] * buffer[row * n + $1] }
                }
            }
            return out
        }
    }

    /// f(D x) = D f(x) for a random O(3) element; invariant operands (no irreps) are left alone.
    static func expectEquivariant(
        _ polynomial: EquivariantPolynomial, batch: Int = 2, seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var generator = SeededGenerator(seed: seed)
        let indexing = OperandIndexing.batched(polynomial)
        let inputs = randomInputs(polynomial, batch: batch, indexing: indexing, &generator)
        for _ in 0..<2 {
            let element = OrthogonalMatrix.randomElement(using: &generator)
            let direct = try executor.evaluate(
                polynomial, batchSize: batch, inputs: try rotated(inputs, polynomial.inputs, element),
                indexing: indexing)
            let expected = try rotated(
                try executor.evaluate(polynomial, batchSize: batch, inputs: inputs, indexing: indexing),
                polynomial.outputs, element)
            for (a, b) in zip(direct, expected) {
                let scale = max(1, b.map(abs).max() ?? 0)
                #expect(maxDifference(a, b) < 1e-12 * scale, "\(polynomial.name), seed \(seed)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// jvp, backward and double backward of `polynomial` (with respect to every input) against central
    /// finite differences of `L = Σ ⟨cotangent, output⟩`.
    static func expectDerivativesMatchFiniteDifferences(
        _ polynomial: EquivariantPolynomial, batch: Int = 2, indexing: OperandIndexing? = nil, seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var generator = SeededGenerator(seed: seed)
        let indexing = indexing ?? .batched(polynomial)
        let all = Array(polynomial.inputs.indices)
        let x = randomInputs(polynomial, batch: batch, indexing: indexing, &generator)
        let v = randomInputs(polynomial, batch: batch, indexing: indexing, &generator)
        let outputShapes = zip(polynomial.outputs, indexing.outputs).map { $0.size * $1.rowCount(batchSize: batch) }
        let g = outputShapes.map { random($0, &generator) }
        let h = 1e-4
        func shifted(_ step: Double) -> [[Double]] { zip(x, v).map { a, b in zip(a, b).map { $0 + step * $1 } } }
        func f(_ inputs: [[Double]]) throws -> [[Double]] {
            try executor.evaluate(polynomial, batchSize: batch, inputs: inputs, indexing: indexing)
        }
        let (plus, minus) = (try f(shifted(h)), try f(shifted(-h)))
        let difference = zip(plus, minus).map { a, b in zip(a, b).map { ($0 - $1) / (2 * h) } }

        let jvp = try executor.evaluate(
            try polynomial.jvp(withRespectTo: all), batchSize: batch, inputs: x + v,
            indexing: indexing.jvp(withRespectTo: all))
        for (a, b) in zip(jvp, difference) {
            #expect(maxDifference(a, b) < 1e-6, "jvp of \(polynomial.name), seed \(seed)",
                    sourceLocation: sourceLocation)
        }

        let backward = try polynomial.backward(withRespectTo: all)
        let backwardIndexing = indexing.backward(withRespectTo: all)
        let gradients = try executor.evaluate(backward, batchSize: batch, inputs: x + g, indexing: backwardIndexing)
        let directional = dot(gradients, v)
        let expected = dot(g, difference)
        #expect(abs(directional - expected) < 1e-6 * max(1, abs(expected)),
                "backward of \(polynomial.name): \(directional) vs \(expected), seed \(seed)",
                sourceLocation: sourceLocation)

        // Second order: L2 = ⟨k, backward(x, g)⟩, differentiated in x (and g) by the backward of the backward.
        let k = zip(backward.outputs, backwardIndexing.outputs).map { random($0.size * $1.rowCount(batchSize: batch),
                                                                            &generator) }
        let doubleBackward = try backward.backward(withRespectTo: Array(backward.inputs.indices))
        let second = try executor.evaluate(
            doubleBackward, batchSize: batch, inputs: x + g + k,
            indexing: backwardIndexing.backward(withRespectTo: Array(backward.inputs.indices)))
        func gradientsAt(_ inputs: [[Double]]) throws -> [[Double]] {
            try executor.evaluate(backward, batchSize: batch, inputs: inputs + g, indexing: backwardIndexing)
        }
        let (gp, gm) = (try gradientsAt(shifted(h)), try gradientsAt(shifted(-h)))
        let secondExpected = (dot(k, gp) - dot(k, gm)) / (2 * h)
        let secondDirectional = dot(Array(second.prefix(x.count)), v)
        #expect(abs(secondDirectional - secondExpected) < 1e-6 * max(1, abs(secondExpected)),
                "double backward of \(polynomial.name): \(secondDirectional) vs \(secondExpected), seed \(seed)",
                sourceLocation: sourceLocation)
    }
}
