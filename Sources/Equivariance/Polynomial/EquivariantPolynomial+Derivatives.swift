// SwiftMACE, MIT licence.
// Derivatives of an EquivariantPolynomial as rewrites into polynomials of the same form (cuEquivariance's jvp,
// transpose and backward): a multilinear term differentiated in one factor is the same paths with that factor
// replaced by a tangent, or moved to the output side.

extension EquivariantPolynomial {
    /// The forward-mode derivative: the directional derivative of every output along tangents of some inputs.
    ///
    /// Operands of the result: inputs = `self.inputs` followed by one tangent per entry of `wrt` (named `d<name>`,
    /// same layout); outputs = one tangent per output of `self` (named `d<name>`). A term containing a chosen input
    /// k times becomes k terms, each with one occurrence replaced by its tangent (product rule: a repeated operand
    /// such as `x` in `x ⊗ x ⊗ x` is treated as k separate factors that happen to be equal).
    /// - Throws: `EquivarianceError.unsupported` when an index is out of range or repeated.
    public func jvp(withRespectTo wrt: [Int]) throws -> EquivariantPolynomial {
        try checkInputSelection(wrt)
        var terms: [PolynomialTerm] = []
        for term in self.terms {
            for (n, input) in term.inputs.enumerated() {
                guard let g = wrt.firstIndex(of: input) else { continue }
                var factors = term.inputs
                factors[n] = inputs.count + g
                terms.append(PolynomialTerm(inputs: factors, output: term.output, modes: term.modes, paths: term.paths))
            }
        }
        return EquivariantPolynomial(
            unchecked: "jvp(\(name))", inputs: inputs + wrt.map { inputs[$0].renamed("d" + inputs[$0].name) },
            outputs: outputs.map { $0.renamed("d" + $0.name) }, terms: terms)
    }

    /// The reverse-mode derivative: gradients of `Σ_outputs ⟨cotangent, output⟩` with respect to some inputs.
    ///
    /// Operands of the result: inputs = `self.inputs` followed by one cotangent per output of `self` (named
    /// `d<name>`, same layout); outputs = one gradient per entry of `wrt` (named `d<name>`, the layout of that
    /// input). Each occurrence of a chosen input in a term gives a term with the same paths in which that factor
    /// is moved to the output side and the output's cotangent takes its place among the factors. The result is
    /// again a polynomial, so applying `backward` to it gives the double backward.
    /// - Throws: `EquivarianceError.unsupported` when an index is out of range or repeated.
    public func backward(withRespectTo wrt: [Int]) throws -> EquivariantPolynomial {
        try checkInputSelection(wrt)
        var terms: [PolynomialTerm] = []
        for term in self.terms {
            let last = term.operandCount - 1
            for (n, input) in term.inputs.enumerated() {
                guard let g = wrt.firstIndex(of: input) else { continue }
                // New operand order: the other factors, the output's cotangent, then factor n as the output.
                let order = (0..<last).filter { $0 != n } + [last, n]
                var factors = term.inputs
                factors.remove(at: n)
                factors.append(inputs.count + term.output)
                terms.append(
                    PolynomialTerm(
                        inputs: factors, output: g, modes: order.map { term.modes[$0] },
                        paths: term.paths.map { $0.permuted(order) }))
            }
        }
        return EquivariantPolynomial(
            unchecked: "backward(\(name))", inputs: inputs + outputs.map { $0.renamed("d" + $0.name) },
            outputs: wrt.map { inputs[$0].renamed("d" + inputs[$0].name) }, terms: terms)
    }

    /// The transpose of a polynomial that is linear in input `input` (every term contains it exactly once): the
    /// map from output cotangents to the cotangent of that input, the other inputs held fixed.
    ///
    /// Operands of the result: inputs = `self.inputs` without `input`, followed by one cotangent per output;
    /// outputs = the cotangent of `input`. Equals ``backward(withRespectTo:)`` for `[input]` with the unused input
    /// removed.
    /// - Throws: `EquivarianceError.unsupported` when the index is out of range or some term is not linear in it.
    public func transposed(withRespectTo input: Int) throws -> EquivariantPolynomial {
        try checkInputSelection([input])
        for (t, term) in terms.enumerated() {
            let count = term.inputs.filter { $0 == input }.count
            guard count == 1 else {
                throw EquivarianceError.unsupported(
                    "cannot transpose '\(name)' in input \(input) ('\(inputs[input].name)'): term \(t) contains it "
                        + "\(count) times; expected exactly once")
            }
        }
        let full = try backward(withRespectTo: [input])
        let terms = full.terms.map { term in
            PolynomialTerm(
                inputs: term.inputs.map { $0 > input ? $0 - 1 : $0 }, output: term.output, modes: term.modes,
                paths: term.paths)
        }
        var remaining = full.inputs
        remaining.remove(at: input)
        return EquivariantPolynomial(
            unchecked: "transposed(\(name))", inputs: remaining, outputs: full.outputs, terms: terms)
    }

    private func checkInputSelection(_ wrt: [Int]) throws {
        for index in wrt where !inputs.indices.contains(index) {
            throw EquivarianceError.unsupported(
                "input \(index) is out of range for '\(name)', which has \(inputs.count) inputs")
        }
        guard Set(wrt).count == wrt.count else {
            throw EquivarianceError.unsupported("inputs \(wrt) of '\(name)' are repeated; expected distinct indices")
        }
    }
}
