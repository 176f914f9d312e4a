// SwiftMACE, MIT licence.
// How an executor maps the items of a batch to rows of an operand buffer: one row per item, one shared row, or an
// index array (the conv's sender gather and receiver sum, MACE.md §6.3), and how that mapping moves under the
// polynomial's derivative rewrites.

/// The rows of one operand buffer that batch item `b` reads (an input) or adds into (an output).
public enum BatchIndexing: Sendable, Hashable {
    /// Row `b`; the buffer has `batchSize` rows.
    case batched
    /// Row 0 for every item; the buffer has one row. An input is broadcast; an output is summed over the batch.
    case shared
    /// Row `index[b]` of a buffer of `rows` rows (`index.count == batchSize`). An input is gathered; an output
    /// is scatter-added (e.g. messages summed into their receiver atoms).
    case indexed([Int], rows: Int)

    /// The number of rows of the buffer for a batch of `batchSize` items.
    public func rowCount(batchSize: Int) -> Int {
        switch self {
        case .batched: batchSize
        case .shared: 1
        case .indexed(_, let rows): rows
        }
    }

    /// The rows some item of a batch of `batchSize` reads, ascending.
    func usedRows(batchSize: Int) -> [Int] {
        switch self {
        case .batched: return Array(0..<batchSize)
        case .shared: return batchSize > 0 ? [0] : []
        case .indexed(let index, let rows):
            var used = [Bool](repeating: false, count: rows)
            for row in index { used[row] = true }
            return used.indices.filter { used[$0] }
        }
    }

    /// The row of item `b`.
    func row(of item: Int) -> Int {
        switch self {
        case .batched: item
        case .shared: 0
        case .indexed(let index, _): index[item]
        }
    }
}

/// The ``BatchIndexing`` of every input and output of one polynomial evaluation.
///
/// Derivative polynomials read and write the same buffers in the same way: a cotangent is read with the indexing
/// its output was written with (a scatter-added output gives a gathered cotangent), and a gradient is written with
/// the indexing its input was read with (a gathered input gives a scatter-added gradient; a shared weight gives a
/// gradient summed over the batch). The methods here follow ``EquivariantPolynomial``'s rewrites operand by operand.
public struct OperandIndexing: Sendable, Hashable {
    public var inputs: [BatchIndexing]
    public var outputs: [BatchIndexing]

    public init(inputs: [BatchIndexing], outputs: [BatchIndexing]) {
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Every operand `.batched`.
    public static func batched(_ polynomial: EquivariantPolynomial) -> OperandIndexing {
        OperandIndexing(
            inputs: Array(repeating: .batched, count: polynomial.inputs.count),
            outputs: Array(repeating: .batched, count: polynomial.outputs.count))
    }

    /// The indexing of `polynomial.jvp(withRespectTo: wrt)`.
    public func jvp(withRespectTo wrt: [Int]) -> OperandIndexing {
        OperandIndexing(inputs: inputs + wrt.map { inputs[$0] }, outputs: outputs)
    }

    /// The indexing of `polynomial.dual(withRespectTo: wrt)`: tangents are read and written like their primals.
    public func dual(withRespectTo wrt: [Int]) -> OperandIndexing {
        OperandIndexing(inputs: inputs + wrt.map { inputs[$0] }, outputs: outputs + outputs)
    }

    /// The indexing of `polynomial.backward(withRespectTo: wrt)`.
    public func backward(withRespectTo wrt: [Int]) -> OperandIndexing {
        OperandIndexing(inputs: inputs + outputs, outputs: wrt.map { inputs[$0] })
    }

    /// The indexing of `polynomial.transposed(withRespectTo: input)`.
    public func transposed(withRespectTo input: Int) -> OperandIndexing {
        var remaining = inputs
        remaining.remove(at: input)
        return OperandIndexing(inputs: remaining + outputs, outputs: [inputs[input]])
    }
}
