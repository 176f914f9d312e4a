// SwiftMACE, MIT licence.
// Compact printing of an EquivariantPolynomial: operands with run-length segment shapes, then one line per term.

extension EquivariantPolynomial: CustomStringConvertible {
    /// For example:
    /// ```
    /// linear: 2 inputs, 1 output, 1 term, 2 paths, 4 coefficients
    ///   in0 weight: (4,4,1)x2
    ///   in1 x [4x0e+4x1o]: (4,1) (4,3)
    ///   out0 y [4x0e+4x1o]: (4,1) (4,3)
    ///   term0: uv·u -> v  (in0, in1 -> out0)  2 paths, 4 coefficients
    /// ```
    public var description: String {
        var lines = [
            "\(name): \(count(inputs.count, "input")), \(count(outputs.count, "output")), "
                + "\(count(terms.count, "term")), \(count(pathCount, "path")), "
                + "\(count(coefficientCount, "coefficient"))"
        ]
        for (kind, operands) in [("in", inputs), ("out", outputs)] {
            for (index, operand) in operands.enumerated() {
                let irreps = operand.irreps.map { " [\($0)]" } ?? ""
                lines.append("  \(kind)\(index) \(operand.name)\(irreps): \(Self.shapes(operand.segments))")
            }
        }
        for (t, term) in terms.enumerated() {
            let factors = term.modes.dropLast().joined(separator: "·")
            let names = term.inputs.map { "in\($0)" }.joined(separator: ", ")
            lines.append(
                "  term\(t): \(factors) -> \(term.modes.last ?? "")  (\(names) -> out\(term.output))  "
                    + "\(count(term.paths.count, "path")), \(count(term.coefficientCount, "coefficient"))")
        }
        return lines.joined(separator: "\n")
    }

    private func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Segment shapes with runs of equal shapes folded: `(4,1)x3 (4,3)`.
    private static func shapes(_ segments: [[Int]]) -> String {
        var parts: [String] = []
        var index = 0
        while index < segments.count {
            var run = 1
            while index + run < segments.count && segments[index + run] == segments[index] { run += 1 }
            let shape = "(" + segments[index].map(String.init).joined(separator: ",") + ")"
            parts.append(run > 1 ? "\(shape)x\(run)" : shape)
            index += run
        }
        return parts.isEmpty ? "(no segments)" : parts.joined(separator: " ")
    }
}
