// SwiftMACE, MIT licence.
// PolynomialPath: one path of a PolynomialTerm: a segment per operand and a sparse coefficient tensor over the
// segments' coefficient axes.

/// One non-zero entry of a path's coefficient tensor: an index into the coefficient (last) axis of each operand's
/// segment, in the term's operand order (inputs, then the output), and its value.
public struct PolynomialCoefficient: Sendable, Hashable, Codable {
    public let indices: [Int]
    public let value: Double

    public init(_ indices: [Int], _ value: Double) {
        self.indices = indices
        self.value = value
    }
}

/// A path of a term: which segment of each operand it reads or writes, and its coefficients.
///
/// For a term with inputs `a, b` and output `z` and channel modes `"u"`, `""`, `"u"`, the path contributes
/// `z[seg_z][u, k] += Σ_{(i, j, k, c) ∈ coefficients} c · a[seg_a][u, i] · b[seg_b][j]` for every `u`.
public struct PolynomialPath: Sendable, Hashable, Codable {
    /// Segment index per operand, in the term's operand order (inputs, then the output).
    public let segments: [Int]
    /// The non-zero coefficients; an empty list makes the path contribute nothing.
    public let coefficients: [PolynomialCoefficient]

    public init(segments: [Int], coefficients: [PolynomialCoefficient]) {
        self.segments = segments
        self.coefficients = coefficients
    }

    /// The same path with its operands reordered: operand `n` of the result is operand `order[n]` of this path.
    func permuted(_ order: [Int]) -> PolynomialPath {
        PolynomialPath(
            segments: order.map { segments[$0] },
            coefficients: coefficients.map { entry in PolynomialCoefficient(order.map { entry.indices[$0] }, entry.value) })
    }
}
