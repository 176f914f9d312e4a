// SwiftMACE, MIT licence.
// DenseArray: a small row-major array of Double with a shape, for Wigner 3j tensors and D matrices.

/// A dense row-major array of `Double` with an explicit shape (the last index varies fastest).
///
/// Used for the constant tables of the Equivariance layer: Wigner 3j `[2l1+1, 2l2+1, 2l3+1]` and
/// representation matrices `[dim, dim]`. Not a compute tensor.
public struct DenseArray: Sendable, Hashable, Codable {
    /// Extent of each axis.
    public let shape: [Int]
    /// All entries in row-major order; `values.count == shape.reduce(1, *)`.
    public private(set) var values: [Double]

    /// A zero-filled array of the given shape.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "DenseArray shape \(shape) has a negative extent")
        self.shape = shape
        self.values = [Double](repeating: 0, count: shape.reduce(1, *))
    }

    /// An array of the given shape holding `values` in row-major order.
    public init(shape: [Int], values: [Double]) {
        precondition(
            shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
            "DenseArray shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// The row-major flat position of a multi-index.
    public func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "index \(indices) has rank \(indices.count); shape is \(shape)")
        var flat = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "index \(indices) out of range for shape \(shape)")
            flat = flat * shape[axis] + index
        }
        return flat
    }

    /// The entry at a multi-index, e.g. `c[i, j, k]`.
    public subscript(_ indices: Int...) -> Double {
        get { values[flatIndex(indices)] }
        set { values[flatIndex(indices)] = newValue }
    }

    /// Square root of the sum of squares of all entries.
    public var frobeniusNorm: Double { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// The largest absolute difference to another array of the same shape.
    public func maxAbsoluteDifference(to other: DenseArray) -> Double {
        precondition(shape == other.shape, "shapes differ: \(shape) vs \(other.shape)")
        return zip(values, other.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
