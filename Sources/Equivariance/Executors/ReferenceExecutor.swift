// SwiftMACE, MIT licence.
// ReferenceExecutor: plain Float64 loops over items, terms, paths, coefficients and channel values; slow and
// obviously correct, the oracle every other executor is compared with.

/// Evaluates any ``EquivariantPolynomial`` directly from its description, in Float64. Derivatives run through the
/// same entry point with the rewritten polynomials, e.g. a backward pass:
/// ```
/// let grad = try polynomial.backward(withRespectTo: [1])
/// let dx = try ReferenceExecutor().evaluate(
///     grad, batchSize: n, inputs: inputs + cotangents, indexing: indexing.backward(withRespectTo: [1]))
/// ```
public struct ReferenceExecutor: PolynomialExecutor {
    public init() {}

    public func evaluate(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [[Double]], indexing: OperandIndexing
    ) throws -> [[Double]] {
        try Self.check(polynomial, batchSize: batchSize, inputs: inputs, indexing: indexing)
        let inputSizes = polynomial.inputs.map(\.size)
        let inputOffsets = polynomial.inputs.map(\.segmentOffsets)
        let outputSizes = polynomial.outputs.map(\.size)
        let outputOffsets = polynomial.outputs.map(\.segmentOffsets)
        var outputs = zip(polynomial.outputs, indexing.outputs).map { operand, rows in
            [Double](repeating: 0, count: rows.rowCount(batchSize: batchSize) * operand.size)
        }
        for term in polynomial.terms {
            let operands = term.inputs.map { polynomial.inputs[$0] } + [polynomial.outputs[term.output]]
            let plans = term.paths.map { ChannelPlan(path: $0, modes: term.modes, operands: operands) }
            let factorCount = term.inputs.count
            for item in 0..<batchSize {
                let rowStarts = term.inputs.map { indexing.inputs[$0].row(of: item) * inputSizes[$0] }
                let outputStart = indexing.outputs[term.output].row(of: item) * outputSizes[term.output]
                for (path, plan) in zip(term.paths, plans) {
                    let bases = (0..<factorCount).map { n in
                        rowStarts[n] + inputOffsets[term.inputs[n]][path.segments[n]]
                    }
                    let outputBase = outputStart + outputOffsets[term.output][path.segments[factorCount]]
                    for coefficient in path.coefficients {
                        for assignment in 0..<plan.assignmentCount {
                            var product = coefficient.value
                            for n in 0..<factorCount {
                                let position = bases[n] + coefficient.indices[n] + plan.offset(assignment, n)
                                product *= inputs[term.inputs[n]][position]
                            }
                            outputs[term.output][outputBase + coefficient.indices[factorCount]
                                + plan.offset(assignment, factorCount)]
                                += product
                        }
                    }
                }
            }
        }
        return outputs
    }

    /// Buffer sizes and indices against the description, before any allocation.
    static func check(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [[Double]], indexing: OperandIndexing
    ) throws {
        try check(polynomial, batchSize: batchSize, inputCounts: inputs.map(\.count), indexing: indexing)
    }

    /// The same check from the input buffers' element counts.
    static func check(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputCounts: [Int], indexing: OperandIndexing
    ) throws {
        guard batchSize >= 0 else { throw EquivarianceError.shapeMismatch("batch size \(batchSize) is negative") }
        let name = polynomial.name
        guard inputCounts.count == polynomial.inputs.count, indexing.inputs.count == polynomial.inputs.count,
            indexing.outputs.count == polynomial.outputs.count
        else {
            throw EquivarianceError.shapeMismatch(
                "'\(name)' takes \(polynomial.inputs.count) inputs and \(polynomial.outputs.count) outputs; got "
                    + "\(inputCounts.count) buffers, \(indexing.inputs.count) input and \(indexing.outputs.count) output "
                    + "indexings")
        }
        for (kind, operands, rules) in [
            ("input", polynomial.inputs, indexing.inputs), ("output", polynomial.outputs, indexing.outputs),
        ] {
            for (n, (operand, rule)) in zip(operands, rules).enumerated() {
                let label = "'\(name)' \(kind) \(n) ('\(operand.name)')"
                if case .indexed(let index, let rows) = rule {
                    guard index.count == batchSize else {
                        throw EquivarianceError.shapeMismatch(
                            "\(label): index has \(index.count) entries; expected the batch size \(batchSize)")
                    }
                    if let bad = index.first(where: { $0 < 0 || $0 >= rows }) {
                        throw EquivarianceError.shapeMismatch(
                            "\(label): index \(bad) is out of range for \(rows) rows")
                    }
                }
                let rows = rule.rowCount(batchSize: batchSize)
                let (scalars, overflow) = rows.multipliedReportingOverflow(by: operand.size)
                guard rows >= 0, !overflow else {
                    throw EquivarianceError.shapeMismatch("\(label): \(rows) rows of \(operand.size) is too large")
                }
                if kind == "input", inputCounts[n] != scalars {
                    throw EquivarianceError.shapeMismatch(
                        "\(label) has \(inputCounts[n]) values; expected \(rows) rows x \(operand.size) = \(scalars)")
                }
            }
        }
    }
}

/// The element offsets, within each operand's segment, of every value of a path's channel modes.
private struct ChannelPlan {
    let operandCount: Int
    let assignmentCount: Int
    /// `[assignmentCount, operandCount]` row-major.
    private let table: [Int]

    init(path: PolynomialPath, modes: [String], operands: [PolynomialOperand]) {
        operandCount = operands.count
        var letters: [Character] = []
        var extents: [Int] = []
        var strides: [[Character: Int]] = []
        for (n, operand) in operands.enumerated() {
            let shape = operand.segments[path.segments[n]]
            var step = 1
            var strideOf: [Character: Int] = [:]
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                if axis < shape.count - 1 {
                    let letter = Array(modes[n])[axis]
                    strideOf[letter] = step
                    if !letters.contains(letter) {
                        letters.append(letter)
                        extents.append(shape[axis])
                    }
                }
                step *= shape[axis]
            }
            strides.append(strideOf)
        }
        assignmentCount = extents.reduce(1, *)
        var table = [Int](repeating: 0, count: assignmentCount * operandCount)
        for assignment in 0..<assignmentCount {
            var rest = assignment
            for (letter, extent) in zip(letters, extents).reversed() {
                let value = rest % extent
                rest /= extent
                for n in 0..<operandCount { table[assignment * operandCount + n] += value * (strides[n][letter] ?? 0) }
            }
        }
        self.table = table
    }

    /// The offset of operand `operand` for channel values number `assignment`.
    func offset(_ assignment: Int, _ operand: Int) -> Int { table[assignment * operandCount + operand] }
}
