// SwiftMACE, MIT licence.
// SymmetricContractionDescriptor: mace's SymmetricContraction (ACE product basis, MACE.md §7.2) as an
// EquivariantPolynomial of degree ≤ correlation in x, multilinear in the element-selected weights W_ν.

/// mace's `SymmetricContraction(irrepsIn, irrepsOut, correlation, num_elements)` (MACE.md §7.2):
/// `B[c, M] = Σ_{ν=1…correlation} Σ_k W_ν[e, k, c] · Σ_{i1…iν} U_ν[M, i1, …, iν, k] · x[c, i1] ⋯ x[c, iν]`
/// with one contraction (its own U_ν and W_ν) per entry of `irrepsOut`.
///
/// Polynomial operands: inputs `[W(0,1), …, W(0,corr), W(1,1), …, W(n−1,corr), x]`, output `[B]`.
/// - `W(o, ν)` (input ``weightInput(output:correlation:)``): `[K_ν · C]` per item, the row `W_ν[e]` of mace's
///   `[n_el, K_ν, C]` weight of contraction `o` (segments `[C, 1]`, one per k). Select the node's element with
///   `.indexed(elements, rows: n_el)`, exactly mace's one-hot sum.
/// - `x`: `[irrepsIn.dim]` in mul_ir, all entries of multiplicity C (the message `Cx0e+Cx1o+…` before mace's
///   reshape to `[C, (lmax+1)²]`; the coupling index `i` runs over ℐ = the entries with multiplicity 1).
/// - `B`: `[irrepsOut.dim]` mul_ir (entries of multiplicity C), as mace's concatenated contraction outputs.
/// One term per (o, ν), `u·u⋯u -> u` ("uniform 1d"), with ν copies of `x`; one path per (k, coupling blocks of
/// i1…iν) holding the non-zero U entries. Derivatives treat the ν copies of x as separate factors (product rule),
/// so `backward` gives ν terms per term, all with the same coefficients; U's columns are not symmetrised.
public struct SymmetricContractionDescriptor: Sendable, Hashable, Codable {
    public let irrepsIn: Irreps
    public let irrepsOut: Irreps
    public let correlation: Int
    public let elementCount: Int
    /// `uMatrices[o][ν−1]`: shape `[2L+1] + [d]*ν + [K_ν]` of contraction `o` (L = 0 keeps the leading axis).
    public let uMatrices: [[DenseArray]]
    public let polynomial: EquivariantPolynomial

    /// The number of channels C.
    public var channels: Int { irrepsIn.entries.first?.mul ?? 0 }

    /// `K_ν` of contraction `o`.
    public func weightColumns(output: Int, correlation nu: Int) -> Int { uMatrices[output][nu - 1].shape.last ?? 0 }

    /// The polynomial input holding `W_ν` of contraction `o`.
    public func weightInput(output: Int, correlation nu: Int) -> Int { output * correlation + nu - 1 }

    /// The polynomial input holding x (the last one).
    public var featureInput: Int { irrepsOut.entries.count * correlation }

    /// Builds U with mace's `U_matrix_real` (``UMatrix``), `use_reduced_cg=False`.
    /// - Throws: `EquivarianceError.unsupported` for a correlation outside 1…3 or unequal multiplicities.
    public init(irrepsIn: Irreps, irrepsOut: Irreps, correlation: Int, elementCount: Int) throws {
        try Self.checkOptions(irrepsIn: irrepsIn, irrepsOut: irrepsOut, correlation: correlation)
        let coupling = Self.couplingIrreps(irrepsIn)
        let u = try irrepsOut.entries.map { entry in
            try (1...correlation).map {
                try UMatrix.generate(couplingIrreps: coupling, output: entry.irrep, correlation: $0)
            }
        }
        try self.init(irrepsIn: irrepsIn, irrepsOut: irrepsOut, correlation: correlation, elementCount: elementCount,
                      uMatrices: u)
    }

