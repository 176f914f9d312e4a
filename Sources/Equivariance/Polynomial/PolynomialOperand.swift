// SwiftMACE, MIT licence.
// PolynomialOperand: one flat buffer of an EquivariantPolynomial, cut into consecutive segments with shapes, and
// the O(3) representation it carries (nil for invariant weights).

/// One input or output buffer of an ``EquivariantPolynomial``, per batch item.
///
/// The buffer is the concatenation of its segments in order; segment `s` is a row-major array of shape
/// `segments[s]`. The LAST axis of every segment is its coefficient axis (the `m` index a path's coefficients
/// address, size 1 for weights); the leading axes are channel modes named by each term (e.g. `[mul, 2l+1]` for an
/// e3nn mul_ir block read as `"u"`, `[mul1, mul2, 1]` for a `"uv"` weight block).
public struct PolynomialOperand: Sendable, Hashable, Codable {
    /// A short name for printing and error messages, e.g. `"x"`, `"weight"`, `"sh"`.
    public let name: String
    /// The shape of each segment; every shape has at least one axis, all extents ≥ 0.
    public let segments: [[Int]]
    /// The representation of the buffer in e3nn's mul_ir layout (its `dim` equals ``size``), or nil for an
    /// invariant operand (weights, one-hot element attributes, radial weights).
    public let irreps: Irreps?

    public init(name: String, segments: [[Int]], irreps: Irreps? = nil) {
        self.name = name
        self.segments = segments
        self.irreps = irreps
    }

    /// The number of scalars in each segment.
    public var segmentSizes: [Int] { segments.map { $0.reduce(1, *) } }

    /// The start of each segment in the flat buffer.
    public var segmentOffsets: [Int] {
        var start = 0
        return segmentSizes.map { size in
            defer { start += size }
            return start
        }
    }

    /// The number of scalars per batch item: the sum of the segment sizes.
    public var size: Int { segmentSizes.reduce(0, +) }

    /// The same buffer under another name.
    public func renamed(_ newName: String) -> PolynomialOperand {
        PolynomialOperand(name: newName, segments: segments, irreps: irreps)
    }
}
