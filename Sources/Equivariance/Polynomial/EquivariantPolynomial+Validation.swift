// SwiftMACE, MIT licence.
// Validation of an EquivariantPolynomial: every index in range, segment ranks matching the channel modes, mode
// extents agreeing within a path, finite coefficients; messages name the term, path and operand.

extension EquivariantPolynomial {
    /// Checks the description.
    /// - Throws: `EquivarianceError.invalidPolynomial` with the first problem found, e.g.
    ///   `term 0 path 3: segment 5 is out of range for operand 1 (input 'x'), which has 2 segments`.
    public func validate() throws {
        for (kind, operands) in [("input", inputs), ("output", outputs)] {
            for (index, operand) in operands.enumerated() {
                try validate(operand, "\(kind) \(index) ('\(operand.name)')")
            }
        }
        guard !outputs.isEmpty else { throw invalid("it has no outputs") }
        for (t, term) in terms.enumerated() {
            try validate(term, "term \(t)")
        }
    }

    private func validate(_ operand: PolynomialOperand, _ label: String) throws {
        for (s, shape) in operand.segments.enumerated() {
            guard !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }) else {
                throw invalid("\(label) segment \(s) has shape \(shape); expected at least one axis, extents >= 0")
            }
        }
        if let irreps = operand.irreps, irreps.dim != operand.size {
            throw invalid("\(label) has \(operand.size) scalars but irreps '\(irreps)' of dimension \(irreps.dim)")
        }
    }

    private func validate(_ term: PolynomialTerm, _ label: String) throws {
        for (n, input) in term.inputs.enumerated() where !inputs.indices.contains(input) {
            throw invalid("\(label) factor \(n) reads input \(input); the polynomial has \(inputs.count) inputs")
        }
        guard outputs.indices.contains(term.output) else {
            throw invalid("\(label) writes output \(term.output); the polynomial has \(outputs.count) outputs")
        }
        guard term.modes.count == term.operandCount else {
            throw invalid("\(label) has \(term.modes.count) mode strings; expected \(term.operandCount)")
        }
        for (n, modes) in term.modes.enumerated() where Set(modes).count != modes.count {
            throw invalid("\(label) operand \(n) repeats a mode letter in '\(modes)'")
        }
        let operands = term.inputs.map { inputs[$0] } + [outputs[term.output]]
        let labels = term.inputs.map { "input '\(inputs[$0].name)'" } + ["output '\(outputs[term.output].name)'"]
        for (p, path) in term.paths.enumerated() {
            try validate(path, operands: operands, labels: labels, modes: term.modes, "\(label) path \(p)")
        }
    }

    private func validate(
        _ path: PolynomialPath, operands: [PolynomialOperand], labels: [String], modes: [String], _ label: String
    ) throws {
        guard path.segments.count == operands.count else {
            throw invalid("\(label) names \(path.segments.count) segments; expected \(operands.count)")
        }
        var extents: [Character: Int] = [:]
        for (n, segment) in path.segments.enumerated() {
            let operand = operands[n]
            guard operand.segments.indices.contains(segment) else {
                throw invalid(
                    "\(label): segment \(segment) is out of range for operand \(n) (\(labels[n])), which has "
                        + "\(operand.segments.count) segments")
            }
            let shape = operand.segments[segment]
            guard shape.count == modes[n].count + 1 else {
                throw invalid(
                    "\(label): segment \(segment) of operand \(n) (\(labels[n])) has shape \(shape); modes '\(modes[n])' "
                        + "need rank \(modes[n].count + 1)")
            }
            for (axis, letter) in modes[n].enumerated() {
                if let known = extents[letter], known != shape[axis] {
                    throw invalid(
                        "\(label): mode '\(letter)' has extent \(shape[axis]) in operand \(n) (\(labels[n])) but "
                            + "\(known) in an earlier operand")
                }
                extents[letter] = shape[axis]
            }
        }
        for (c, entry) in path.coefficients.enumerated() {
            guard entry.value.isFinite else { throw invalid("\(label) coefficient \(c) is \(entry.value)") }
            guard entry.indices.count == operands.count else {
                throw invalid("\(label) coefficient \(c) has \(entry.indices.count) indices; expected \(operands.count)")
            }
            for (n, index) in entry.indices.enumerated() {
                let extent = operands[n].segments[path.segments[n]].last ?? 0
                guard index >= 0 && index < extent else {
                    throw invalid(
                        "\(label) coefficient \(c): index \(index) is out of range for operand \(n) (\(labels[n])), "
                            + "whose coefficient axis has extent \(extent)")
                }
            }
        }
    }

    private func invalid(_ reason: String) -> EquivarianceError { .invalidPolynomial(name, reason: reason) }
}