    /// Uses externally supplied U buffers, e.g. `products.i.symmetric_contractions.contractions.o.U_matrix_ν` of a
    /// mace model (e3nn or cuequivariance reduced basis; docs/MODEL_FORMAT.md §2).
    /// - Parameter uMatrices: `[o][ν−1]`, shape `[2L+1] + [d]*ν + [K]`, or `[d]*ν + [K]` for L = 0 as mace stores it.
    /// - Throws: `EquivarianceError.shapeMismatch` naming the contraction and ν of a U with the wrong shape or a
    ///   non-finite value; `.unsupported` for bad options.
    public init(irrepsIn: Irreps, irrepsOut: Irreps, correlation: Int, elementCount: Int, uMatrices: [[DenseArray]])
        throws
    {
        try Self.checkOptions(irrepsIn: irrepsIn, irrepsOut: irrepsOut, correlation: correlation)
        guard elementCount >= 1 else {
            throw EquivarianceError.unsupported("symmetric contraction needs at least 1 element; got \(elementCount)")
        }
        guard uMatrices.count == irrepsOut.entries.count, uMatrices.allSatisfy({ $0.count == correlation }) else {
            throw EquivarianceError.shapeMismatch(
                "expected \(irrepsOut.entries.count) lists of \(correlation) U matrices (one per output irrep and "
                    + "correlation); got \(uMatrices.map(\.count))")
        }
        let d = Self.couplingIrreps(irrepsIn).dim
        var normalised: [[DenseArray]] = []
        for (o, entry) in irrepsOut.entries.enumerated() {
            var row: [DenseArray] = []
            for (index, u) in uMatrices[o].enumerated() {
                let nu = index + 1
                let middle = Array(repeating: d, count: nu)
                var shape = u.shape
                if entry.irrep.l == 0 && shape.count == nu + 1 { shape = [1] + shape }
                guard shape.count == nu + 2, shape[0] == entry.irrep.dimension, Array(shape[1...nu]) == middle else {
                    throw EquivarianceError.shapeMismatch(
                        "U of output \(o) (\(entry.irrep)), correlation \(nu) has shape \(u.shape); expected "
                            + "\([entry.irrep.dimension] + middle + [-1]) with -1 = K")
                }
                guard u.values.allSatisfy(\.isFinite) else {
                    throw EquivarianceError.shapeMismatch(
                        "U of output \(o) (\(entry.irrep)), correlation \(nu) has a non-finite value")
                }
                row.append(DenseArray(shape: shape, values: u.values))
            }
            normalised.append(row)
        }
        self.irrepsIn = irrepsIn
        self.irrepsOut = irrepsOut
        self.correlation = correlation
        self.elementCount = elementCount
        self.uMatrices = normalised
        self.polynomial = try Self.polynomial(irrepsIn, irrepsOut, correlation, normalised)
    }

    /// ℐ: the input irreps with multiplicity 1.
    static func couplingIrreps(_ irrepsIn: Irreps) -> Irreps { Irreps(irrepsIn.entries.map { MulIrrep(1, $0.irrep) }) }

    private static func checkOptions(irrepsIn: Irreps, irrepsOut: Irreps, correlation: Int) throws {
        guard (1...3).contains(correlation) else {
            throw EquivarianceError.unsupported("symmetric contraction correlation must be 1, 2 or 3; got \(correlation)")
        }
        let channels = irrepsIn.entries.first?.mul ?? 0
        guard channels > 0, (irrepsIn + irrepsOut).entries.allSatisfy({ $0.mul == channels }) else {
            throw EquivarianceError.unsupported(
                "symmetric contraction needs one multiplicity C > 0 for all input and output irreps; got '\(irrepsIn)' "
                    + "and '\(irrepsOut)'")
        }
    }

    private static func polynomial(_ irrepsIn: Irreps, _ irrepsOut: Irreps, _ correlation: Int, _ u: [[DenseArray]])
        throws -> EquivariantPolynomial
    {
        let channels = irrepsIn.entries[0].mul
        // Coupling index → (x segment, index within it).
        var block: [(segment: Int, index: Int)] = []
        for (s, entry) in irrepsIn.entries.enumerated() {
            for m in 0..<entry.irrep.dimension { block.append((s, m)) }
        }
        var weights: [PolynomialOperand] = []
        var terms: [PolynomialTerm] = []
        let featureInput = irrepsOut.entries.count * correlation
        for o in irrepsOut.entries.indices {
            for nu in 1...correlation {
                let tensor = u[o][nu - 1]
                let k = tensor.shape[nu + 1]
                weights.append(
                    PolynomialOperand(
                        name: "W[\(o),\(nu)]", segments: Array(repeating: [channels, 1], count: k)))
                // Group non-zero U entries by (k, segments of i1…iν); flat = ((M·d + i1)·d + …)·K + k.
                var groups: [[Int]: [PolynomialCoefficient]] = [:]
                let d = block.count
                for (flat, value) in tensor.values.enumerated() where value != 0 {
                    var rest = flat / k
                    var coupling = [Int](repeating: 0, count: nu)
                    for position in stride(from: nu - 1, through: 0, by: -1) {
                        coupling[position] = rest % d
                        rest /= d
                    }
                    let key = [flat % k] + coupling.map { block[$0].segment }
                    groups[key, default: []].append(
                        PolynomialCoefficient([0] + coupling.map { block[$0].index } + [rest], value))
                }
                let paths = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
                    PolynomialPath(segments: key + [o], coefficients: groups[key] ?? [])
                }
                terms.append(
                    PolynomialTerm(
                        inputs: [weights.count - 1] + Array(repeating: featureInput, count: nu), output: 0,
                        modes: Array(repeating: "u", count: nu + 2), paths: paths))
            }
        }
        return try EquivariantPolynomial(
            name: "symmetric_contraction", inputs: weights + [irrepsIn.operand(named: "x")],
            outputs: [irrepsOut.operand(named: "B")], terms: terms)
    }
}
