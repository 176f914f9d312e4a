// SwiftMACE, MIT licence.
// Tests of EquivariantPolynomial: validation messages, Codable round trip, printing, FLOP count against a hand
// count, and the transpose rewrite.

import Support
import Foundation
import Testing
import TestSupport

@testable import Equivariance

@Suite struct EquivariantPolynomialTests {
    static func linear() throws -> EquivariantPolynomial {
        try LinearDescriptor(irrepsIn: try Irreps(parsing: "2x0e"), irrepsOut: try Irreps(parsing: "3x0e")).polynomial
    }

    @Test func flopCountMatchesHandCount() throws {
        // y[w] = Σ_u α·W[u,w]·x[u]: per (u, w) two multiplications and one addition; 2·3 pairs, 5 items.
        #expect(try Self.linear().flopCount(batch: 5) == 5 * 2 * 3 * 3)
        #expect(try Self.linear().byteCount(batch: 5, sharedInputs: [0]) == (6 + 5 * 2 + 5 * 3) * 8)
    }

    @Test func printsCompactly() throws {
        #expect(try Self.linear().description == """
            linear: 2 inputs, 1 output, 1 term, 1 path, 1 coefficient
              in0 weight: (2,3,1)
              in1 x [2x0e]: (2,1)
              out0 y [3x0e]: (3,1)
              term0: uv·u -> v  (in0, in1 -> out0)  1 path, 1 coefficient
            """)
    }

    @Test func roundTripsThroughJSON() throws {
        let tp = try ChannelwiseTensorProductDescriptor(
            irreps1: try Irreps(parsing: "2x0e+2x1o"), irreps2: .sphericalHarmonics(lmax: 2),
            target: try Irreps(parsing: "2x0e+2x1o+2x2e")).polynomial
        let decoded = try JSONDecoder().decode(EquivariantPolynomial.self, from: try JSONEncoder().encode(tp))
        #expect(decoded == tp)
    }

    @Test func validationNamesTermPathAndOperand() throws {
        let x = PolynomialOperand(name: "x", segments: [[2, 1], [2, 3]])
        let w = PolynomialOperand(name: "w", segments: [[2, 1]])
        func make(_ path: PolynomialPath) throws -> EquivariantPolynomial {
            try EquivariantPolynomial(
                name: "p", inputs: [w, x], outputs: [x.renamed("y")],
                terms: [PolynomialTerm(inputs: [0, 1], output: 0, modes: ["u", "u", "u"], paths: [path])])
        }
        #expect(throws: EquivarianceError.invalidPolynomial(
            "p", reason: "term 0 path 0: segment 5 is out of range for operand 1 (input 'x'), which has 2 segments")) {
            try make(PolynomialPath(segments: [0, 5, 0], coefficients: []))
        }
        #expect(throws: EquivarianceError.invalidPolynomial(
            "p", reason: "term 0 path 0 coefficient 0: index 1 is out of range for operand 2 (output 'y'), whose "
                + "coefficient axis has extent 1")) {
            try make(PolynomialPath(segments: [0, 1, 0], coefficients: [PolynomialCoefficient([0, 2, 1], 1)]))
        }
        let decoded = try? JSONDecoder().decode(
            EquivariantPolynomial.self,
            from: Data(#"{"name":"q","inputs":[],"outputs":[],"terms":[]}"#.utf8))
        #expect(decoded == nil)
        #expect(throws: EquivarianceError.invalidPolynomial(
            "q", reason: "term 0 writes output 1; the polynomial has 1 outputs")) {
            try EquivariantPolynomial(name: "q", inputs: [x], outputs: [x],
                                      terms: [PolynomialTerm(inputs: [0], output: 1, modes: ["u", "u"], paths: [])])
        }
    }

    @Test func transposeOfLinearMapIsItsAdjoint() throws {
        let p = try Self.linear()
        let t = try p.transposed(withRespectTo: 1)
        #expect(t.inputs.map(\.name) == ["weight", "dy"])
        #expect(t.outputs.map(\.name) == ["dx"])
        var generator = SeededGenerator(seed: 41)
        let (w, x, g) = (PolynomialChecks.random(6, &generator), PolynomialChecks.random(2, &generator),
                         PolynomialChecks.random(3, &generator))
        let executor = ReferenceExecutor()
        let y = try executor.evaluate(p, batchSize: 1, inputs: [w, x], indexing: .batched(p))
        let dx = try executor.evaluate(t, batchSize: 1, inputs: [w, g], indexing: .batched(t))
        #expect(abs(PolynomialChecks.dot(y, [g]) - PolynomialChecks.dot(dx, [x])) < 1e-14)
        let quadratic = try EquivariantPolynomial(
            name: "square", inputs: [PolynomialOperand(name: "x", segments: [[1]])],
            outputs: [PolynomialOperand(name: "y", segments: [[1]])],
            terms: [PolynomialTerm(inputs: [0, 0], output: 0, modes: ["", "", ""],
                                   paths: [PolynomialPath(segments: [0, 0, 0],
                                                          coefficients: [PolynomialCoefficient([0, 0, 0], 1)])])])
        #expect(throws: EquivarianceError.unsupported(
            "cannot transpose 'square' in input 0 ('x'): term 0 contains it 2 times; expected exactly once")) {
            try quadratic.transposed(withRespectTo: 0)
        }
    }
}
