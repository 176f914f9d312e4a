// SwiftMACE, MIT licence.
// EquivariantPolynomial: a sparse multilinear polynomial described as data (operands cut into segments, terms with
// channel modes and coefficient paths), the form of every equivariant op of MACE (ARCHITECTURE.md principle 2).

/// A polynomial map from input buffers to output buffers, described as data, applied independently to every item
/// of a batch: `outputs[term.output] += Σ_paths Σ_coefficients c · Π_n inputs[term.inputs[n]]`.
///
/// Builders in `Descriptors/` make one per MACE op (``LinearDescriptor``, ``ChannelwiseTensorProductDescriptor``,
/// ``ElementSkipTensorProductDescriptor``, ``SymmetricContractionDescriptor``); executors run any of them
/// (``ReferenceExecutor``). Derivatives are rewrites into polynomials of the same form (``jvp(withRespectTo:)``,
/// ``backward(withRespectTo:)``, ``transposed(withRespectTo:)``), so backward and double backward need no
/// hand-written math. A value: hashable (a kernel-cache key), codable, validated on construction and decoding.
public struct EquivariantPolynomial: Sendable, Hashable {
    /// A short name for printing and error messages, e.g. `"linear"`.
    public let name: String
    /// The input buffers, per batch item.
    public let inputs: [PolynomialOperand]
    /// The output buffers, per batch item; every output starts at zero.
    public let outputs: [PolynomialOperand]
    /// The multilinear terms, summed.
    public let terms: [PolynomialTerm]
    /// The hash of all the above, computed once: the executors' plan caches look a polynomial up on every call,
    /// and hashing a symmetric contraction's thousands of coefficients each time cost more than a small molecule's
    /// evaluation of some ops.
    private let contentHash: Int

    /// A validated polynomial.
    /// - Throws: `EquivarianceError.invalidPolynomial` naming the term, path and operand that is out of range.
    public init(name: String, inputs: [PolynomialOperand], outputs: [PolynomialOperand], terms: [PolynomialTerm])
        throws
    {
        self.init(unchecked: name, inputs: inputs, outputs: outputs, terms: terms)
        try validate()
    }

    /// For rewrites of valid polynomials, which stay valid by construction.
    init(unchecked name: String, inputs: [PolynomialOperand], outputs: [PolynomialOperand], terms: [PolynomialTerm]) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.terms = terms
        var hasher = Hasher()
        hasher.combine(name)
        hasher.combine(inputs)
        hasher.combine(outputs)
        hasher.combine(terms)
        contentHash = hasher.finalize()
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.contentHash == rhs.contentHash && lhs.name == rhs.name && lhs.inputs == rhs.inputs
            && lhs.outputs == rhs.outputs && lhs.terms == rhs.terms
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(contentHash) }

    /// The number of paths over all terms.
    public var pathCount: Int { terms.reduce(0) { $0 + $1.paths.count } }

    /// The number of non-zero coefficients over all terms.
    public var coefficientCount: Int { terms.reduce(0) { $0 + $1.coefficientCount } }

    /// The highest number of factors of any term (the polynomial degree counting every input).
    public var degree: Int { terms.map(\.inputs.count).max() ?? 0 }

    /// Whether every term is in the "uniform 1d" form (see ``PolynomialTerm/isUniformOneDimensional``).
    public var isUniformOneDimensional: Bool { terms.allSatisfy(\.isUniformOneDimensional) }
}

extension EquivariantPolynomial: Codable {
    private enum CodingKeys: String, CodingKey { case name, inputs, outputs, terms }

    /// Decodes and validates.
    /// - Throws: `DecodingError.dataCorrupted` carrying the `EquivarianceError` message of an invalid description.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            unchecked: try container.decode(String.self, forKey: .name),
            inputs: try container.decode([PolynomialOperand].self, forKey: .inputs),
            outputs: try container.decode([PolynomialOperand].self, forKey: .outputs),
            terms: try container.decode([PolynomialTerm].self, forKey: .terms))
        do {
            try validate()
        } catch let error as EquivarianceError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(terms, forKey: .terms)
    }
}
