// SwiftMACE, MIT licence.
// PolynomialTerm: one segmented multilinear product of an EquivariantPolynomial (cuEquivariance's
// SegmentedTensorProduct plus its operation): which buffers it multiplies, their channel modes, and its paths.

/// A multilinear term `output += Σ_paths coefficient · Π inputs`, with channel modes shared between operands.
///
/// `modes[n]` names the leading (channel) axes of operand `n`'s segments, one letter per axis; the last axis of
/// every segment is the coefficient axis. Letters shared by several operands run together; letters absent from the
/// output are summed. Examples (MACE.md §5–§7):
/// - conv_tp `'uvu'` with `mul2 = 1`: inputs `weight "u"`, `x "u"`, `sh ""` → output `"u"` (cuEquivariance's
///   "uniform 1d": one channel mode shared by every operand that has one);
/// - e3nn Linear: `weight "uv"`, `x "u"` → `"v"`;
/// - symmetric contraction of degree ν: `W "u"`, then `x "u"` ν times → `"u"`.
///
/// An input may appear several times (`x` in the symmetric contraction): the term is then a polynomial of that
/// degree in it, and derivatives apply the product rule over the occurrences.
public struct PolynomialTerm: Sendable, Hashable, Codable {
    /// Index into the polynomial's inputs for each factor, in order; may repeat.
    public let inputs: [Int]
    /// Index into the polynomial's outputs that this term adds into.
    public let output: Int
    /// Channel-mode letters per operand: `inputs.count` entries for the inputs, then one for the output.
    public let modes: [String]
    /// The paths, each naming one segment per operand.
    public let paths: [PolynomialPath]

    public init(inputs: [Int], output: Int, modes: [String], paths: [PolynomialPath]) {
        self.inputs = inputs
        self.output = output
        self.modes = modes
        self.paths = paths
    }

    /// The number of operands of each path: the inputs and the output.
    public var operandCount: Int { inputs.count + 1 }

    /// The number of non-zero coefficients over all paths.
    public var coefficientCount: Int { paths.reduce(0) { $0 + $1.coefficients.count } }

    /// Whether every operand has at most one channel mode and all of them use the same letter
    /// (cuEquivariance's `uniform_1d` form, the one a channel-per-thread GPU kernel runs directly).
    public var isUniformOneDimensional: Bool {
        let letters = Set(modes.joined())
        return letters.count <= 1 && modes.allSatisfy { $0.count <= 1 }
    }
}
