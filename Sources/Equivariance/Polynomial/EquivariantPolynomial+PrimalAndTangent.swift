// SwiftMACE, MIT licence.
// The primal-and-tangent rewrite: one polynomial whose outputs are the outputs and their directional derivatives,
// the forward pass of reverse-over-forward training, whose backward is the training's reverse pass.

extension EquivariantPolynomial {
    /// The outputs and their forward-mode derivatives along tangents of some inputs, as one polynomial.
    ///
    /// Operands: inputs = those of ``jvp(withRespectTo:)`` (`self.inputs`, then one tangent per entry of `wrt`);
    /// outputs = `self.outputs` followed by their tangents (named `d<name>`). Its
    /// ``backward(withRespectTo:)`` takes the primal adjoints and then the tangent adjoints as cotangents.
    /// - Throws: `EquivarianceError.unsupported` when an index is out of range or repeated.
    public func primalAndTangent(withRespectTo wrt: [Int]) throws -> EquivariantPolynomial {
        let tangent = try jvp(withRespectTo: wrt)
        let shifted = tangent.terms.map {
            PolynomialTerm(inputs: $0.inputs, output: outputs.count + $0.output, modes: $0.modes, paths: $0.paths)
        }
        return EquivariantPolynomial(
            unchecked: "primalAndTangent(\(name))", inputs: tangent.inputs, outputs: outputs + tangent.outputs,
            terms: terms + shifted)
    }
}

extension OperandIndexing {
    /// The indexing of `polynomial.primalAndTangent(withRespectTo: wrt)`: tangents are read and written like
    /// their primals.
    public func primalAndTangent(withRespectTo wrt: [Int]) -> OperandIndexing {
        OperandIndexing(inputs: inputs + wrt.map { inputs[$0] }, outputs: outputs + outputs)
    }
}
