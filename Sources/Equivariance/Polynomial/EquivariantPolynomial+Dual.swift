// SwiftMACE, MIT licence.
// The dual-number rewrite of an EquivariantPolynomial: the polynomial and its forward-mode derivative evaluated
// together (every output paired with its tangent), the building block of reverse-over-forward training.

extension EquivariantPolynomial {
    /// The polynomial on dual numbers: its outputs and their directional derivatives along tangents of some inputs.
    ///
    /// Operands of the result: inputs = `self.inputs` followed by one tangent per entry of `wrt` (named `d<name>`,
    /// same layout, as in ``jvp(withRespectTo:)``); outputs = `self.outputs` followed by one tangent per output
    /// (named `d<name>`). Terms: `self`'s terms, then ``jvp(withRespectTo:)``'s terms writing the tangent outputs.
    /// The result is again a polynomial, so ``backward(withRespectTo:)`` of it gives, per chosen input, the
    /// primal and tangent adjoints of a reverse pass over a dual forward (with the output cotangents and the
    /// tangent outputs' cotangents as its extra inputs).
    /// - Throws: `EquivarianceError.unsupported` when an index is out of range or repeated.
    public func dual(withRespectTo wrt: [Int]) throws -> EquivariantPolynomial {
        let tangent = try jvp(withRespectTo: wrt)
        let shifted = tangent.terms.map { term in
            PolynomialTerm(
                inputs: term.inputs, output: outputs.count + term.output, modes: term.modes, paths: term.paths)
        }
        return EquivariantPolynomial(
            unchecked: "dual(\(name))", inputs: tangent.inputs, outputs: outputs + tangent.outputs,
            terms: terms + shifted)
    }
}
