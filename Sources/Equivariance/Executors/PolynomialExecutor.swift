// SwiftMACE, MIT licence.
// PolynomialExecutor: the one protocol every backend implements to run an EquivariantPolynomial on a batch
// (STYLE.md §2 "Describe, then execute").

/// Runs any ``EquivariantPolynomial`` over a batch of items. An executor that cannot run a description throws;
/// none falls back silently to another.
public protocol PolynomialExecutor: Sendable {
    /// Evaluates `polynomial` for `batchSize` items.
    /// - Parameters:
    ///   - inputs: one flat buffer per polynomial input, `[rows, input.size]` row-major with
    ///     `rows = indexing.inputs[n].rowCount(batchSize:)`.
    ///   - indexing: how items map to rows of each input and output buffer.
    /// - Returns: one flat buffer per output, `[rows, output.size]` row-major, zero where nothing was added.
    /// - Throws: `EquivarianceError.shapeMismatch` when a buffer or index does not fit.
    func evaluate(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [[Double]], indexing: OperandIndexing
    ) throws -> [[Double]]
}
